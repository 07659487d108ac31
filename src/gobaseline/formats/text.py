"""Plain text for terminals and CI logs: one `path:line:col: GB123 [error] message` line per finding, then a
verdict.

Findings without a location (facts about the machine) name the fallback file without a line. Every line is
safe to print in a GitHub Actions log (see `logline`).
"""

from __future__ import annotations

from gobaseline.formats.logline import log_path, one_line
from gobaseline.formats.options import RenderOptions
from gobaseline.model import Artifact, Finding, Report, Severity


def plural(n: int, word: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def counts(report: Report) -> str:
    """`2 errors, 1 warning, 0 notes`."""
    return ", ".join(plural(report.count(s), s.value) for s in Severity)


def verdict_line(report: Report) -> str:
    """`gobaseline: FAIL — 2 errors, 1 warning, 0 notes (12 checks)`."""
    checks = plural(len(report.checks), "check")
    return f"gobaseline: {report.verdict.value.upper()} — {counts(report)} ({checks})"


def finding_line(finding: Finding, options: RenderOptions) -> str:
    """`path:line:col: GB123 [error] (target) message`, on one line whatever the message holds."""
    loc = finding.location
    where = log_path(str(loc)) if loc is not None else log_path(options.fallback_path)
    target = f" ({one_line(finding.target)})" if finding.target else ""
    return f"{where}: {finding.rule_id} [{finding.severity.value}]{target} {one_line(finding.message)}"


def _flag(name: str, value: bool | None) -> str:
    return "" if value is None else (name if value else f"not-{name}")


def artifact_line(artifact: Artifact) -> str:
    """`artifact linux/amd64 dist/app-linux-amd64 1843200 bytes sha256:… pie stripped static`."""
    flags = [
        _flag("pie", artifact.pie),
        _flag("stripped", artifact.stripped),
        _flag("static", artifact.static),
    ]
    parts = [
        "artifact",
        one_line(artifact.target),
        one_line(artifact.path),
        f"{artifact.size} bytes",
        f"sha256:{one_line(artifact.sha256)}",
        *(f for f in flags if f),
    ]
    return " ".join(parts)


def render(report: Report, options: RenderOptions) -> str:
    """The text report."""
    lines = [finding_line(f, options) for f in report.findings]
    lines += [artifact_line(a) for a in report.artifacts]
    lines.append(verdict_line(report))
    return "\n".join(lines) + "\n"
