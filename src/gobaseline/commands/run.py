"""`gobaseline run`: the whole pipeline; every report file is written before anything is posted, so a failing
forge API never loses a result."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import pipeline
from gobaseline.commands import check
from gobaseline.commands.output import (
    REPORT_FORMATS,
    exit_code,
    fail_on_in_force,
    log_written,
    print_format,
    render_options,
    write_reports,
)
from gobaseline.model import ExitCode, Report

if TYPE_CHECKING:
    from gobaseline.forges.publishing import Posted


@dataclass(frozen=True)
class Options(check.Options):
    """`gobaseline run` parameters: those of `check`, building by default; `formats` are written beside
    REPORT_FORMATS, `report_dir` defaults to `<output dir>/reports`."""

    build: bool = True
    probe: bool = True
    """Start the built services (with `build`)."""
    publish: bool = True
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class Outcome:
    """The exit code, the final Report (with publishing findings) and every file written (formats, manifest)."""

    code: ExitCode
    report: Report
    files: Mapping[str, Path]
    posted: tuple[Posted, ...] = ()
    """What reached the forge (the check run, the status, the SARIF upload with its id)."""


def execute(options: Options) -> Outcome:
    """Run, write the report files, publish, print the text report; the action reads the Outcome directly."""
    from gobaseline.forges import detect

    environ = options.environ
    probe = options.build and options.probe
    result = pipeline.run(options.pipeline_options(in_force=True, probe=probe, environ=environ))
    ctx, report = result.context, result.report
    report_dir = options.report_dir or (ctx.output_dir / "reports")
    formats = tuple(dict.fromkeys((*REPORT_FORMATS, *options.formats)))
    fail_on = fail_on_in_force(options.fail_on, result.policy.fail_on)
    files = write_reports(report, formats, report_dir, render_options(report, ctx, environ, fail_on=fail_on))
    ci = detect(environ)
    posted: tuple[Posted, ...] = ()
    annotations = "workflow-commands"
    if options.publish and ci.forge != "none":
        from gobaseline.forges import PublishOptions, publish

        publish_options = PublishOptions.from_environ(environ, fail_on=fail_on or "error")
        annotations = publish_options.annotations
        published = publish(report, {**files, **result.files}, environ, options=publish_options, stream=sys.stderr)
        posted = published.posted
        if published.findings:
            report = replace(report, findings=report.findings + tuple(published.findings))
            files = write_reports(report, formats, report_dir, render_options(report, ctx, environ, fail_on=fail_on))
    from gobaseline.formats import render

    opts = render_options(report, ctx, environ, fail_on=fail_on)
    print_format("text", render("text", report, options=opts))
    if ci.forge == "github":
        from gobaseline.forges.github.publisher import annotate_in_log

        if annotate_in_log(annotations, posted):
            print_format("github", render("github", report, options=opts))
    log_written(files)
    return Outcome(exit_code(report.verdict, fail_on), report, {**files, **result.files}, posted)


def run(options: Options) -> ExitCode:
    """`gobaseline run`; returns the exit code."""
    return execute(options).code
