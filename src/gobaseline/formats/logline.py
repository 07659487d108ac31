"""Text from the repository made safe for one line of a CI log.

GitHub's runner reads every line a step prints and runs two kinds of commands: `::name props::data` when the
line starts with `::` after leading whitespace, and the legacy `##[name props]data` *anywhere* in the line
(actions/runner `ActionCommand.TryParseV2` and `TryParse`, tried in that order by `ActionCommandManager`). A
compiler message or a file name must never become one of those, nor add lines of its own.
"""

from __future__ import annotations

LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character `str.splitlines` breaks on; readers of a log may honour any of them."""

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Direction controls that can make a log line read differently from what it says."""


_CC = (*range(0x20), *range(0x7F, 0xA0))
"""Unicode's control characters (general category Cc), a set fixed since Unicode 1.1."""


def _escape_table() -> dict[int, str]:
    # Built from the ranges rather than by asking unicodedata about every character below U+2070, which cost more
    # than the rest of `import gobaseline.console` (tests/test_console.py checks the two agree).
    table: dict[int, str] = {}
    for code in sorted({*_CC, *map(ord, LINE_BREAKS), *map(ord, _BIDI)} - {ord("\t")}):
        ch = chr(code)
        table[code] = {"\n": "\\n", "\r": "\\r"}.get(ch, f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
    return table


CONTROLS = _escape_table()
"""`str.translate` table: each control character, line break and direction control to a backslash escape."""


def one_line(text: str) -> str:
    """`text` within one log line: line breaks and control characters as backslash escapes, `##[` defused."""
    return text.translate(CONTROLS).replace("##[", "##\\[")


def log_path(path: str) -> str:
    """A path that starts a log line: `one_line`, and `./` in front when it starts with `:`.

    The line goes on with `:`, so a path starting with one could make the line start a `::` command.
    """
    safe = one_line(path)
    return "./" + safe if safe.lstrip().startswith(":") else safe
