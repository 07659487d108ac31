"""The container image's entrypoint: the GitHub Docker action, and `gobaseline ARGS...` for every other use.

With no arguments it is the action (action.yml). It reads the inputs from `INPUT_<NAME>` (GitHub upper-cases
the name and keeps the hyphens: `INPUT_WORKING-DIRECTORY`) and validates them: GitHub enforces neither
`required` nor choices, so a bad value prints one `::error::` line per bad input and exits 3, like every other
user error of gobaseline. Then it marks the workspace as a git `safe.directory`, runs `gobaseline run`, writes
the step outputs (paths relative to the workspace), hands the files it wrote back to the workspace's owner and
exits with the run's code: 0 pass, 1 failed per `fail-on`, 3 error.

With arguments (`docker run IMAGE check`, pre-commit's `docker_image` hook) it runs `gobaseline ARGS...` after
the same environment fixes: HOME, GOCACHE, GOMODCACHE and GOPATH move under /tmp when the user (an arbitrary
`--user uid:gid`) cannot write them, and the working directory is a git `safe.directory`.

The action's inputs reach `gobaseline run` as arguments and as environment variables, which
`gobaseline.forges.PublishOptions.from_environ` reads: GOBASELINE_CHECK_RUN, GOBASELINE_COMMIT_STATUS,
GOBASELINE_SARIF_UPLOAD, GOBASELINE_ANNOTATIONS, GOBASELINE_SUMMARY (`true`/`false`),
GOBASELINE_SARIF_CATEGORY (text), and GITHUB_TOKEN (the `github-token` input).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar

EXIT_INPUT_ERROR = 3
"""Bad inputs exit like every other user error of gobaseline (see `gobaseline.model.ExitCode`)."""
EXIT_WARNINGS = 2
"""`gobaseline run` without --fail-on and without fail_on in the policy: warnings only."""

CONTAINER_WORKSPACE = "/github/workspace"

INPUTS: dict[str, str] = {
    "working-directory": ".",
    "policy": "",
    "targets": "",
    "packages": "",
    "output-dir": "",
    "fail-on": "",
    "github-token": "",
    "check-run": "true",
    "commit-status": "true",
    "sarif-upload": "true",
    "sarif-category": "",
    "annotations": "true",
    "summary": "true",
}
"""Every input of action.yml and the value used when its variable is missing (action.yml's defaults, except
`github-token`, whose default `${{ github.token }}` GitHub fills in)."""

BOOLEAN_INPUTS: dict[str, str] = {
    "check-run": "GOBASELINE_CHECK_RUN",
    "commit-status": "GOBASELINE_COMMIT_STATUS",
    "sarif-upload": "GOBASELINE_SARIF_UPLOAD",
    "annotations": "GOBASELINE_ANNOTATIONS",
    "summary": "GOBASELINE_SUMMARY",
}
"""Boolean inputs and the environment variable each becomes for the publishing step."""

FAIL_ON = ("error", "warning", "never")
OUTPUTS = ("verdict", "errors", "warnings", "report", "sarif", "manifest")
PATH_OUTPUTS = ("report", "sarif", "manifest")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_TARGET = re.compile(r"^[a-z0-9]+/[a-z0-9]+$")
_PACKAGE = re.compile(r"^[^\s,]+$")
_T = TypeVar("_T")


class InputError(Exception):
    """One input with a bad value; the message names the input and says what is allowed."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Inputs:
    """The validated inputs."""

    workspace: Path
    working_directory: Path
    policy: Path | None
    targets: tuple[str, ...]
    packages: tuple[str, ...]
    output_dir: Path | None
    fail_on: str
    github_token: str | None
    """None when the input is missing (not run as the action): keep GITHUB_TOKEN as it is."""
    publish: dict[str, bool]
    sarif_category: str

    def argv(self) -> list[str]:
        """The `gobaseline run` command line."""
        args = ["run", str(self.working_directory)]
        if self.policy is not None:
            args += ["--policy", str(self.policy)]
        if self.targets:
            args += ["--targets", ",".join(self.targets)]
        for package in self.packages:
            args += ["--package", package]
        if self.output_dir is not None:
            args += ["--output-dir", str(self.output_dir)]
        if self.fail_on:
            args += ["--fail-on", self.fail_on]
        return args

    def environ(self) -> dict[str, str]:
        """The environment variables the inputs become (publishing options, the token)."""
        env = {BOOLEAN_INPUTS[name]: "true" if value else "false" for name, value in self.publish.items()}
        env["GOBASELINE_SARIF_CATEGORY"] = self.sarif_category
        if self.github_token is not None:
            env["GITHUB_TOKEN"] = self.github_token
        return env


def raw_inputs(environ: Mapping[str, str]) -> dict[str, str]:
    """Each input's raw value, stripped, with the default when its variable is missing."""
    values = {}
    for name, default in INPUTS.items():
        value = environ.get(f"INPUT_{name.upper()}")
        # Some runners translate hyphens; GitHub keeps them. Accept both spellings.
        if value is None:
            value = environ.get(f"INPUT_{name.upper().replace('-', '_')}")
        values[name] = (default if value is None else value).strip()
    return values


def _split(value: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", value) if item]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _within_workspace(name: str, value: str, workspace: Path) -> Path:
    if "\x00" in value:
        raise InputError(name, f"input '{name}' contains a NUL character")
    path = (workspace / value).resolve()
    if not _inside(path, workspace):
        raise InputError(name, f"input '{name}' is '{value}', which is outside the workspace ({workspace})")
    return path


def parse_inputs(environ: Mapping[str, str], workspace: Path) -> tuple[Inputs | None, list[InputError]]:
    """Validate every input; returns the inputs or every problem found (all of them, not just the first)."""
    raw = raw_inputs(environ)
    errors: list[InputError] = []

    def check(fn: Callable[[], _T], fallback: _T) -> _T:
        try:
            return fn()
        except InputError as e:
            errors.append(e)
            return fallback

    def boolean(name: str) -> bool:
        value = raw[name].lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise InputError(name, f"input '{name}' is '{raw[name]}'; expected true or false")

    def working_directory() -> Path:
        path = _within_workspace("working-directory", raw["working-directory"] or ".", workspace)
        if not path.is_dir():
            raise InputError(
                "working-directory",
                f"input 'working-directory' is '{raw['working-directory']}', which is not a directory in the "
                "workspace (did the job check out the repository first?)",
            )
        return path

    def policy() -> Path | None:
        if not raw["policy"]:
            return None
        path = _within_workspace("policy", raw["policy"], workspace)
        if not path.is_file():
            raise InputError("policy", f"input 'policy' is '{raw['policy']}', which is not a file")
        return path

    def targets() -> tuple[str, ...]:
        items = tuple(_split(raw["targets"]))
        bad = [t for t in items if not _TARGET.match(t)]
        if bad:
            raise InputError(
                "targets",
                f"input 'targets' has '{bad[0]}', which is not GOOS/GOARCH (e.g. linux/amd64,darwin/arm64)",
            )
        return items

    def packages() -> tuple[str, ...]:
        items = tuple(line.strip() for line in re.split(r"[\n,]", raw["packages"]) if line.strip())
        bad = [p for p in items if not _PACKAGE.match(p)]
        if bad:
            raise InputError("packages", f"input 'packages' has '{bad[0]}'; give one package path per line")
        return items

    def output_dir() -> Path | None:
        return _within_workspace("output-dir", raw["output-dir"], workspace) if raw["output-dir"] else None

    def fail_on() -> str:
        value = raw["fail-on"].lower()
        if value and value not in FAIL_ON:
            raise InputError("fail-on", f"input 'fail-on' is '{raw['fail-on']}'; expected one of {', '.join(FAIL_ON)}")
        return value

    def sarif_category() -> str:
        value = raw["sarif-category"]
        if "\n" in value or "\r" in value or len(value) > 255:
            raise InputError("sarif-category", "input 'sarif-category' must be one line of at most 255 characters")
        return value

    token_given = any(k in environ for k in ("INPUT_GITHUB-TOKEN", "INPUT_GITHUB_TOKEN"))
    publish = {}
    for name in BOOLEAN_INPUTS:
        publish[name] = check(functools.partial(boolean, name), True)
    inputs = Inputs(
        workspace=workspace,
        working_directory=check(working_directory, workspace),
        policy=check(policy, None),
        targets=check(targets, ()),
        packages=check(packages, ()),
        output_dir=check(output_dir, None),
        fail_on=check(fail_on, ""),
        github_token=raw["github-token"] if token_given else None,
        publish=publish,
        sarif_category=check(sarif_category, ""),
    )
    return (None, errors) if errors else (inputs, [])


def _say(line: str, stream: TextIO) -> None:
    stream.write(line + "\n")
    stream.flush()


def input_error_line(error: InputError) -> str:
    """The one `::error::` line for a bad input, escaped like every workflow command gobaseline prints."""
    from gobaseline.forges.github.commands import command

    return command("error", error.message, {"title": f"gobaseline: invalid input {error.name}"})


# -- environment fixes --------------------------------------------------------------------------------------------


def _writable(path: Path) -> bool:
    """True when `path` is a writable directory, or could be created as one."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False


def fix_environment(environ: dict[str, str], *, tmp: Path | None = None) -> list[str]:
    """Point HOME, GOCACHE, GOMODCACHE and GOPATH somewhere writable when they are not. Returns what moved."""
    base = tmp if tmp is not None else Path(tempfile.gettempdir())
    uid = os.getuid()
    moved = []
    home = environ.get("HOME", "")
    if not home or not _writable(Path(home)):
        new_home = base / f"gobaseline-home-{uid}"
        new_home.mkdir(mode=0o700, parents=True, exist_ok=True)
        environ["HOME"] = str(new_home)
        moved.append(f"HOME={new_home}")
    for name, sub in (("GOCACHE", "go-build"), ("GOMODCACHE", "go-mod"), ("GOPATH", "go")):
        value = environ.get(name)
        if value and not _writable(Path(value)):
            new = base / f"gobaseline-{uid}" / sub
            new.mkdir(parents=True, exist_ok=True)
            environ[name] = str(new)
            moved.append(f"{name}={new}")
    return moved


def mark_safe_directories(directories: Sequence[Path], environ: Mapping[str, str]) -> None:
    """`git config --global --add safe.directory DIR` for each directory not yet listed (go build runs git)."""
    git = shutil.which("git", path=environ.get("PATH"))
    if git is None:
        return
    env = dict(environ)
    try:
        listed = subprocess.run(
            [git, "config", "--global", "--get-all", "safe.directory"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        ).stdout.split()
        for directory in dict.fromkeys(str(d) for d in directories):
            if directory not in listed:
                subprocess.run(
                    [git, "config", "--global", "--add", "safe.directory", directory],
                    env=env,
                    capture_output=True,
                    check=False,
                    timeout=30,
                )
    except (OSError, subprocess.TimeoutExpired) as e:
        _say(f"gobaseline: notice: could not mark the workspace as a git safe.directory: {e}", sys.stderr)


# -- outputs ------------------------------------------------------------------------------------------------------


def parse_outputs(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file (`name=value` lines and `name<<DELIM` blocks). Later values win."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def relative_to_workspace(value: str, workspace: Path, container_workspace: Path | None = None) -> str:
    """A path output as later steps can use it: relative to the workspace when it is inside it.

    A Docker action sees the workspace at /github/workspace while the steps after it run on the host, where the
    same directory has another absolute path: a relative path works for both.
    """
    if not value:
        return value
    path = Path(value)
    for root in (workspace, container_workspace):
        if root is not None and path.is_absolute() and _inside(path, root):
            rel = path.relative_to(root).as_posix()
            return rel or "."
    return value


def complete_outputs(written: Mapping[str, str], report_dir: Path | None, exit_code: int) -> dict[str, str]:
    """The action's outputs: what the run wrote, completed from the report files when it wrote nothing."""
    values = {name: written.get(name, "") for name in OUTPUTS}
    if not values["report"] and report_dir is not None and (report_dir / "report.json").is_file():
        values["report"] = str(report_dir / "report.json")
    if not values["sarif"] and report_dir is not None and (report_dir / "gobaseline.sarif").is_file():
        values["sarif"] = str(report_dir / "gobaseline.sarif")
    report = Path(values["report"]) if values["report"] else None
    if not values["manifest"] and report is not None:
        for candidate in (report.parent / "manifest.json", report.parent.parent / "manifest.json"):
            if candidate.is_file():
                values["manifest"] = str(candidate)
                break
    if not values["verdict"] and report is not None and report.is_file():
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            data = json.loads(report.read_text(encoding="utf-8"))
            values["verdict"] = str(data["verdict"])
            counts = data.get("counts", {})
            values["errors"] = values["errors"] or str(counts.get("error", ""))
            values["warnings"] = values["warnings"] or str(counts.get("warning", ""))
    if not values["verdict"] and exit_code == EXIT_INPUT_ERROR:
        values["verdict"] = "error"
    return values


# -- ownership ----------------------------------------------------------------------------------------------------


def hand_back(workspace: Path, since: float, *, skip: Sequence[str] = (".git",)) -> int:
    """Give files this process created or changed under `workspace` to the workspace's owner. Returns how many.

    Only when running as root and the workspace belongs to someone else (GitHub's runner user): then files the
    action wrote would be root-owned and later steps could not change or delete them. Files older than `since`
    or owned by anyone but us are left alone; `.git` is skipped.
    """
    if os.geteuid() != 0:
        return 0
    st = workspace.stat()
    if st.st_uid == 0 and st.st_gid == 0:
        return 0
    count = 0
    for root, dirs, files in os.walk(workspace):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in (*dirs, *files):
            path = Path(root) / name
            try:
                info = path.lstat()
                if info.st_uid == os.geteuid() and info.st_ctime >= since:
                    os.lchown(path, st.st_uid, st.st_gid)
                    count += 1
            except OSError:
                continue
    return count


# -- the two modes ------------------------------------------------------------------------------------------------

Runner = Callable[[Sequence[str], Mapping[str, str]], int]


def run_gobaseline(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    """Run `gobaseline ARGV` with `environ`; returns its exit code. Output goes straight to the job log."""
    exe = shutil.which("gobaseline", path=environ.get("PATH"))
    command = [exe, *argv] if exe else [sys.executable, "-m", "gobaseline.cli", *argv]
    return subprocess.run(command, env=dict(environ), check=False).returncode


def workspace_of(environ: Mapping[str, str]) -> Path:
    """The checked-out repository: GITHUB_WORKSPACE, else /github/workspace when it exists, else the cwd."""
    value = environ.get("GITHUB_WORKSPACE")
    if value and Path(value).is_dir():
        return Path(value).resolve()
    if Path(CONTAINER_WORKSPACE).is_dir():
        return Path(CONTAINER_WORKSPACE)
    return Path.cwd().resolve()


def action(environ: Mapping[str, str], runner: Runner = run_gobaseline) -> int:
    """The GitHub Docker action."""
    started = time.time() - 1
    env = dict(environ)
    workspace = workspace_of(env)
    inputs, errors = parse_inputs(env, workspace)
    if inputs is None:
        for error in errors:
            _say(input_error_line(error), sys.stdout)
        return EXIT_INPUT_ERROR
    for note in fix_environment(env):
        _say(f"gobaseline: {note} (the original was not writable)", sys.stderr)
    safe = [workspace, inputs.working_directory]
    if Path(CONTAINER_WORKSPACE).is_dir():
        safe.insert(0, Path(CONTAINER_WORKSPACE))
    mark_safe_directories(safe, env)
    env.update(inputs.environ())

    real_output = env.get("GITHUB_OUTPUT")
    with tempfile.TemporaryDirectory(prefix="gobaseline-action-") as tmp:
        own_output = Path(tmp) / "outputs"
        own_output.touch()
        if real_output:
            env["GITHUB_OUTPUT"] = str(own_output)
        code = runner(inputs.argv(), env)
        if code == EXIT_WARNINGS and not inputs.fail_on:
            # No fail-on input and no fail_on in the policy: the action's default is "error", so warnings pass.
            code = 0
        written = parse_outputs(own_output.read_text(encoding="utf-8"))
    if real_output:
        values = complete_outputs(written, inputs.output_dir, code)
        container_ws = Path(CONTAINER_WORKSPACE)
        for name in PATH_OUTPUTS:
            values[name] = relative_to_workspace(values[name], workspace, container_ws)
        from gobaseline.forges.github.commands import append_outputs

        append_outputs(Path(real_output), values)
    hand_back(workspace, started)
    return code


def command(argv: Sequence[str], environ: Mapping[str, str], runner: Runner = run_gobaseline) -> int:
    """`gobaseline ARGV` in a writable environment, the working directory marked safe for git."""
    env = dict(environ)
    fix_environment(env)
    mark_safe_directories([Path.cwd().resolve()], env)
    return runner(argv, env)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """No arguments: the GitHub action. Arguments: a gobaseline command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if environ is None else environ
    if args:
        return command(args, env)
    return action(env)


if __name__ == "__main__":
    sys.exit(main())
