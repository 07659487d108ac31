"""GitHub Actions workflow commands and job files: what a step prints to the log or appends for the runner.

Escaping is the runner's (actions/runner `ActionCommand.cs`): in data `%`, CR and LF become `%25`, `%0D`,
`%0A`; in properties also `:` and `,` become `%3A` and `%2C`. Other line breaks (VT, FF, NEL, U+2028, U+2029,
...) become LF first, so no reader of the log sees a line that starts inside a finding; other control
characters are shown as backslash escapes, as in the text format.

The job summary (GITHUB_STEP_SUMMARY) and step outputs (GITHUB_OUTPUT) are appended to, never rewritten: other
steps of the job write there too. Each must be a regular file: anything else (a directory, /dev/full, a FIFO,
a symbolic link) is refused before it is opened. Every output value uses the `name<<DELIMITER` form with a
fresh random delimiter, so no value (a path, a message) can end it early or add outputs of its own.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from gobaseline.formats.logline import CONTROLS, LINE_BREAKS
from gobaseline.model import Report, Severity
from gobaseline.safefs import NOFOLLOW, NONBLOCK, OPEN_FLAGS, FileAccessError, RefusedPath

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


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _open_for_append(path: Path) -> int:
    """A descriptor to append to the job file `path` (created when missing), which must be a regular file.

    The type is checked before opening, so a directory, a device such as /dev/full or a FIFO is refused
    without being opened (a FIFO without a reader would block the run forever), and again on the descriptor;
    a symbolic link is never followed.
    """
    try:
        mode: int | None = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise FileAccessError(f"cannot look at it: {e.strerror or e}", path=str(path)) from e
    if mode is not None and not stat.S_ISREG(mode):
        raise RefusedPath(f"is {_kind(mode)}, not a regular file", path=str(path))
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | NOFOLLOW | NONBLOCK | OPEN_FLAGS
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        raise FileAccessError(f"cannot open it: {e.strerror or e}", path=str(path)) from e
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise RefusedPath(f"is {_kind(mode)}, not a regular file", path=str(path))
    return fd


def _append(fd: int, path: Path, text: str) -> None:
    data = memoryview(text.encode("utf-8"))
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError as e:
        raise FileAccessError(f"cannot write to it: {e.strerror or e}", path=str(path)) from e
    finally:
        os.close(fd)


def append_step_summary(path: Path, markdown: str) -> bool:
    """Append `markdown` to the step summary file, cut so the file stays within 1 MiB. True when it was
    cut. A FileAccessError when the file cannot be written (see `_open_for_append`)."""
    fd = _open_for_append(path)
    room = STEP_SUMMARY_LIMIT - os.fstat(fd).st_size
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    cut = len(text.encode("utf-8")) > room
    if cut:
        text = cut_utf8(text, room - len(TRUNCATED_NOTE.encode("utf-8"))) + TRUNCATED_NOTE
        if len(text.encode("utf-8")) > room:
            os.close(fd)
            return True  # Not even the note fits: the file is full already.
    _append(fd, path, text)
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


def step_outputs(report: Report, files: Mapping[str, Path]) -> dict[str, str]:
    """The step outputs of a run: the verdict, the counts and the paths of the JSON report, the SARIF file and
    the build manifest (empty when not written)."""
    return {
        "verdict": report.verdict.value,
        "errors": str(report.count(Severity.ERROR)),
        "warnings": str(report.count(Severity.WARNING)),
        "notes": str(report.count(Severity.NOTE)),
        "report": str(files.get("json", "")),
        "sarif": str(files.get("sarif", "")),
        "manifest": str(files.get("manifest", "")),
    }


def append_outputs(path: Path, values: Mapping[str, str]) -> None:
    """Append step outputs to the GITHUB_OUTPUT file; a FileAccessError when it cannot be written."""
    text = format_outputs(values)
    _append(_open_for_append(path), path, text)
