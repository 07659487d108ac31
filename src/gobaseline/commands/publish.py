"""`gobaseline publish REPORT.json`: post a saved report (the fork-PR `workflow_run` pattern)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gobaseline.commands.output import REPORT_FORMATS, render_options, write_reports
from gobaseline.model import ExitCode


@dataclass(frozen=True)
class Options:
    """`gobaseline publish` parameters."""

    report: Path
    report_dir: Path | None = None
    """Where the report files go (default: beside the report)."""
    fail_on: str | None = None
    """error | warning | never: which findings fail the check run, the status and the exit code (1, else 0).
    None posts as error does and exits 0/1/2 by the verdict. The publisher has no checkout, so no policy."""


def run(options: Options, environ: Mapping[str, str] | None = None) -> ExitCode:
    """Write every format beside the report, post them (as the job `environ`, os.environ by default); the exit
    code of the report's verdict under `fail_on`."""
    from gobaseline.commands.output import exit_code
    from gobaseline.forges import PublishOptions, publish
    from gobaseline.formats.json_report import load

    report = load(options.report)
    report_dir = options.report_dir or options.report.parent
    env = os.environ if environ is None else environ
    publish_options = PublishOptions.from_environ(env, fail_on=options.fail_on or "error")
    files = write_reports(report, REPORT_FORMATS, report_dir, render_options(report, fail_on=publish_options.fail_on))
    publish(report, files, env, options=publish_options, stream=sys.stderr)
    return exit_code(report.verdict, options.fail_on)
