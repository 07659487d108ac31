"""go.sum: the `h1:` lines that pin each module version's content and its go.mod."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SumLine:
    """One `h1:` line of go.sum."""

    hash: str
    line: int
    file: Path | None = None
    """The go.sum it is in, when that was given (a workspace reads several)."""


@dataclass
class GoSum:
    """go.sum's `h1:` lines, by (module path, version) for content and for `/go.mod`."""

    content: dict[tuple[str, str], list[SumLine]] = field(default_factory=dict)
    gomod: dict[tuple[str, str], list[SumLine]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, file: Path | None = None) -> GoSum:
        """Read go.sum text (of `file`); lines that are not `path version h1:hash` are ignored (go rejects them)."""
        out = cls()
        for n, raw in enumerate(text.splitlines(), 1):
            parts = raw.split()
            if len(parts) != 3 or not parts[2].startswith("h1:"):
                continue
            path, version, h = parts
            table = out.content
            if version.endswith("/go.mod"):
                version, table = version[: -len("/go.mod")], out.gomod
            table.setdefault((path, version), []).append(SumLine(h, n, file))
        return out

    def update(self, other: GoSum) -> None:
        """Add `other`'s lines after this one's (a workspace: every module's go.sum, then go.work.sum)."""
        for mine, theirs in ((self.content, other.content), (self.gomod, other.gomod)):
            for key, lines in theirs.items():
                mine.setdefault(key, []).extend(lines)
