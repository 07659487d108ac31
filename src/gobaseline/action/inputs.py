"""The action's inputs: read from `INPUT_<NAME>`, validated, turned into `gobaseline run`'s options.

GitHub upper-cases an input's name and keeps its hyphens (`INPUT_WORKING-DIRECTORY`). It enforces neither
`required` nor choices, so every value is checked here and every bad one is reported, not just the first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from gobaseline.commands import run

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
"""Boolean inputs and the environment variable each becomes for `gobaseline.forges.PublishOptions`."""

FAIL_ON = ("error", "warning", "never")
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

    def options(self, environ: Mapping[str, str]) -> run.Options:
        """`gobaseline run`'s options for these inputs, run in `environ`."""
        from gobaseline.commands import run

        return run.Options(
            self.working_directory,
            policy=self.policy,
            targets=self.targets or None,
            packages=self.packages or None,
            report_dir=self.output_dir,
            fail_on=self.fail_on or None,
            environ=environ,
        )

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


def inside(path: Path, root: Path) -> bool:
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


def error_line(error: InputError) -> str:
    """The one `::error::` line for a bad input, escaped like every workflow command gobaseline prints."""
    from gobaseline.forges.github.commands import command

    return command("error", error.message, {"title": f"gobaseline: invalid input {error.name}"})
