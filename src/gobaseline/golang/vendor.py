"""vendor/modules.txt: the modules `go mod vendor` copied, their replacements and `## explicit` markers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class VendorEntry:
    """One `# path version [=> new [version]]` line of vendor/modules.txt."""

    path: str
    version: str
    line: int
    replacement: tuple[str, str] | None = None
    """(new path, new version or "" for a directory)."""
    explicit: bool = False


def parse_modules_txt(text: str) -> list[VendorEntry]:
    """The module lines of vendor/modules.txt and their `## explicit` markers."""
    entries: list[VendorEntry] = []
    for n, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("# "):
            toks = raw[2:].split()
            rep: tuple[str, str] | None = None
            if "=>" in toks:
                i = toks.index("=>")
                new = toks[i + 1 :]
                rep = (new[0], new[1] if len(new) > 1 else "") if new else ("", "")
                toks = toks[:i]
            if toks:
                entries.append(VendorEntry(toks[0], toks[1] if len(toks) > 1 else "", n, rep))
        elif raw.startswith("## ") and entries and "explicit" in [a.strip() for a in raw[3:].split(";")]:
            entries[-1].explicit = True
    return entries
