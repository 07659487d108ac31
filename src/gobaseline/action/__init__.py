"""The container image's entry point: the GitHub Docker action, and `gobaseline ARGS...` for every other use.

With no arguments it is the action (action.yml): it validates the inputs (`INPUT_<NAME>`; a bad value is one
`::error::` line per bad input and exit 3, like every other user error of gobaseline), makes the environment
writable, marks the workspace as a git `safe.directory`, runs `gobaseline run` in this process, writes the step
outputs from the run's Outcome (paths relative to the workspace), hands the files it wrote back to the
workspace's owner and returns the run's exit code: 0 pass, 1 failed per `fail-on`, 3 error. Without `fail-on`
in the inputs or the policy, warnings pass (the action's default is `error`).

With arguments (`docker run IMAGE check`, pre-commit's `docker_image` hook) it runs the command line after the
same environment fixes: HOME, GOCACHE, GOMODCACHE and GOPATH move under /tmp when the user (an arbitrary
`--user uid:gid`) cannot write them, and the working directory is a git `safe.directory`.

The fixes go into the environment itself (os.environ by default): go and git, started by the run, must see
them. The inputs' publishing options reach `gobaseline.forges.PublishOptions.from_environ` as
GOBASELINE_CHECK_RUN, GOBASELINE_COMMIT_STATUS, GOBASELINE_SARIF_UPLOAD, GOBASELINE_ANNOTATIONS,
GOBASELINE_SUMMARY (`true`/`false`), GOBASELINE_SARIF_CATEGORY (text) and GITHUB_TOKEN (`github-token`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import console
from gobaseline.action.environment import CONTAINER_WORKSPACE, fix_environment, hand_back, mark_safe, workspace_of
from gobaseline.action.inputs import error_line, parse_inputs
from gobaseline.action.outputs import step_outputs
from gobaseline.commands.output import log
from gobaseline.model import ExitCode

if TYPE_CHECKING:
    from gobaseline.commands.run import Options, Outcome

__all__ = ["action", "command", "main"]

Execute = Callable[["Options"], "Outcome"]
"""`gobaseline.commands.run.execute`, or a stand-in for tests."""


def action(environ: MutableMapping[str, str], execute: Execute | None = None) -> int:
    """The GitHub Docker action; `environ` is changed in place (see the module's docstring)."""
    from gobaseline.cli import guarded
    from gobaseline.commands import run

    started = time.time() - 1
    workspace = workspace_of(environ)
    inputs, errors = parse_inputs(environ, workspace)
    if inputs is None:
        console.commands("".join(error_line(error) + "\n" for error in errors), sys.stdout)
        return ExitCode.INTERNAL
    for note in fix_environment(environ):
        log(f"gobaseline: {note} (the original was not writable)")
    safe = [workspace, inputs.working_directory]
    if CONTAINER_WORKSPACE.is_dir():
        safe.insert(0, CONTAINER_WORKSPACE)
    mark_safe(safe, environ)
    environ.update(inputs.environ())

    # The run's publisher would write the outputs with absolute paths: the action writes them, once, itself.
    step_output = environ.get("GITHUB_OUTPUT")
    run_environ = {k: v for k, v in environ.items() if k != "GITHUB_OUTPUT"}
    outcomes: list[Outcome] = []

    def call() -> int:
        outcomes.append((execute or run.execute)(inputs.options(run_environ)))
        return outcomes[-1].code

    code = guarded(call)
    outcome = outcomes[-1] if outcomes else None
    if outcome is not None and code == ExitCode.WARNINGS:
        code = ExitCode.PASS  # no fail_on in the inputs or the policy: warnings pass the action's default, error
    if step_output:
        from gobaseline.forges.github.commands import append_outputs

        append_outputs(Path(step_output), step_outputs(outcome, workspace))
    hand_back(workspace, started)
    return code


def command(
    argv: Sequence[str], environ: MutableMapping[str, str], cli: Callable[[Sequence[str]], int] | None = None
) -> int:
    """`gobaseline ARGV` in a writable environment, the working directory marked safe for git."""
    from gobaseline import cli as cli_module

    fix_environment(environ)
    mark_safe([Path.cwd().resolve()], environ)
    try:
        return (cli or cli_module.main)(list(argv))
    except SystemExit as e:
        # argparse exits 0 after --help or --version and 2 on a usage error, which is bad input here: 3.
        return ExitCode.PASS if e.code in (None, 0) else ExitCode.INTERNAL


def main(argv: Sequence[str] | None = None, environ: MutableMapping[str, str] | None = None) -> int:
    """No arguments: the GitHub action. Arguments: a gobaseline command line. `environ` defaults to os.environ,
    the only environment the command-line verbs read."""
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if environ is None else environ
    if args:
        return command(args, env)
    return action(env)
