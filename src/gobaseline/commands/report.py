"""`gobaseline report REPORT.json --format F`: re-render a saved report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gobaseline.commands.output import emit
from gobaseline.model import ExitCode


@dataclass(frozen=True)
class Options:
    """`gobaseline report` parameters."""

    report: Path
    formats: tuple[str, ...] = ("text",)
    report_dir: Path | None = None


def run(options: Options) -> ExitCode:
    """Print or write the saved report in each format; the exit code of its verdict."""
    from gobaseline.formats.json_report import load

    report = load(options.report)
    emit(report, options.formats, options.report_dir)
    return report.verdict.exit_code
