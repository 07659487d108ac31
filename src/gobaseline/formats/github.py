"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` per finding, then plain lines and a
verdict.

The UI shows only ten errors and ten warnings per step, so every finding is also printed as a plain
`path:line:col: message` line (in a collapsed group), and the verdict line follows.

Escaping is the runner's (actions/runner `ActionCommand.cs`): in data `%`, CR and LF become `%25`, `%0D`,
`%0A`; in properties also `:` and `,` become `%3A` and `%2C`. Other line breaks (VT, FF, NEL, U+2028, U+2029,
...) become LF first, so no reader of the log sees a line that starts inside a finding; other control
characters are shown as backslash escapes, as in the text format.
"""

from __future__ import annotations

from collections.abc import Mapping

from gobaseline.formats.logline import CONTROLS, LINE_BREAKS
from gobaseline.formats.options import RenderOptions
from gobaseline.formats.text import finding_line, plural, verdict_line
from gobaseline.model import Finding, Report, Severity
from gobaseline.rules import catalogue

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
"""Workflow command per severity."""

_DATA = {**CONTROLS, **{ord(ch): "\n" for ch in LINE_BREAKS}, ord("\r"): "\r"}
"""Line breaks become LF (CR stays), other control and direction characters backslash escapes, as in text."""


def clean(value: str) -> str:
    """What an annotation shows of `value` once the runner has unescaped it."""
    return value.translate(_DATA)


def escape_data(value: str) -> str:
    """A command's message: `%`, CR and LF percent-encoded (other line breaks become LF first)."""
    return clean(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command's property value: as `escape_data`, and `:` and `,` percent-encoded too."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: Mapping[str, str] | None = None) -> str:
    """`::name k=v,k=v::message`, every part escaped; empty values are left out (the runner drops them)."""
    props = ",".join(f"{k}={escape_property(v)}" for k, v in (properties or {}).items() if v)
    head = f"{name} {props}" if props else name
    return f"::{head}::{escape_data(message)}"


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
