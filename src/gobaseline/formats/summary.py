"""Markdown for `GITHUB_STEP_SUMMARY` and merge request notes: the reason for red in its first lines.

Verdict and counts first; then the blocking findings (errors) in one table, grouped by rule; then warnings and
notes, each folded under `<details>`; then the checks per stage (folded) and the artifacts. A finding reported
for several targets (same rule, place, severity and message) is one row naming them all. A row's place links to
`file#Lline` on the forge when `RenderOptions.blob_url` is given (the forge's link base, from `gobaseline.forges`)
and the place has a line. Repository text is escaped for Markdown and HTML (`|`, `<`, `&`, backticks, emphasis
and link characters, `@` mentions, newlines). The document stays under `summary_limit_bytes` (UTF-8): when
findings do not fit, the rows that do are shown (errors first), followed by "N more findings not shown".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from gobaseline.formats.logline import CONTROLS, LINE_BREAKS
from gobaseline.formats.options import RenderOptions
from gobaseline.formats.text import counts, plural
from gobaseline.model import Artifact, CheckStatus, Finding, Location, Report, Severity, Stage, Verdict
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


@dataclass(frozen=True)
class Row:
    """One row of a findings table: a finding, and every target it was reported for."""

    finding: Finding
    targets: tuple[str, ...]


def rows(findings: Iterable[Finding]) -> list[Row]:
    """One row per finding across targets, worst first, grouped by rule (catalogue order), else report order."""
    merged: dict[tuple[str, Severity, Location | None, str], list[Finding]] = {}
    for f in findings:
        merged.setdefault((f.rule_id, f.severity, f.location, f.message), []).append(f)
    out = [Row(group[0], tuple(sorted({f.target for f in group if f.target}))) for group in merged.values()]
    return sorted(out, key=lambda r: (-r.finding.severity.rank, r.finding.rule_id))


def _place(finding: Finding, options: RenderOptions) -> str:
    loc = finding.location
    if loc is None:
        return f"_{cell(options.fallback_path)}_"
    text = cell(str(loc))
    if not options.blob_url or loc.line is None or loc.path.startswith("/") or ".." in loc.path.split("/"):
        return text
    return f"[{text}]({options.blob_url}{quote(loc.path, safe='/')}#L{loc.line})"


_HEADER = ["| severity | rule | location | targets | message |", "|---|---|---|---|---|"]


def _row(row: Row, options: RenderOptions) -> str:
    finding = row.finding
    rule = catalogue().get(finding.rule_id)
    rule_cell = f"[{finding.rule_id}]({rule.help_uri}) {rule.name}" if rule is not None else cell(finding.rule_id)
    targets = ", ".join(cell(t) for t in row.targets)
    return (
        f"| {SEVERITY_BADGES[finding.severity]} | {rule_cell} | {_place(finding, options)} | {targets} "
        f"| {cell(finding.message)} |"
    )


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


def _checks(report: Report) -> list[str]:
    ran = [stage for stage in Stage if any(c.stage is stage for c in report.checks)]
    if not ran:
        return []
    lines = [f"<details><summary>{plural(len(report.checks), 'check')} by stage</summary>", ""]
    lines += ["| stage | checks |", "|---|---|"]
    lines += [f"| {stage.value} | {_check_counts(report, stage)} |" for stage in ran]
    return [*lines, "", "</details>", ""]


_FOLDED = {Severity.WARNING: "🟡 {}", Severity.NOTE: "🔵 {}"}


def _headline(report: Report, fail_on: str) -> str:
    if fail_on == "warning" and report.verdict is Verdict.WARN:
        return "❌ gobaseline: fail (warnings fail this run: fail-on warning)"
    if fail_on == "never" and report.verdict is not Verdict.PASS:
        return f"{HEADLINES[report.verdict]} (fail-on never: the run passes)"
    return HEADLINES[report.verdict]


def _section(severity: Severity, count: int, fail_on: str) -> tuple[list[str], list[str]]:
    """The lines before and after the table of one severity's rows: blocking ones open, the rest folded."""
    if severity.blocks(fail_on):
        badge = "🔴" if severity is Severity.ERROR else "🟡"
        return [f"### {badge} Blocking: {plural(count, severity.value)}", ""], [""]
    if severity is Severity.ERROR:  # fail-on never: still the first thing to read
        return [f"### 🔴 {plural(count, 'error')} (not blocking: fail-on never)", ""], [""]
    title = _FOLDED[severity].format(plural(count, severity.value))
    return [f"<details><summary>{title}</summary>", ""], ["", "</details>", ""]


def _findings(table_rows: Sequence[Row], options: RenderOptions, budget: int) -> tuple[list[str], int]:
    """The findings sections within `budget` bytes, and how many findings they show."""
    body: list[str] = []
    shown = 0
    for severity in Severity:
        group = [r for r in table_rows if r.finding.severity is severity]
        if not group:
            continue
        before, after = _section(severity, len(group), options.fail_on)
        cost = _size("\n".join(before + _HEADER + after)) + 2
        lines: list[str] = []
        for row in group:
            line = _row(row, options)
            if cost + _size(line) + 1 > budget:
                break
            lines.append(line)
            cost += _size(line) + 1
        if not lines:
            break
        body += [*before, *_HEADER, *lines, *after]
        budget -= cost
        shown += len(lines)
        if len(lines) < len(group):
            break
    return body, shown


def render(report: Report, options: RenderOptions) -> str:
    """The Markdown summary, cut to `options.summary_limit_bytes`."""
    head = [f"## {_headline(report, options.fail_on)}", ""]
    facts = [f"**{counts(report)}**", plural(len(report.checks), "check")]
    if report.targets:
        facts.append(plural(len(report.targets), "target") + ": " + ", ".join(cell(t) for t in report.targets))
    head += [" · ".join(facts), ""]
    tail = _checks(report) + (_artifacts(report.artifacts) if report.artifacts else [])

    table_rows = rows(report.findings)
    budget = options.summary_limit_bytes - _RESERVE - _size("\n".join(head + tail))
    body, shown = _findings(table_rows, options, budget)
    hidden = len(table_rows) - shown
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
