"""The GitHub actions (the composite host action, action.yml, and the container action, container/action.yml),
and `gobaseline ARGS...` for every other use of the image.

With no arguments it is the action: both run it the same way, `python -m gobaseline.action` on the runner or
the image's entry point. It validates the inputs (`INPUT_<NAME>`; a bad value is one `::error::` line per bad
input and exit 3, like every other user error of gobaseline), makes the environment writable, marks the
workspace as a git `safe.directory`, runs the `command` input in this process (`check`, `build` and `run` are
`gobaseline run` stopping after the checks, the build or the probe; `merge` is `gobaseline merge --publish`),
writes the step outputs (paths relative to the workspace; `verdict=error` on every path that does not end in a
verdict, a bad input included), hands the files it wrote back to the workspace's owner and returns the exit
code: 0 pass, 1 failed per `fail-on` (error when neither the input nor the policy sets it), 3 error. No code is
ever turned into another: an exit code that is not 0 fails the step.

With arguments (`docker run IMAGE check`, pre-commit's `docker_image` hook) it runs the command line after the
same environment fixes: HOME, GOCACHE, GOMODCACHE and GOPATH move under /tmp when the user (an arbitrary
`--user uid:gid`) cannot write them, and the working directory is a git `safe.directory`.

The fixes go into the environment itself (os.environ by default): go and git, started by the run, must see
them. The inputs' publishing options reach `gobaseline.forges.PublishOptions.from_environ` as
GOBASELINE_CHECK_RUN, GOBASELINE_COMMIT_STATUS, GOBASELINE_SARIF_UPLOAD, GOBASELINE_SUMMARY (`true`/`false`),
GOBASELINE_ANNOTATIONS, GOBASELINE_CHECK_NAME, GOBASELINE_STATUS_CONTEXT, GOBASELINE_SARIF_CATEGORY (text) and
GITHUB_TOKEN (`github-token`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import console
from gobaseline.action.environment import CONTAINER_WORKSPACE, fix_environment, hand_back, mark_safe, workspace_of
from gobaseline.action.inputs import Inputs, error_line, parse_inputs
from gobaseline.action.outputs import step_outputs
from gobaseline.commands.output import log
from gobaseline.model import ExitCode

if TYPE_CHECKING:
    from gobaseline.commands.run import Options, Outcome

__all__ = ["action", "command", "main"]

Execute = Callable[["Options"], "Outcome"]
"""`gobaseline.commands.run.execute`, or a stand-in for tests."""


def action(environ: MutableMapping[str, str], execute: Execute | None = None) -> int:
    """The GitHub action; `environ` is changed in place (see the module's docstring)."""
    from gobaseline.cli import guarded
    from gobaseline.commands import run

    started = time.time() - 1
    workspace = workspace_of(environ)
    step_output = environ.get("GITHUB_OUTPUT")
    inputs, errors = parse_inputs(environ, workspace)
    if inputs is None:
        console.commands("".join(error_line(error) + "\n" for error in errors), sys.stdout)
        _write_outputs(step_output, None, workspace)
        return ExitCode.INTERNAL
    for note in fix_environment(environ):
        log(f"gobaseline: {note} (the original was not writable)")
    safe = [workspace, inputs.working_directory]
    if CONTAINER_WORKSPACE.is_dir():
        safe.insert(0, CONTAINER_WORKSPACE)
    mark_safe(safe, environ)
    environ.update(inputs.environ())

    # The run's publisher would write the outputs with absolute paths: the action writes them, once, itself.
    run_environ = {k: v for k, v in environ.items() if k != "GITHUB_OUTPUT"}
    outcomes: list[Outcome] = []

    def call() -> int:
        if inputs.command == "merge":
            outcomes.append(_merge(inputs, run_environ))
        else:
            outcomes.append((execute or run.execute)(inputs.options(run_environ)))
        return outcomes[-1].code

    code = guarded(call)
    _write_outputs(step_output, outcomes[-1] if outcomes else None, workspace)
    hand_back(workspace, started)
    return code


def _write_outputs(step_output: str | None, outcome: Outcome | None, workspace: Path) -> None:
    if step_output:
        from gobaseline.forges.github.commands import append_outputs

        append_outputs(Path(step_output), step_outputs(outcome, workspace))


def _merge(inputs: Inputs, environ: Mapping[str, str]) -> Outcome:
    """`gobaseline merge REPORTS -o OUTPUT-DIR/report.json --publish`, as an Outcome."""
    from gobaseline.commands import merge
    from gobaseline.commands.output import exit_code
    from gobaseline.commands.run import Outcome
    from gobaseline.formats import default_filename
    from gobaseline.formats.json_report import load

    out = inputs.output_dir or inputs.workspace / "gobaseline-out" / "merged"
    target = out / default_filename("json")
    fail_on = inputs.fail_on or "error"  # the merge job reads no policy
    merge.run(merge.Options(inputs.reports, target, publish=True, fail_on=fail_on), environ=environ)
    report = load(target)
    files = {fmt: out / default_filename(fmt) for fmt in ("json", "sarif")}
    return Outcome(exit_code(report.verdict, fail_on), report, files)


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
