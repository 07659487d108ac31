"""What a failed `go build` printed, read back: compiler positions, and the go command's own error lines (an
import stack folded into one line naming both ends and the error)."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable
from pathlib import Path

# `file.go:12:3: message` (column optional), as the compiler, vet and the go command print positions.
_POSITION = re.compile(r"^(?P<file>[^\s:][^:]*\.(?:go|s|c|h|mod)):(?P<line>[0-9]+)(?::(?P<col>[0-9]+))?: (?P<msg>.+)$")


def parse_build_output(stderr: str, module_dir: Path) -> tuple[list[tuple[str, int, int | None, str]], list[str]]:
    """Positions (file as printed, line, column, message) and the other error lines; an import stack (`package P`
    then tab-indented `imports Q` lines, the last with the error) is one line naming both ends and the error."""
    positions: list[tuple[str, int, int | None, str]] = []
    other: list[str] = []
    lines = [raw.rstrip() for raw in stderr.splitlines()]
    for i, line in enumerate(lines):
        if not line or line.startswith("# "):
            continue
        m = _POSITION.match(line)
        if m is not None:
            col = m.group("col")
            positions.append((m.group("file"), int(m.group("line")), int(col) if col else None, m.group("msg")))
        elif line.startswith("package ") and i + 1 < len(lines) and lines[i + 1].startswith("\timports "):
            other.append(_import_stack(line, itertools.islice(lines, i + 1, None), module_dir))
        elif not line.startswith(("\t", "note: ")):
            other.append(line)
    return positions, other


def _import_stack(first: str, rest: Iterable[str], module_dir: Path) -> str:
    """`P imports Q (through N packages): error` from the go command's import stack starting at `first`."""
    chain = [first.removeprefix("package ").split(" (", 1)[0]]
    cause = ""
    for line in rest:
        if not line.startswith("\timports "):
            break
        name, _, cause = line.removeprefix("\timports ").partition(": ")
        chain.append(name)
        if cause:
            break
    between = len(chain) - 2
    text = f"{chain[0]} imports {chain[-1]}" + (f" (through {between} package{'s' * (between > 1)})" if between else "")
    if not cause:
        return text
    cause = cause.replace(str(module_dir) + os.sep, "")
    if "build constraints exclude all Go files" in cause:
        cause += (
            " (with CGO_ENABLED=0 a package whose files all need cgo has none left: select its pure-Go variant"
            " with build.tags, or stop importing it on this target)"
        )
    return f"{text}: {cause}"
