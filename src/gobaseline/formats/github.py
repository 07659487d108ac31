"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` per finding, then plain lines and a
verdict.

The UI shows only ten errors and ten warnings per step, so every finding is also printed as a plain
`path:line:col: message` line (in a collapsed group), and the verdict line follows.

Escaping is the runner's, in `gobaseline.forges.github.commands`.
"""

from __future__ import annotations

from gobaseline.forges.github.commands import command
from gobaseline.formats.options import RenderOptions
from gobaseline.formats.text import finding_line, plural, verdict_line
from gobaseline.model import Finding, Report, Severity
from gobaseline.rules import catalogue

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
"""Workflow command per severity."""


def annotation(finding: Finding, options: RenderOptions) -> str:
    """The workflow command for one finding."""
    loc = options.place_in_file(finding)
    rule = catalogue().get(finding.rule_id)
    title = f"{finding.rule_id} {rule.title}" if rule is not None else finding.rule_id
    # The runner trims the property list as a whole: the file (repository text) goes first, then the title
    # (catalogue text, stripped) and the numbers, so no value the runner would trim ends the list.
    props = {"file": loc.path, "title": title.strip()}
    if loc.line is not None:
        props["line"] = str(loc.line)
        multi_line = loc.end_line is not None and loc.end_line != loc.line
        if loc.end_line is not None:
            props["endLine"] = str(loc.end_line)
        # Columns only make sense on a single line (the check-runs API refuses them otherwise).
        if loc.column is not None and not multi_line:
            props["col"] = str(loc.column)
            if loc.end_column is not None:
                props["endColumn"] = str(loc.end_column)
    message = f"{finding.target}: {finding.message}" if finding.target else finding.message
    return command(COMMANDS[finding.severity], message, props)


def render(report: Report, options: RenderOptions) -> str:
    """Annotations, the findings as plain lines in a group, and the verdict line."""
    lines = [annotation(f, options) for f in report.findings]
    if report.findings:
        lines.append(command("group", f"gobaseline: {plural(len(report.findings), 'finding')}"))
        lines += [finding_line(f, options) for f in report.findings]
        lines.append(command("endgroup", ""))
    lines.append(verdict_line(report))
    return "\n".join(lines) + "\n"
