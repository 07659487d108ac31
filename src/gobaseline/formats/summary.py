"""Markdown for `GITHUB_STEP_SUMMARY` and merge request notes.

Verdict first, then the counts, then per stage a table of findings (severity, rule, location, message) and the
checks that ran; then the artifacts. Repository text is escaped for Markdown and HTML (`|`, `<`, `&`,
backticks, emphasis and link characters, `@` mentions, newlines). The document stays under
`summary_limit_bytes` (UTF-8): when findings do not fit, the rows that do are shown, followed by "N more
findings not shown".
"""

from __future__ import annotations

from collections.abc import Iterable

from gobaseline.formats.logline import CONTROLS, LINE_BREAKS
from gobaseline.formats.options import RenderOptions
from gobaseline.formats.text import counts, plural
from gobaseline.model import Artifact, CheckStatus, Finding, Report, Severity, Stage, Verdict
from gobaseline.rules import catalogue

HEADLINES = {
    Verdict.PASS: "✅ gobaseline: pass",
    Verdict.WARN: "⚠️ gobaseline: pass with warnings",
    Verdict.FAIL: "❌ gobaseline: fail",
}
SEVERITY_BADGES = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟡 warning", Severity.NOTE: "🔵 note"}
_RESERVE = 512
"""Bytes kept free for the "not shown" note and the document's end."""

_CELL = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "|": "&#124;",
        "`": "&#96;",
        "@": "&#64;",
        "\\": "&#92;",
        "*": "&#42;",
        "_": "&#95;",
        "[": "&#91;",
        "]": "&#93;",
        "~": "&#126;",
        "#": "&#35;",
        "!": "&#33;",
        "$": "&#36;",
        "\n": "<br>",
    }
)
_CONTROLS = {**CONTROLS, **{ord(ch): "\n" for ch in LINE_BREAKS}}
"""Line breaks to LF (a `<br>` later), other control characters to visible backslash escapes."""


def cell(text: str) -> str:
    """Repository text as the content of one Markdown table cell: no markup, no HTML, no mention, one line."""
    return text.replace("\r\n", "\n").translate(_CONTROLS).translate(_CELL)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _finding_row(finding: Finding, options: RenderOptions) -> str:
    rule = catalogue().get(finding.rule_id)
    rule_cell = f"[{finding.rule_id}]({rule.help_uri}) {rule.name}" if rule is not None else cell(finding.rule_id)
    where = cell(str(finding.location)) if finding.location is not None else f"_{cell(options.fallback_path)}_"
    message = cell(finding.message)
    if finding.target:
        message = f"{cell(finding.target)}: {message}"
    return f"| {SEVERITY_BADGES[finding.severity]} | {rule_cell} | {where} | {message} |"


def _stage_of(finding: Finding) -> Stage | None:
    rule = catalogue().get(finding.rule_id)
    return rule.stage if rule is not None else None


def _check_counts(report: Report, stage: Stage) -> str:
    statuses = [c.status for c in report.checks if c.stage is stage]
    parts = [f"{statuses.count(s)} {s.value}" for s in CheckStatus]
    return f"{plural(len(statuses), 'check')}: " + ", ".join(parts)


def _flag(value: bool | None) -> str:
    return "-" if value is None else ("✅" if value else "❌")


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _artifacts(artifacts: Iterable[Artifact]) -> list[str]:
    lines = [
        "### Artifacts",
        "",
        "| target | file | size | sha256 | PIE | stripped | static |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in artifacts:
        lines.append(
            f"| {cell(a.target)} | {cell(a.path)} | {_human_size(a.size)} | {cell(a.sha256)} "
            f"| {_flag(a.pie)} | {_flag(a.stripped)} | {_flag(a.static)} |"
        )
    return [*lines, ""]


def render(report: Report, options: RenderOptions) -> str:
    """The Markdown summary, cut to `options.summary_limit_bytes`."""
    head = [f"## {HEADLINES[report.verdict]}", ""]
    facts = [f"**{counts(report)}**", plural(len(report.checks), "check")]
    if report.targets:
        facts.append(plural(len(report.targets), "target") + ": " + ", ".join(cell(t) for t in report.targets))
    head += [" · ".join(facts), ""]
    tail = _artifacts(report.artifacts) if report.artifacts else []

    stages: dict[Stage | None, list[Finding]] = {}
    for finding in report.findings:
        stages.setdefault(_stage_of(finding), []).append(finding)
    ran = {c.stage for c in report.checks}

    budget = options.summary_limit_bytes - _RESERVE - _size("\n".join(head + tail))
    body: list[str] = []
    shown = 0
    full = False
    for stage in [*Stage, None]:
        findings = stages.get(stage, [])
        if not findings and stage not in ran:
            continue
        section = [f"### {stage.value if stage is not None else 'other'}", ""]
        if stage is not None and stage in ran:
            section += [_check_counts(report, stage), ""]
        rows: list[str] = []
        if findings and not full:
            header = ["| severity | rule | location | message |", "|---|---|---|---|"]
            cost = _size("\n".join(section + header)) + 2
            for finding in findings:
                row = _finding_row(finding, options)
                if cost + _size(row) + 1 > budget:
                    full = True
                    break
                rows.append(row)
                cost += _size(row) + 1
            if rows:
                section += [*header, *rows, ""]
        section_size = _size("\n".join(section)) + 1
        if section_size > budget:
            full = True
            break
        budget -= section_size
        body += section
        shown += len(rows)
    hidden = len(report.findings) - shown
    if hidden:
        body += [
            f"> **{plural(hidden, 'more finding')} not shown** (the summary is limited to "
            f"{options.summary_limit_bytes:,} bytes); the JSON, SARIF and text reports have them all.",
            "",
        ]
    text = "\n".join(head + body + tail).rstrip("\n") + "\n"
    if _size(text) > options.summary_limit_bytes:  # only with absurd artifact lists: cut at a line
        data = text.encode("utf-8")[: options.summary_limit_bytes - _RESERVE]
        text = data.decode("utf-8", errors="ignore").rsplit("\n", 1)[0] + "\n\n> **summary cut at the size limit**\n"
    return text
