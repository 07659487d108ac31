"""go.sum: the `h1:` lines that pin each module version's content and its go.mod."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SumLine:
    """One `h1:` line of go.sum."""

    hash: str
    line: int


@dataclass
class GoSum:
    """go.sum's `h1:` lines, by (module path, version) for content and for `/go.mod`."""

    content: dict[tuple[str, str], list[SumLine]] = field(default_factory=dict)
    gomod: dict[tuple[str, str], list[SumLine]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> GoSum:
        """Read go.sum text; lines that are not `path version h1:hash` are ignored (go rejects them)."""
        out = cls()
        for n, raw in enumerate(text.splitlines(), 1):
            parts = raw.split()
            if len(parts) != 3 or not parts[2].startswith("h1:"):
                continue
            path, version, h = parts
            table = out.content
            if version.endswith("/go.mod"):
                version, table = version[: -len("/go.mod")], out.gomod
            table.setdefault((path, version), []).append(SumLine(h, n))
        return out
