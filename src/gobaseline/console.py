"""The one writer for everything gobaseline prints: no text from the repository can become a CI log command.

GitHub's runner reads every line a step prints and runs `::name props::data` when the line starts with `::`
after leading whitespace, and the legacy `##[name props]data` anywhere in a line (see `formats.logline`).
Policy values, go.mod content, paths and compiler output all reach our lines, so every line goes through here:

- text (`say` on stderr: progress, errors, notices; `show` on stdout: the text report) is split at every line
  break; in each line control and direction characters become backslash escapes, `##[` becomes `##\\[`, and a
  `::` that starts the line (after whitespace) gets a backslash in front: `\\::`. Visible, and never a command.
- our own workflow commands are built with the runner's escaping (`command`, `mask`); `commands` prints the
  `github` format, whose command lines pass only when they are exactly what our escaping produces (an allowed
  name, properties and data that round-trip), every other line being text.
- a report printed instead of written (`document`: JSON, XML or Markdown) keeps its bytes except where a line
  would read as a command; there the document's own escape is used, so it parses to the same content.
- a secret (the forge token, `secret`) is scrubbed from every line, with any piece of it of `FRAGMENT` or more
  characters: only the `::add-mask::` line names it.
- a console that cannot encode a character (cp1252 or ascii, `PYTHONIOENCODING`, or a lone surrogate that
  `os.fsdecode` made of a file name) gets it replaced (`?`), never an error.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Literal, TextIO

from gobaseline.formats.logline import CONTROLS

FRAGMENT = 8
"""A run of this many characters of a secret is treated as the secret: no such piece is ever printed."""

OWN_COMMANDS = frozenset({"error", "warning", "notice", "debug", "group", "endgroup"})
"""The workflow commands `commands` lets through (never `stop-commands`, `add-mask` or the file commands)."""

Syntax = Literal["json", "xml", "markdown"]

_ESCAPES: Mapping[str, tuple[str, str]] = {
    # (what `##[` becomes, what a line-leading `:` becomes), each meaning the same to the document's reader.
    "json": ("##\\u005b", "\\u003a"),
    "xml": ("##&#91;", "&#58;"),
    "markdown": ("##\\[", "\\:"),
}

_lock = threading.RLock()
_secrets: list[str] = []


def secret(value: str) -> None:
    """Scrub `value` (and its pieces) from everything printed from now on."""
    with _lock:
        if value and value not in _secrets:
            _secrets.append(value)


def scrub(text: str, secret: str) -> str:
    """`text` with `secret`, and every piece of it `FRAGMENT` or more characters long, replaced by `***`.

    A piece is what a cut in the middle of the secret leaves, or what a server echoes of a token it shortened.
    """
    if not secret or not text:
        return text
    if len(secret) < FRAGMENT:
        return text.replace(secret, "***")
    # Every piece of FRAGMENT+ characters is covered by the FRAGMENT-long pieces it holds: mark those.
    covered = bytearray(len(text))
    for i in range(len(secret) - FRAGMENT + 1):
        gram = secret[i : i + FRAGMENT]
        at = text.find(gram)
        while at != -1:
            covered[at : at + FRAGMENT] = b"\x01" * FRAGMENT
            at = text.find(gram, at + 1)
    if 1 not in covered:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        j = covered.find(0 if covered[i] else 1, i)
        j = len(text) if j == -1 else j
        out.append("***" if covered[i] else text[i:j])
        i = j
    return "".join(out)


def _scrubbed(text: str) -> str:
    for value in _secrets:
        text = scrub(text, value)
    return text


def safe_line(line: str) -> str:
    """`line` as one log line that is no command: controls escaped, `##[` and a leading `::` defused."""
    text = line.translate(CONTROLS).replace("##[", "##\\[")
    lead = len(text) - len(text.lstrip())
    if text.startswith("::", lead):
        text = text[:lead] + "\\" + text[lead:]
    return text


def safe_lines(text: str) -> list[str]:
    """`text` split at every line break (CR, LF, VT, FF, NEL, U+2028, ...), each line made safe."""
    return [safe_line(line) for line in text.splitlines()]


def _write(lines: Iterable[str], stream: TextIO) -> None:
    _emit("".join(_scrubbed(line) + "\n" for line in lines), stream)


def _emit(text: str, stream: TextIO) -> None:
    """Write `text` and flush; what the stream cannot encode is replaced (a text stream encodes all of a write
    before any of it goes out, so a refused write printed nothing)."""
    with _lock:
        try:
            stream.write(text)
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "utf-8"
            stream.write(text.encode(encoding, errors="replace").decode(encoding, errors="replace"))
        stream.flush()


def say(text: str, stream: TextIO | None = None) -> None:
    """Print `text` on stderr (progress, errors, notices), each of its lines made safe."""
    _write(safe_lines(text) or [""], stream or sys.stderr)


def show(text: str, stream: TextIO | None = None) -> None:
    """Print `text` on stdout (the text report), each of its lines made safe."""
    _write(safe_lines(text), stream or sys.stdout)


def command(name: str, message: str = "", properties: Mapping[str, str] | None = None, *, stream: TextIO) -> None:
    """Print one of our workflow commands, its properties and data escaped as the runner unescapes them."""
    from gobaseline.forges.github.commands import command as build

    _write([build(name, message, properties)], stream)


def mask(value: str, stream: TextIO) -> None:
    """`::add-mask::value` (the one line that names a secret), then scrub `value` from everything else."""
    from gobaseline.forges.github.commands import escape_data

    if value:
        _emit(f"::add-mask::{escape_data(value)}\n", stream)
        secret(value)


def commands(text: str, stream: TextIO | None = None) -> None:
    """Print lines of our own commands and plain text (the `github` format, our notices) on stdout.

    A line passes as a command only when it is exactly what our escaping makes of an allowed command; any
    other line is made safe like text.
    """
    from gobaseline.forges.github.commands import is_command

    out = [line if is_command(line, OWN_COMMANDS) else safe_line(line) for line in text.splitlines()]
    _write(out, stream or sys.stdout)


def document(text: str, syntax: Syntax, stream: TextIO | None = None) -> None:
    """Print a JSON, XML or Markdown report on stdout, unchanged but where a line would read as a command."""
    bracket, colon = _ESCAPES[syntax]
    out: list[str] = []
    for raw in text.splitlines(keepends=True):
        line = raw.replace("##[", bracket)
        lead = len(line) - len(line.lstrip())
        out.append(line[:lead] + colon + line[lead + 1 :] if line.startswith("::", lead) else line)
    _emit(_scrubbed("".join(out)), stream or sys.stdout)


class _Handler(logging.Handler):
    """Library log records (PyGithub, urllib3, python-gitlab) printed through `say`."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            say(self.format(record))
        except Exception:  # logging must never break the run
            self.handleError(record)


_HANDLER = _Handler(logging.WARNING)


def route_library_logs() -> None:
    """Send what the HTTP libraries log through `say`: the last-resort handler, and the stream handler
    PyGithub installs on its own logger."""
    logging.lastResort = _HANDLER
    github = logging.getLogger("github")
    for handler in list(github.handlers):
        if type(handler) is logging.StreamHandler:
            github.removeHandler(handler)
    if _HANDLER not in github.handlers:
        github.addHandler(_HANDLER)
