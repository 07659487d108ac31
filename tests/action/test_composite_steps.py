"""The composite action's shell steps (action.yml), run with this machine's bash as each runner OS would run them.

macOS and Windows runners cannot run here, so each `run:` script is read from action.yml and started the way the
runner starts a `shell: bash` step (`bash --noprofile --norc -eo pipefail FILE`, a fresh GITHUB_OUTPUT per step)
in an environment that stands in for the runner: RUNNER_OS, RUNNER_TEMP, GITHUB_ACTION_PATH, and a PATH holding
only stand-in `python3`/`python`/`go` commands that answer as the runner's do (Windows: `python3` missing or the
Store stub exiting 9009, venvs laid out as Scripts/python.exe; macOS: a system python3 too old for gobaseline).
The `${{ ... }}` expressions the steps use are what GitHub would substitute, from the small tables below; an
expression missing from them fails the test, so a new one is seen here first.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.actions import parse_outputs

REPO = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS: dict[str, dict[str, Any]] = {step["id"]: step for step in ACTION["runs"]["steps"] if "id" in step}
SHELL_STEPS = [step for step in ACTION["runs"]["steps"] if "run" in step]
BASH = shutil.which("bash") or "/bin/bash"
TOKEN = "ghs_stand_in_token"

# What each runner's go answers for `go env` (the paths of the hosted runner images).
GO_ENV = {
    "Linux": {"GOMODCACHE": "/home/runner/go/pkg/mod", "GOCACHE": "/home/runner/.cache/go-build"},
    "macOS": {"GOMODCACHE": "/Users/runner/go/pkg/mod", "GOCACHE": "/Users/runner/Library/Caches/go-build"},
    "Windows": {
        "GOMODCACHE": "C:\\Users\\runneradmin\\go\\pkg\\mod",
        "GOCACHE": "C:\\Users\\runneradmin\\AppData\\Local\\go-build",
    },
}
GO_VERSION = "go1.27.3"


@dataclass
class Job:
    """One job on a stand-in runner: the inputs, the outputs of the steps so far, the stand-in commands."""

    os: str
    root: Path
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("bin", "temp", "workspace", "action/requirements", "toolcache"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        (self.action / "requirements" / "action.txt").write_text("# pinned with hashes\n", encoding="utf-8")
        (self.action / "pyproject.toml").write_text("[project]\nname = 'gobaseline'\n", encoding="utf-8")
        (self.action / "src" / "gobaseline").mkdir(parents=True, exist_ok=True)
        (self.action / "src" / "gobaseline" / "__init__.py").write_text("", encoding="utf-8")
        self.log.touch()

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def temp(self) -> Path:
        return self.root / "temp"

    @property
    def action(self) -> Path:
        return self.root / "action"

    @property
    def log(self) -> Path:
        """Every stand-in command appends its name and arguments here, one call a line."""
        return self.root / "calls.log"

    def calls(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def input(self, name: str) -> str:
        if name in self.inputs:
            return self.inputs[name]
        default = str(ACTION["inputs"][name].get("default", ""))
        return substitute(default, self)

    def output(self, step: str, name: str) -> str:
        return self.outputs.get(step, {}).get(name, "")

    def environ(self, step_env: Mapping[str, str], github_output: Path) -> dict[str, str]:
        return {
            "PATH": str(self.bin),  # nothing of this machine's: only the stand-ins answer
            "HOME": str(self.root),
            "RUNNER_OS": self.os,
            "RUNNER_ARCH": "X64",
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(github_output),
            "GITHUB_PATH": str(self.root / "github_path"),
            "GITHUB_ACTION_PATH": str(self.action),
            "GITHUB_WORKSPACE": str(self.root / "workspace"),
            **step_env,
        }


# `${{ ... }}` as GitHub substitutes it, for the expressions the shell steps (and the inputs' defaults) use.
EXPRESSIONS: dict[str, Callable[[Job], str]] = {
    "github.token": lambda job: TOKEN,
    "steps.python.outputs.path || steps.setup-python.outputs.python-path": lambda job: (
        job.output("python", "path") or job.output("setup-python", "python-path")
    ),
    "steps.install.outputs.python": lambda job: job.output("install", "python"),
    "steps.restore-venv.outputs.cache-hit": lambda job: job.output("restore-venv", "cache-hit"),
}
CONDITIONS: dict[str, Callable[[Job], bool]] = {
    "inputs.cache == 'true'": lambda job: job.input("cache") == "true",
    "inputs.cache == 'true' && inputs.command != 'merge'": lambda job: (
        job.input("cache") == "true" and job.input("command") != "merge"
    ),
}
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def substitute(text: str, job: Job) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m[1]
        if expr.startswith("inputs.") and re.fullmatch(r"inputs\.[a-z-]+", expr):
            return job.input(expr.removeprefix("inputs."))
        return EXPRESSIONS[expr](job)

    return _EXPRESSION.sub(one, text)


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


def run_step(job: Job, step_id: str, extra_env: Mapping[str, str] | None = None) -> Ran | None:
    """Run the shell step `step_id` as the runner would; None when its `if:` skips it."""
    step = STEPS[step_id]
    assert step["shell"] == "bash"
    if "if" in step and not CONDITIONS[step["if"]](job):
        return None
    script = job.temp / f"{step_id}.sh"
    script.write_text(substitute(step["run"], job), encoding="utf-8")
    github_output = job.temp / f"github_output_{step_id}"
    github_output.write_text("", encoding="utf-8")
    env = {k: substitute(str(v), job) for k, v in step.get("env", {}).items()}
    proc = subprocess.run(
        [BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env=job.environ({**env, **(extra_env or {})}, github_output),
        cwd=job.root / "workspace",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    outputs = parse_outputs(github_output.read_text(encoding="utf-8"))
    job.outputs[step_id] = outputs
    return Ran(proc.returncode, proc.stdout, proc.stderr, outputs)


# -- stand-in commands ---------------------------------------------------------------------------------------


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{BASH}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


def venv_python(job: Job) -> str:
    """The body of a virtual environment's python: pip and `-m gobaseline.action` are logged, nothing installed."""
    return f"""echo "venv-python $*" >>'{job.log}'
if [ "$1 $2" = "-m pip" ]; then exit "${{STANDIN_PIP_EXIT:-0}}"; fi
if [ "$1 $2" = "-c import gobaseline" ]; then exit "${{STANDIN_IMPORT_EXIT:-0}}"; fi
if [ "$1 $2" = "-m gobaseline.action" ]; then
  /usr/bin/env -0 >'{job.root / "action_env"}'
  echo "verdict=pass" >>"$GITHUB_OUTPUT"
  exit "${{STANDIN_RUN_EXIT:-0}}"
fi
exit 98
"""


def python(job: Job, path: Path, version: tuple[int, int]) -> Path:
    """A stand-in Python `version` whose `-m venv DIR` makes the runner OS's layout (Scripts/python.exe on
    Windows, bin/python elsewhere)."""
    layout = "Scripts/python.exe" if job.os == "Windows" else "bin/python"
    template = _script(job.root / "templates" / "venv-python", venv_python(job))
    ok = 0 if version >= (3, 11) else 1
    return _script(
        path,
        f"""echo "{path.name} $*" >>'{job.log}'
case "$1" in
  -c) [ "$2" = 'import sys; sys.exit(sys.version_info < (3, 11))' ] || exit 97; exit {ok} ;;
  -I) exec '{sys.executable}' "$@" ;;  # a script on stdin: this machine's Python runs it
  -m) [ "$2" = venv ] && [ "$3" = --clear ] || exit 96
      /bin/mkdir -p "$4/$(/usr/bin/dirname {layout})" && /bin/cp '{template}' "$4/{layout}" && exit 0 ;;
esac
exit 98
""",
    )


def store_stub(job: Job, name: str) -> Path:
    """The Microsoft Store's `python3` alias on a Windows runner: it installs nothing and exits 9009."""
    return _script(
        job.bin / name,
        f"""echo "{name}-stub $*" >>'{job.log}'
echo "Python was not found; run without arguments to install from the Microsoft Store, or disable this shortcut \
from Settings > Manage App Execution Aliases." >&2
exit 9009
""",
    )


def go(job: Job) -> Path:
    cases = "".join(f"    {k}) echo '{v}' ;;\n" for k, v in {**GO_ENV[job.os], "GOVERSION": GO_VERSION}.items())
    return _script(
        job.bin / "go",
        f"""echo "go $*" >>'{job.log}'
[ "$1" = env ] || exit 98
[ -z "$STANDIN_GO_EXIT" ] || exit "$STANDIN_GO_EXIT"
shift
for name; do
  case "$name" in
{cases}    *) exit 97 ;;
  esac
done
""",
    )


def runner(tmp_path: Path, system: str) -> Job:
    """A job on the hosted runner image of `system`, with the Pythons and the Go such a runner has on PATH."""
    job = Job(system, tmp_path)
    if system == "Windows":
        store_stub(job, "python3")
        python(job, job.bin / "python", (3, 12))
    elif system == "macOS":
        python(job, job.bin / "python3", (3, 13))
    else:
        python(job, job.bin / "python3", (3, 12))
    go(job)
    return job


# -- the steps -----------------------------------------------------------------------------------------------


def venv_python_of(job: Job) -> Path:
    venv = job.temp / "gobaseline-venv"
    return venv / "Scripts" / "python.exe" if job.os == "Windows" else venv / "bin" / "python"


@pytest.mark.parametrize("system", ["Linux", "macOS", "Windows"])
def test_every_shell_step_on_each_runner_os(tmp_path: Path, system: str) -> None:
    job = runner(tmp_path, system)

    found = run_step(job, "python")
    assert found is not None and found.code == 0, found
    base = job.bin / ("python" if system == "Windows" else "python3")
    assert found.outputs == {"path": str(base)}

    key = run_step(job, "venv")
    assert key is not None and key.code == 0, key
    assert re.fullmatch(r"gobaseline-venv-3\.[0-9]+\.[0-9]+-[0-9a-f]{32}", key.outputs["key"]), key.outputs

    installed = run_step(job, "install")
    assert installed is not None and installed.code == 0, installed
    venv = job.temp / "gobaseline-venv"
    assert installed.outputs == {"python": str(venv_python_of(job))}
    assert venv_python_of(job).is_file()
    pip = [c for c in job.calls() if c.startswith("venv-python -m pip install")]
    assert len(pip) == 2
    assert f"-r {job.action}/requirements/action.txt" in pip[0] and "--require-hashes" in pip[0]
    assert pip[1].endswith(f"--no-deps --no-build-isolation {job.action}")
    assert f"{base.name} -m venv --clear {venv}" in job.calls()

    cached = run_step(job, "go")
    assert cached is not None and cached.code == 0, cached
    env = GO_ENV[system]
    # The paths go to actions/cache as go prints them: a Windows path keeps its drive and its backslashes.
    assert cached.outputs == {"version": GO_VERSION, "paths": f"{env['GOMODCACHE']}\n{env['GOCACHE']}"}

    job.inputs.update({"targets": "linux/amd64\nwindows/amd64", "check-name": "gate"})
    ran = run_step(job, "run")
    assert ran is not None and ran.code == 0, ran
    assert ran.outputs == {"verdict": "pass"}
    assert "venv-python -m gobaseline.action" in job.calls()
    seen = dict(item.split("=", 1) for item in (tmp_path / "action_env").read_text().split("\0") if item)
    assert seen["INPUT_CHECK_NAME"] == "gate" and seen["INPUT_TARGETS"] == "linux/amd64\nwindows/amd64"
    assert seen["INPUT_GITHUB_TOKEN"] == TOKEN and seen["INPUT_COMMAND"] == "run"


@pytest.mark.parametrize("python3", ["missing", "store-stub"])
def test_on_windows_python3_missing_or_the_store_stub_falls_back_to_python(tmp_path: Path, python3: str) -> None:
    job = runner(tmp_path, "Windows")
    if python3 == "missing":
        (job.bin / "python3").unlink()
    found = run_step(job, "python")
    assert found is not None and found.code == 0 and found.outputs == {"path": str(job.bin / "python")}
    assert ("python3-stub -c" in "\n".join(job.calls())) == (python3 == "store-stub")


def test_without_a_python_3_11_the_one_set_up_is_used(tmp_path: Path) -> None:
    # macOS images whose only python3 is Apple's 3.9; `python` is missing.
    job = Job("macOS", tmp_path)
    python(job, job.bin / "python3", (3, 9))
    found = run_step(job, "python")
    assert found is not None and found.code == 0 and found.outputs == {}
    assert "setting one up" in found.stdout
    setup = python(job, job.root / "toolcache" / "Python" / "3.12.10" / "bin" / "python3.12", (3, 12))
    job.outputs["setup-python"] = {"python-path": str(setup)}  # what actions/setup-python outputs
    installed = run_step(job, "install")
    assert installed is not None and installed.code == 0, installed
    assert f"python3.12 -m venv --clear {job.temp / 'gobaseline-venv'}" in job.calls()


def test_a_failing_install_fails_the_step_and_names_no_python(tmp_path: Path) -> None:
    job = runner(tmp_path, "Windows")
    run_step(job, "python")
    installed = run_step(job, "install", {"STANDIN_PIP_EXIT": "1"})
    assert installed is not None and installed.code == 1 and installed.outputs == {}
    assert len([c for c in job.calls() if "-m pip install" in c]) == 1  # stopped at the first failure


def test_a_failing_go_only_means_no_cache_and_leaves_the_gate_to_report_it(tmp_path: Path) -> None:
    # The job goes on to the gobaseline step, which reports the toolchain with its findings and reports.
    job = runner(tmp_path, "Linux")
    cached = run_step(job, "go", {"STANDIN_GO_EXIT": "2"})
    assert cached is not None and cached.code == 0 and cached.outputs == {}
    assert "go env failed, so the Go caches are not restored" in cached.stdout


def test_the_cache_key_asks_the_local_toolchain_once(tmp_path: Path) -> None:
    job = runner(tmp_path, "Linux")
    assert run_step(job, "go") is not None
    assert [c for c in job.calls() if c.startswith("go ")] == ["go env GOVERSION GOMODCACHE GOCACHE"]
    assert "GOTOOLCHAIN=local go env" in STEPS["go"]["run"]


def test_without_go_nothing_is_cached_and_the_run_says_why(tmp_path: Path) -> None:
    job = runner(tmp_path, "macOS")
    (job.bin / "go").unlink()
    cached = run_step(job, "go")
    assert cached is not None and cached.code == 0 and cached.outputs == {}
    assert "No go on PATH" in cached.stdout


@pytest.mark.parametrize("inputs", [{"cache": "false"}, {"command": "merge"}])
def test_the_cache_step_is_skipped_without_cache_or_for_merge(tmp_path: Path, inputs: dict[str, str]) -> None:
    job = runner(tmp_path, "Linux")
    job.inputs.update(inputs)
    assert run_step(job, "go") is None


def test_the_gate_s_exit_code_is_the_step_s(tmp_path: Path) -> None:
    job = runner(tmp_path, "Windows")
    run_step(job, "python")
    run_step(job, "install")
    ran = run_step(job, "run", {"STANDIN_RUN_EXIT": "1"})
    assert ran is not None and ran.code == 1 and ran.outputs == {"verdict": "pass"}


# What bash 3.2 (macOS's /bin/bash; the runner's `bash` there) lacks, and constructs of other shells.
BASH4_ONLY = {
    "associative array": r"\b(declare|local|typeset)\s+-[a-zA-Z]*A",
    "case conversion": r"\$\{[A-Za-z_][A-Za-z0-9_]*(,,?|\^\^?)",
    "mapfile/readarray": r"\b(mapfile|readarray)\b",
    "coproc": r"\bcoproc\b",
    "nameref": r"\b(declare|local|typeset)\s+-[a-zA-Z]*n",
    "|& or &>>": r"\|&|&>>",
    "negative subscript": r"\[-[0-9]+\]\}",
    "[[ -v ]]": r"\[\[\s+-v\b",
    "${var@op}": r"\$\{[A-Za-z_][A-Za-z0-9_]*@[QEPAaUuLK]\}",
    "wait -n": r"\bwait\s+-n\b",
    "EPOCHSECONDS": r"\bEPOCH(SECONDS|REALTIME)\b",
}


@pytest.mark.parametrize("step", SHELL_STEPS, ids=[s.get("id", s["name"]) for s in SHELL_STEPS])
def test_shell_steps_are_bash_3_2_and_carry_no_expression(step: dict[str, Any]) -> None:
    script = step["run"]
    used = {what for what, pattern in BASH4_ONLY.items() if re.search(pattern, script)}
    assert used == set(), step["name"]
    # Values reach a script through env: (quoted by bash), never as `${{ }}` pasted into its text.
    assert "${{" not in script, step["name"]
    assert step["shell"] == "bash"


def test_every_expression_of_the_shell_steps_is_in_the_tables(tmp_path: Path) -> None:
    job = Job("Linux", tmp_path)
    for step in SHELL_STEPS:
        for value in step.get("env", {}).values():
            substitute(str(value), job)
        assert "if" not in step or step["if"] in CONDITIONS, step["name"]


def test_the_venv_key_follows_the_lock_file_and_the_sources(tmp_path: Path) -> None:
    job = runner(tmp_path, "Linux")
    run_step(job, "python")
    keys = []
    for change in ("", "requirements/action.txt", "src/gobaseline/__init__.py"):
        if change:
            (job.action / change).write_text("changed\n", encoding="utf-8")
        ran = run_step(job, "venv")
        assert ran is not None and ran.code == 0, ran
        keys.append(ran.outputs["key"])
    assert len(set(keys)) == 3
    job.inputs["cache"] = "false"
    assert run_step(job, "venv") is None


@pytest.mark.parametrize("imports", [True, False])
def test_a_restored_venv_is_used_only_if_it_imports_gobaseline(tmp_path: Path, imports: bool) -> None:
    job = runner(tmp_path, "Windows")
    run_step(job, "python")
    _script(venv_python_of(job), venv_python(job))  # what the cache restored
    job.outputs["restore-venv"] = {"cache-hit": "true"}
    installed = run_step(job, "install", {"STANDIN_IMPORT_EXIT": "0" if imports else "1"})
    assert installed is not None and installed.code == 0, installed
    assert installed.outputs == {"python": str(venv_python_of(job))}
    pip = [c for c in job.calls() if "-m pip install" in c]
    assert ("restored from the cache" in installed.stdout) == imports
    assert len(pip) == (0 if imports else 2)
