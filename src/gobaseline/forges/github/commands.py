"""GitHub Actions workflow commands and job files: what a step prints to the log or appends for the runner.

Escaping is the runner's (actions/runner `ActionCommand.cs`): in data `%`, CR and LF become `%25`, `%0D`,
`%0A`; in properties also `:` and `,` become `%3A` and `%2C`. Other line breaks (VT, FF, NEL, U+2028, U+2029,
...) become LF first, so no reader of the log sees a line that starts inside a finding; other control
characters are shown as backslash escapes, as in the text format.

The job summary (GITHUB_STEP_SUMMARY) and step outputs (GITHUB_OUTPUT) are appended to, never rewritten: other
steps of the job write there too. Every output value uses the `name<<DELIMITER` form with a fresh random
delimiter, so no value (a path, a message) can end it early or add outputs of its own.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from gobaseline.formats.logline import CONTROLS, LINE_BREAKS

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


def unescape_data(value: str) -> str:
    """What the runner makes of a command's data (`%25` last, as it does)."""
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(value: str) -> str:
    """What the runner makes of a property value."""
    return unescape_data(value.replace("%3A", ":").replace("%2C", ","))


_COMMAND = re.compile(r"::(?P<name>[a-z][a-z-]*)(?: (?P<props>[^:]*))?::(?P<data>.*)", re.DOTALL)


def is_command(line: str, names: frozenset[str]) -> bool:
    """`line` is exactly what `command` makes of one of `names`: nothing else passes for one of our commands."""
    m = _COMMAND.fullmatch(line)
    if m is None or m["name"] not in names:
        return False
    props: dict[str, str] = {}
    for item in (m["props"] or "").split(",") if m["props"] else ():
        key, eq, value = item.partition("=")
        if not eq or not key:
            return False
        props[key] = unescape_property(value)
    return command(m["name"], unescape_data(m["data"]), props) == line


STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub refuses a step summary larger than 1 MiB."""
TRUNCATED_NOTE = "\n\n*The summary was cut to fit GitHub's 1 MiB limit; the full report is in the report files.*\n"


def cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding has at most `limit` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(0, limit)].decode("utf-8", errors="ignore")


def append_step_summary(path: Path, markdown: str) -> bool:
    """Append `markdown` to the step summary file, cut so the file stays within 1 MiB. True when it was
    cut."""
    used = path.stat().st_size if path.exists() else 0
    room = STEP_SUMMARY_LIMIT - used
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    cut = len(text.encode("utf-8")) > room
    if cut:
        text = cut_utf8(text, room - len(TRUNCATED_NOTE.encode("utf-8"))) + TRUNCATED_NOTE
        if len(text.encode("utf-8")) > room:
            return True  # Not even the note fits: the file is full already.
    with path.open("a", encoding="utf-8") as f:
        f.write(text)
    return cut


def _delimiter(value: str) -> str:
    while True:
        delim = f"ghadelimiter_{secrets.token_hex(16)}"
        if delim not in value:
            return delim


def format_outputs(values: Mapping[str, str]) -> str:
    """The GITHUB_OUTPUT text for `values`, each as `name<<DELIM` / value / `DELIM`."""
    out = []
    for name, value in values.items():
        if not name or any(c in name for c in "\r\n=<"):
            raise ValueError(f"bad output name {name!r}")
        delim = _delimiter(value)
        out.append(f"{name}<<{delim}\n{value}\n{delim}\n")
    return "".join(out)


def append_outputs(path: Path, values: Mapping[str, str]) -> None:
    """Append step outputs to the GITHUB_OUTPUT file."""
    with path.open("a", encoding="utf-8") as f:
        f.write(format_outputs(values))
