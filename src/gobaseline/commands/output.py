"""Writing and printing reports, and the exit code of a verdict: what every command shares."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import console, safefs
from gobaseline.formats.logline import log_path
from gobaseline.model import ExitCode, Report, Verdict

if TYPE_CHECKING:
    from gobaseline.formats import RenderOptions
    from gobaseline.stages import Context

REPORT_FORMATS = ("json", "sarif", "codequality", "junit", "checkstyle", "summary", "text")
"""What `gobaseline run` always writes."""


DOCUMENTS: Mapping[str, console.Syntax] = {
    "json": "json",
    "sarif": "json",
    "codequality": "json",
    "junit": "xml",
    "checkstyle": "xml",
    "summary": "markdown",
}
"""The formats that are documents rather than log lines, by the syntax `console.document` escapes in."""


def log(message: str) -> None:
    """One progress or notice line on stderr."""
    console.say(message)


def print_format(fmt: str, text: str) -> None:
    """Print one rendered format on stdout through the console: the text report as lines, the `github` format
    with its commands, the documents in their own syntax."""
    if fmt == "github":
        console.commands(text)
    elif fmt in DOCUMENTS:
        console.document(text, DOCUMENTS[fmt])
    else:
        console.show(text)


def log_written(files: Mapping[str, Path]) -> None:
    """`gobaseline: wrote FORMAT report to PATH`, one line each whatever the path holds."""
    for fmt, path in files.items():
        log(f"gobaseline: wrote {fmt} report to {log_path(str(path))}")


def render_options(
    report: Report,
    ctx: Context | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    fail_on: str | None = None,
) -> RenderOptions:
    """Options for every format: repository files readable for SARIF line hashes, findings about the machine
    placed on the module's go.mod (go.work in a workspace), the code-scanning category from
    GOBASELINE_SARIF_CATEGORY, and the summary's links to files on the forge the job runs on."""
    from gobaseline.forges import detect
    from gobaseline.formats import RenderOptions
    from gobaseline.formats.options import files_under, heads_under, sources_under

    env = os.environ if environ is None else environ
    root = Path(report.root)
    local = root.is_absolute() and root.is_dir()
    fallback = ctx.rel(ctx.workspace or ctx.gomod_path) if ctx is not None else "go.mod"  # go.work in a workspace
    return RenderOptions(
        sarif_category=env.get("GOBASELINE_SARIF_CATEGORY") or "gobaseline",
        fallback_path=fallback if not Path(fallback).is_absolute() else "go.mod",
        source_reader=sources_under(root) if local else None,
        source_head=heads_under(root) if local else None,
        source_is_file=files_under(root) if local else None,
        blob_url=detect(env).blob_url,
        fail_on=fail_on or "error",
    )


def write_reports(
    report: Report, formats: Sequence[str], directory: Path, options: RenderOptions | None = None
) -> dict[str, Path]:
    """Render and write each format to `directory`; returns format -> path. Never skips a format silently."""
    from gobaseline.formats import default_filename, render

    opts = options or render_options(report)
    safefs.ensure_dir(directory)
    written: dict[str, Path] = {}
    for fmt in formats:
        path = directory / default_filename(fmt)
        # Atomic and never through a link planted at the name (see safefs).
        safefs.write_text(path, render(fmt, report, options=opts))
        written[fmt] = path
    return written


def emit(
    report: Report,
    formats: Sequence[str],
    report_dir: Path | None,
    ctx: Context | None = None,
    *,
    fail_on: str | None = None,
) -> dict[str, Path]:
    """Print text to stdout; write each format to a file in `report_dir` when given, else print it."""
    from gobaseline.formats import render

    opts = render_options(report, ctx, fail_on=fail_on)
    written: dict[str, Path] = {}
    if report_dir is not None:
        written = write_reports(report, formats, report_dir, opts)
        print_format("text", render("text", report, options=opts))
        log_written(written)
    else:
        for fmt in formats:
            print_format(fmt, render(fmt, report, options=opts))
    return written


def fail_on_in_force(given: str | None, policy: str | None) -> str | None:
    """The fail-on a run obeys: `given` when it names one; `policy` (what CI jobs pass, so that they never see exit
    2) the policy's fail_on, else error; nothing given the policy's, else None (0/1/2 by the verdict)."""
    if given == "policy":
        return policy or "error"
    return given or policy


def exit_code(verdict: Verdict, fail_on: str | None) -> ExitCode:
    """0/1/2 by the verdict; with `fail_on`, 1 when the run should fail and 0 otherwise."""
    if fail_on is None:
        return verdict.exit_code
    return ExitCode.ERRORS if verdict.fails(fail_on) else ExitCode.PASS
