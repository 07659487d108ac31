"""The action's inputs: read from `INPUT_<NAME>`, validated, turned into `gobaseline run`'s options.

GitHub upper-cases an input's name and keeps its hyphens (`INPUT_WORKING-DIRECTORY`). It enforces neither
`required` nor choices, so every value is checked here and every bad one is reported, not just the first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, TypeVar

from gobaseline.forges.publishing import ANNOTATION_MODES

if TYPE_CHECKING:
    from gobaseline.commands import run

INPUTS: dict[str, str] = {
    "command": "run",
    "working-directory": ".",
    "policy": "",
    "targets": "",
    "packages": "",
    "output-dir": "",
    "fail-on": "",
    "baseline": "",
    "new-only": "false",
    "github-token": "",
    "check-run": "true",
    "commit-status": "true",
    "sarif-upload": "true",
    "sarif-category": "",
    "check-name": "",
    "annotations": "auto",
    "summary": "true",
    "reports": "",
    "cache": "true",
    "go-version": "",
    "go-version-file": "",
}
"""Every input of action.yml and container/action.yml and the value used when its variable is missing (the
defaults of action.yml, except `github-token`, whose default `${{ github.token }}` GitHub fills in). `cache`,
`go-version` and `go-version-file` are used by the composite's own steps before this runs; they are checked
here all the same, so a typo in any input fails the step."""

BOOLEAN_INPUTS: dict[str, str] = {
    "check-run": "GOBASELINE_CHECK_RUN",
    "commit-status": "GOBASELINE_COMMIT_STATUS",
    "sarif-upload": "GOBASELINE_SARIF_UPLOAD",
    "summary": "GOBASELINE_SUMMARY",
}
"""Boolean inputs and the environment variable each becomes for `gobaseline.forges.PublishOptions`."""

COMMANDS = ("check", "build", "run", "merge")
"""`check`: the admission checks and the go.mod policy; `build`: and the hardened build, verified; `run`: and the
probe; `merge`: merge the JSON reports of a sharded matrix (`reports`) and post the merged verdict."""
FAIL_ON = ("error", "warning", "never")
NAME = "gobaseline"
"""The check run's name and the root of the commit status context when `check-name` is empty."""
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_TARGET = re.compile(r"^[a-z0-9]+/[a-z0-9]+$")
_PACKAGE = re.compile(r"^[^\s,]+$")
_GO_VERSION = re.compile(r"^[A-Za-z0-9.^~<>=*|+ -]{1,64}$")
"""What actions/setup-go takes: 1.27.3, 1.27.x, ^1.26, >=1.26 <1.28, stable, oldstable."""
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
    command: str
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
    check_name: str = ""
    annotations: str = "auto"
    reports: tuple[Path, ...] = ()
    """`merge`: the shards' JSON reports."""
    baseline: Path | None = None
    new_only: bool = False

    def options(self, environ: Mapping[str, str]) -> run.Options:
        """`gobaseline run`'s options for these inputs, run in `environ`. Without a `fail-on` input the action
        asks for `policy` (the policy's fail_on, else error): its exit code is 0 or 1, never 2."""
        from gobaseline.commands import run

        return run.Options(
            self.working_directory,
            policy=self.policy,
            targets=self.targets or None,
            packages=self.packages or None,
            report_dir=self.output_dir,
            fail_on=self.fail_on or "policy",
            baseline=self.baseline,
            new_only=self.new_only,
            build=self.command != "check",
            probe=self.command == "run",
            environ=environ,
        )

    def names(self) -> tuple[str, str, str]:
        """The check run's name, the commit status context and the SARIF category. A shard (`targets` given)
        gets its own of each, so shards of one matrix never overwrite each other: `gobaseline (linux/amd64)`,
        `gobaseline/verdict (linux/amd64)`, `gobaseline/linux/amd64`. `check-name` and `sarif-category`
        replace the defaults; the status context is the check run's name with `/verdict`, so the check run
        and the status never show under one name."""
        shard = ", ".join(self.targets)
        suffix = f" ({shard})" if shard and not self.check_name else ""
        base = self.check_name or NAME
        category = self.sarif_category or (f"{NAME}/{','.join(self.targets)}" if self.targets else "")
        return base + suffix, f"{base}/verdict{suffix}", category

    def environ(self) -> dict[str, str]:
        """The environment variables the inputs become (publishing options, names, the token)."""
        env = {BOOLEAN_INPUTS[name]: "true" if value else "false" for name, value in self.publish.items()}
        check_name, status_context, category = self.names()
        env["GOBASELINE_CHECK_NAME"] = check_name
        env["GOBASELINE_STATUS_CONTEXT"] = status_context
        env["GOBASELINE_SARIF_CATEGORY"] = category
        env["GOBASELINE_ANNOTATIONS"] = self.annotations
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


def inside(path: PurePath, root: PurePath) -> bool:
    """True when `path` is `root` or below it (both resolved)."""
    return path == root or root in path.parents


def _within_workspace(name: str, value: str, workspace: Path) -> Path:
    if "\x00" in value:
        raise InputError(name, f"input '{name}' contains a NUL character")
    path = (workspace / value).resolve()
    if not inside(path, workspace):
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

    def baseline() -> Path | None:
        if not raw["baseline"]:
            return None
        path = _within_workspace("baseline", raw["baseline"], workspace)
        if path.is_dir():
            raise InputError("baseline", f"input 'baseline' is '{raw['baseline']}', which is a directory")
        return path

    def fail_on() -> str:
        value = raw["fail-on"].lower()
        if value and value not in FAIL_ON:
            raise InputError("fail-on", f"input 'fail-on' is '{raw['fail-on']}'; expected one of {', '.join(FAIL_ON)}")
        return value

    def one_line(name: str) -> str:
        value = raw[name]
        if "\n" in value or "\r" in value or len(value) > 255:
            raise InputError(name, f"input '{name}' must be one line of at most 255 characters")
        return value

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = raw[name].lower()
        if value not in allowed:
            raise InputError(name, f"input '{name}' is '{raw[name]}'; expected one of {', '.join(allowed)}")
        return value

    def go_version() -> None:
        version, file = raw["go-version"], raw["go-version-file"]
        if version and not _GO_VERSION.match(version):
            raise InputError("go-version", f"input 'go-version' is '{version}', which is not a Go version or range")
        if version and file:
            raise InputError("go-version-file", "give input 'go-version' or 'go-version-file', not both")
        if file and not _within_workspace("go-version-file", file, workspace).is_file():
            raise InputError("go-version-file", f"input 'go-version-file' is '{file}', which is not a file")

    def reports() -> tuple[Path, ...]:
        if command != "merge":
            if raw["reports"]:
                raise InputError("reports", "input 'reports' is for command 'merge' only")
            return ()
        patterns = [item for item in re.split(r"[\n,]", raw["reports"]) if item.strip()]
        if not patterns:
            raise InputError("reports", "command 'merge' needs input 'reports' (the shards' report.json files)")
        found: list[Path] = []
        for pattern in (item.strip() for item in patterns):
            if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
                raise InputError("reports", f"input 'reports' has '{pattern}', which is not inside the workspace")
            matched = sorted(p for p in workspace.glob(pattern) if p.is_file() and inside(p.resolve(), workspace))
            if not matched:
                raise InputError("reports", f"input 'reports' has '{pattern}', which matches no file")
            found += [p.resolve() for p in matched]
        return tuple(dict.fromkeys(found))

    token_given = any(k in environ for k in ("INPUT_GITHUB-TOKEN", "INPUT_GITHUB_TOKEN"))
    publish = {}
    for name in BOOLEAN_INPUTS:
        publish[name] = check(functools.partial(boolean, name), True)
    check(functools.partial(boolean, "cache"), True)
    check(go_version, None)
    command = check(functools.partial(choice, "command", COMMANDS), "run")
    inputs = Inputs(
        workspace=workspace,
        command=command,
        working_directory=check(working_directory, workspace),
        policy=check(policy, None),
        targets=check(targets, ()),
        packages=check(packages, ()),
        output_dir=check(output_dir, None),
        fail_on=check(fail_on, ""),
        github_token=raw["github-token"] if token_given else None,
        publish=publish,
        sarif_category=check(functools.partial(one_line, "sarif-category"), ""),
        check_name=check(functools.partial(one_line, "check-name"), ""),
        annotations=check(functools.partial(choice, "annotations", ANNOTATION_MODES), "auto"),
        reports=check(reports, ()),
        baseline=check(baseline, None),
        new_only=check(functools.partial(boolean, "new-only"), False),
    )
    return (None, errors) if errors else (inputs, [])


def error_line(error: InputError) -> str:
    """The one `::error::` line for a bad input, escaped like every workflow command gobaseline prints."""
    from gobaseline.forges.github.commands import command

    return command("error", error.message, {"title": f"gobaseline: invalid input {error.name}"})
