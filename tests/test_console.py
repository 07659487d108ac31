"""The console: whatever text reaches it, the lines it prints hold no workflow command but our own."""

from __future__ import annotations

import io
import json
import logging
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gobaseline import console
from gobaseline.forges.github.commands import command, is_command

PIECES = [
    "::",
    "##[",
    "\r",
    "\n",
    "\r\n",
    "\v",
    "\f",
    "\x85",
    "\u2028",
    "\u2029",
    "\x1b[31m",
    "\x00",
    "\u202e",
    " ",
    "\t",
    "\u00a0",
    "\u3000",
    "::error::x",
    "::stop-commands::tok",
    "::add-mask::s",
    "::set-output name=a::b",
    "##[group]",
    "##[set-output name=a;]b",
    "%0A",
    "%25",
    "%3A",
    ":",
    ",",
    "]",
    "=",
]
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=14).map("".join)


def bad_lines(printed: str, own: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Lines (split wherever any reader might split) that could run a command, or hold a control character,
    and are not one of `own`."""
    bad = []
    for line in printed.splitlines():
        if line in own:
            continue
        controls = [c for c in line if c != "\t" and unicodedata.category(c) == "Cc"]
        if line.lstrip().startswith("::") or "##[" in line or controls:
            bad.append(line)
    return bad


@settings(max_examples=300)
@given(hostile)
def test_say_and_show_print_no_command_in_300_generated_texts(text: str) -> None:
    for write in (console.say, console.show):
        out = io.StringIO()
        write(f"gobaseline: {text}", out)
        write(text, out)
        assert bad_lines(out.getvalue()) == []


own_command = st.tuples(st.sampled_from(sorted(console.OWN_COMMANDS)), hostile, hostile, hostile)


@settings(max_examples=100)
@given(st.lists(own_command, max_size=5), hostile)
def test_commands_pass_only_our_escaped_commands_in_100_generated_streams(
    ours: list[tuple[str, str, str, str]], text: str
) -> None:
    lines = [command(name, message, {"file": path, "title": title}) for name, message, path, title in ours]
    # Forged lines: what a repository could try to pass for a command.
    forged = [text, f"::error::{text}", f"::stop-commands::{text}", f"::notice file=a{text}::b", "::error ::%ZZ"]
    out = io.StringIO()
    console.commands("\n".join(line for pair in zip(lines, forged, strict=False) for line in pair) + "\n", out)
    console.commands("\n".join(forged), out)
    printed = out.getvalue().splitlines()
    assert all(line in printed for line in lines)
    # A line that runs is exactly what our escaping makes of an allowed command: one line, no stop-commands,
    # no add-mask, no file command, nothing a message could stretch into a second command.
    passed = [line for line in printed if line.lstrip().startswith("::") or "##[" in line]
    assert all(is_command(line, console.OWN_COMMANDS) for line in passed)
    assert bad_lines("\n".join(printed), set(passed)) == []
    assert not [line for line in printed if line.startswith(("::stop-commands", "::add-mask", "::set-output"))]


def test_a_forged_command_is_shown_not_run() -> None:
    out = io.StringIO()
    console.commands("::stop-commands::x\n::error::%0\n::error file=a,::m\n  ::warning::w\n", out)
    assert out.getvalue().splitlines() == [
        "\\::stop-commands::x",
        "\\::error::%0",
        "\\::error file=a,::m",
        "  \\::warning::w",
    ]


def test_our_own_commands_round_trip() -> None:
    line = command("error", "50% done\r\n::x", {"file": "a,b:c", "title": "GB1 t", "line": "3"})
    assert line == "::error file=a%2Cb%3Ac,title=GB1 t,line=3::50%25 done%0D%0A::x"
    assert is_command(line, console.OWN_COMMANDS)
    assert not is_command(line.replace("%2C", ","), console.OWN_COMMANDS)
    assert not is_command(command("add-mask", "x"), console.OWN_COMMANDS)


def test_mask_names_the_secret_once_and_scrubs_it_afterwards() -> None:
    token = "ghs_" + "q1w2e3r4t5y6u7i8o9p0" * 2
    out = io.StringIO()
    console.mask(token, out)
    console.say(f"echo {token} and {token[10:22]}", out)
    console.show(f"{token[:9]}", out)
    assert out.getvalue().splitlines() == [f"::add-mask::{token}", "echo *** and ***", "***"]


@settings(max_examples=100)
@given(st.dictionaries(hostile, st.one_of(hostile, st.lists(hostile, max_size=3)), max_size=4))
def test_a_json_document_keeps_its_content_in_100_generated_documents(data: dict[str, object]) -> None:
    for text in (json.dumps(data, indent=2), json.dumps(data, indent=2, ensure_ascii=False)):
        out = io.StringIO()
        console.document(text, "json", out)
        assert json.loads(out.getvalue()) == data
        if text.isascii():
            assert bad_lines(out.getvalue()) == []


xml_text = hostile.map(lambda s: "".join(c for c in s if c in "\t\n" or (c >= " " and c not in "\x7f\x85")))


@settings(max_examples=100)
@given(st.lists(xml_text, min_size=1, max_size=4))
def test_an_xml_document_keeps_its_content_in_100_generated_documents(texts: list[str]) -> None:
    root = ET.Element("testsuite", {"name": texts[0]})
    for t in texts:
        ET.SubElement(root, "failure", {"message": t}).text = t
    text = ET.tostring(root, encoding="unicode")
    out = io.StringIO()
    console.document(text, "xml", out)
    again, before = ET.fromstring(out.getvalue()), ET.fromstring(text)  # noqa: S314 (our own documents)
    assert [(e.text, e.attrib) for e in again] == [(e.text, e.attrib) for e in before]
    assert again.attrib == before.attrib
    assert not [line for line in out.getvalue().splitlines() if line.lstrip().startswith("::") or "##[" in line]


def test_markdown_escapes_mean_the_same_characters() -> None:
    out = io.StringIO()
    console.document("## ok\n::error::x\ntext ##[group] y\n", "markdown", out)
    assert out.getvalue() == "## ok\n\\::error::x\ntext ##\\[group] y\n"


def test_library_logs_go_through_the_console(capsys: pytest.CaptureFixture[str]) -> None:
    console.route_library_logs()
    logging.getLogger("github.Requester").warning("answer\n::error::x ##[group]")
    err = capsys.readouterr().err
    assert bad_lines(err) == [] and "answer" in err


def test_escape_table_holds_every_control_line_break_and_direction_character() -> None:
    from gobaseline.formats.logline import _BIDI, CONTROLS, LINE_BREAKS

    scanned = {
        code
        for code in range(0x110000)
        if chr(code) != "\t"
        and (chr(code) in LINE_BREAKS or chr(code) in _BIDI or unicodedata.category(chr(code)) == "Cc")
    }
    assert set(CONTROLS) == scanned
    assert CONTROLS[0x0A] == "\\n" and CONTROLS[0x0D] == "\\r" and CONTROLS[0x1B] == "\\x1b"
    assert CONTROLS[0x2028] == "\\u2028" and CONTROLS[0x202E] == "\\u202e"
