"""What a failed `go build` printed, read back: compiler positions, and the go command's own error lines (an
import stack folded into one line naming both ends and the error)."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# `file.go:12:3: message` (column optional), as the compiler, vet and the go command print positions.
_POSITION = re.compile(r"^(?P<file>[^\s:][^:]*\.(?:go|s|c|h|mod)):(?P<line>[0-9]+)(?::(?P<col>[0-9]+))?: (?P<msg>.+)$")


@dataclass(frozen=True)
class ImportStack:
    """A package the go command could not load, as its import stack shows it: `chain[0]` (a package built)
    imports, through the rest, `chain[-1]`, which failed with `cause`."""

    chain: tuple[str, ...]
    cause: str

    def text(self) -> str:
        """`P imports Q (through N packages): cause`."""
        between = len(self.chain) - 2
        text = f"{self.chain[0]} imports {self.chain[-1]}"
        text += f" (through {between} package{'s' * (between > 1)})" if between > 0 else ""
        return f"{text}: {self.cause}" if self.cause else text


def parse_build_output(
    stderr: str, module_dir: Path
) -> tuple[list[tuple[str, int, int | None, str]], list[str], list[ImportStack]]:
    """Positions (file as printed, line, column, message), import stacks (`package P` then tab-indented `imports
    Q` lines, the last with the error) and the other error lines."""
    positions: list[tuple[str, int, int | None, str]] = []
    other: list[str] = []
    stacks: list[ImportStack] = []
    lines = [raw.rstrip() for raw in stderr.splitlines()]
    for i, line in enumerate(lines):
        if not line or line.startswith("# "):
            continue
        m = _POSITION.match(line)
        if m is not None:
            col = m.group("col")
            positions.append((m.group("file"), int(m.group("line")), int(col) if col else None, m.group("msg")))
        elif line.startswith("package ") and i + 1 < len(lines) and lines[i + 1].startswith("\timports "):
            stacks.append(_import_stack(line, itertools.islice(lines, i + 1, None), module_dir))
        elif not line.startswith(("\t", "note: ")):
            other.append(line)
    return positions, other, stacks


def _import_stack(first: str, rest: Iterable[str], module_dir: Path) -> ImportStack:
    chain = [first.removeprefix("package ").split(" (", 1)[0]]
    cause = ""
    for line in rest:
        if not line.startswith("\timports "):
            break
        name, _, cause = line.removeprefix("\timports ").partition(": ")
        chain.append(name)
        if cause:
            break
    cause = cause.replace(str(module_dir) + os.sep, "")
    if "build constraints exclude all Go files" in cause:
        cause += (
            " (with CGO_ENABLED=0 a package whose files all need cgo has none left: select its pure-Go variant"
            " with build.tags, or stop importing it on this target)"
        )
    return ImportStack(tuple(chain), cause)


def import_line(source: str, imported: str) -> tuple[int, int] | None:
    """Line and column (1-based) of the import of `imported` in Go source text: its quoted path's first place
    (the import declarations come before any other code)."""
    at = source.find(f'"{imported}"')
    if at < 0:
        return None
    line_start = source.rfind("\n", 0, at) + 1
    return source.count("\n", 0, at) + 1, at - line_start + 1
