"""Output formats: pure functions `Report -> str`, one module per format, chosen through `Format`.

`render(fmt, report)` dispatches through a `match` that mypy proves exhaustive; renderer modules are imported
when used so `gobaseline --help` does not pay for sarif-om or junitparser. The CLI and the pipeline do all
file I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import assert_never

from gobaseline.formats.options import RenderOptions, SourceReader, sources_under
from gobaseline.model import Report

__all__ = [
    "FORMAT_NAMES",
    "Format",
    "RenderOptions",
    "Renderer",
    "SourceReader",
    "default_filename",
    "render",
    "renderer",
    "sources_under",
]


class Format(StrEnum):
    """Every output format, by the name used on the command line."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    SUMMARY = "summary"
    CODEQUALITY = "codequality"
    JUNIT = "junit"
    CHECKSTYLE = "checkstyle"


FORMAT_NAMES: tuple[str, ...] = tuple(f.value for f in Format)

Renderer = Callable[[Report, RenderOptions], str]


def renderer(fmt: str | Format) -> Renderer:
    """The render function of a format; ValueError for an unknown name."""
    fmt = Format(fmt)
    match fmt:
        case Format.TEXT:
            from gobaseline.formats import text

            return text.render
        case Format.JSON:
            from gobaseline.formats import json_report

            return json_report.render
        case Format.SARIF:
            from gobaseline.formats import sarif

            return sarif.render
        case Format.GITHUB:
            from gobaseline.formats import github

            return github.render
        case Format.SUMMARY:
            from gobaseline.formats import summary

            return summary.render
        case Format.CODEQUALITY:
            from gobaseline.formats import codequality

            return codequality.render
        case Format.JUNIT:
            from gobaseline.formats import junit

            return junit.render
        case Format.CHECKSTYLE:
            from gobaseline.formats import checkstyle

            return checkstyle.render
        case _:
            assert_never(fmt)


def render(fmt: str | Format, report: Report, *, options: RenderOptions | None = None) -> str:
    """The report in one format, as text (UTF-8 when written; JSON formats are ASCII)."""
    return renderer(fmt)(report, options if options is not None else RenderOptions())


def default_filename(fmt: str | Format) -> str:
    """The file name of a format under `--output-dir` (the names GitHub and GitLab examples use)."""
    fmt = Format(fmt)
    match fmt:
        case Format.TEXT:
            return "report.txt"
        case Format.JSON:
            return "report.json"
        case Format.SARIF:
            return "gobaseline.sarif"
        case Format.GITHUB:
            return "annotations.txt"
        case Format.SUMMARY:
            return "summary.md"
        case Format.CODEQUALITY:
            return "gl-code-quality-report.json"
        case Format.JUNIT:
            return "junit.xml"
        case Format.CHECKSTYLE:
            return "checkstyle.xml"
        case _:
            assert_never(fmt)
