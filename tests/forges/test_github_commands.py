"""Workflow commands cannot be injected, and what we escape the runner unescapes back.

`parse_command` below follows actions/runner `ActionCommand.TryParseV2`: the line is trimmed at the start,
must begin with `::`, the command info ends at the next `::`, properties are split on `,` and `=` (the
property list is trimmed), and values are unescaped in the runner's order (`%0D`, `%0A`, `%3A`, `%2C`, then
`%25`).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gobaseline.forges.github.commands import clean, command, escape_data, escape_property
from gobaseline.formats import render
from gobaseline.formats.logline import LINE_BREAKS
from gobaseline.model import Finding, Location, Report, Severity

RUNNER_LINES = re.compile(r"\r\n|\r|\n")
"""How the runner splits a step's output into lines."""

PIECES = [":", "::", ",", "%", "%0A", "%25", "=", "#", "##[", "[", "]", " ", "\t", "\u202e", *LINE_BREAKS]
tricky = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=12).map("".join)
"""Arbitrary text, heavy on what the runner and log readers treat specially."""


def unescape(value: str, *, prop: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")]
    if prop:
        pairs += [("%3A", ":"), ("%2C", ",")]
    for token, char in [*pairs, ("%25", "%")]:
        value = value.replace(token, char)
    return value


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """(name, properties, data) as the runner reads a `::` line, or None when it is not a command."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    name, _, props = info.partition(" ")
    properties = {}
    for item in props.strip().split(","):
        key, sep, value = item.partition("=")
        if item and sep and key and value:
            properties[key] = unescape(value, prop=True)
    return name, properties, unescape(line[end + 2 :], prop=False)


def test_escaping_matches_the_runner() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert command("error", "m", {"file": "a,b.go", "line": "3", "title": ""}) == "::error file=a%2Cb.go,line=3::m"
    assert command("endgroup", "") == "::endgroup::"


@settings(max_examples=300, deadline=None)
@given(message=tricky, path=tricky, title=tricky)
def test_a_command_is_one_line_and_round_trips(message: str, path: str, title: str) -> None:
    line = command("warning", message, {"title": title, "file": path, "line": "7"})
    assert line.splitlines() == [line]
    assert RUNNER_LINES.split(line) == [line]
    parsed = parse_command(line)
    assert parsed is not None
    name, props, data = parsed
    assert name == "warning"
    assert data == clean(message)
    assert props.get("file", "") == clean(path)
    assert props.get("title", "") == clean(title)
    assert props["line"] == "7"


def test_clean_keeps_ordinary_text_and_turns_every_line_break_into_lf() -> None:
    assert clean("ünïcödé ✓ tab\there") == "ünïcödé ✓ tab\there"
    assert clean("a\u2028b\x85c\r\nd\x0be") == "a\nb\nc\r\nd\ne"
    assert clean("\x1b[31m") == "\\x1b[31m"


findings = st.builds(
    Finding,
    rule_id=st.sampled_from(["GB405", "GB501", "GB103", "GB999"]),
    severity=st.sampled_from(list(Severity)),
    message=tricky,
    location=st.one_of(
        st.none(),
        st.builds(
            Location,
            path=tricky.filter(bool),
            line=st.one_of(st.none(), st.integers(1, 10**6)),
            column=st.one_of(st.none(), st.integers(1, 500)),
        ),
    ),
    target=st.one_of(st.none(), tricky),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(findings, max_size=6))
def test_no_line_we_print_starts_a_command_we_did_not_mean(items: list[Finding]) -> None:
    report = Report(tool_version="0.1.0", root="/src", findings=tuple(items))
    out = render("github", report)
    lines = out.splitlines()
    assert RUNNER_LINES.split(out.rstrip("\n")) == lines  # no line break but ours, for any reader
    n = len(items)
    assert len(lines) == (2 * n + 3 if n else 1)
    for i, line in enumerate(lines):
        parsed = parse_command(line)
        if i < n:
            assert parsed is not None
            name, props, data = parsed
            assert name == {"error": "error", "warning": "warning", "note": "notice"}[items[i].severity.value]
            assert data.endswith(clean(items[i].message))
            place = items[i].location
            assert props["file"] == clean(place.path if place else "go.mod")
        elif i == n and n:
            assert parsed is not None and parsed[0] == "group"
        elif i == 2 * n + 1 and n:
            assert line == "::endgroup::"
        else:
            assert parsed is None, line
            assert "##[" not in line, line


@settings(max_examples=150, deadline=None)
@given(st.lists(findings, max_size=6))
def test_text_format_is_safe_in_a_log(items: list[Finding]) -> None:
    out = render("text", Report(tool_version="0.1.0", root="/src", findings=tuple(items)))
    lines = out.splitlines()
    assert len(lines) == len(items) + 1
    for line in lines:
        assert parse_command(line) is None, line
        assert "##[" not in line
