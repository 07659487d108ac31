"""The action's step outputs, from the run's Outcome: written once, with paths relative to the workspace."""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from gobaseline.action.environment import CONTAINER_WORKSPACE
from gobaseline.action.inputs import inside

if TYPE_CHECKING:
    from gobaseline.commands.run import Outcome

OUTPUTS = ("verdict", "errors", "warnings", "report", "sarif", "sarif-id", "manifest")
"""The outputs of action.yml."""
PATH_OUTPUTS = ("report", "sarif", "manifest")


def relative_to_workspace(value: str, workspace: PurePath, container_workspace: PurePath | None = None) -> str:
    """A path output as later steps can use it: relative to the workspace when it is inside it, with forward
    slashes on every OS (a Windows runner's bash, PowerShell and actions take them alike).

    A Docker action sees the workspace at /github/workspace while the steps after it run on the host, where the
    same directory has another absolute path: a relative path works for both.
    """
    if not value:
        return value
    path = type(workspace)(value)  # the workspace's flavour: a Windows path compares case-insensitively
    for root in (workspace, container_workspace):
        if root is not None and path.is_absolute() and inside(path, root):
            rel = path.relative_to(root).as_posix()
            return rel or "."
    return value


def step_outputs(outcome: Outcome | None, workspace: Path) -> dict[str, str]:
    """Every output of action.yml for `outcome`; without one (the run stopped on an error) the verdict `error`
    and nothing else."""
    if outcome is None:
        return {name: "error" if name == "verdict" else "" for name in OUTPUTS}
    from gobaseline.forges.github.commands import step_outputs as of_run

    written = of_run(outcome.report, outcome.files)
    values = {name: written.get(name, "") for name in OUTPUTS}
    for name in PATH_OUTPUTS:
        values[name] = relative_to_workspace(values[name], workspace, CONTAINER_WORKSPACE)
    values["sarif-id"] = next((p.id for p in outcome.posted if p.kind == "sarif"), "")
    return values
