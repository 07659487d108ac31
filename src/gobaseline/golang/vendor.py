"""vendor/: when the go command builds from it, what vendor/modules.txt records (the modules `go mod vendor` copied,
their replacements and `## explicit` markers), and the go command's explanation when it disagrees with go.mod."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gobaseline.golang.releases import GoVersion


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


def vendor_mode(module_dir: Path, go_version: str | None, *, workspace: bool = False) -> bool:
    """True when the go command builds from vendor/ by default: the directory exists, go.mod (for a `workspace`,
    go.work at `module_dir`) says `go 1.14` or later, and vendor/modules.txt was written in the same mode
    (`go work vendor` marks it `## workspace`; cmd/go modload `setDefaultBuildMod`). No `go` line means an older
    language version, so no."""
    if go_version is None or not (module_dir / "vendor").is_dir():
        return False
    v = GoVersion.parse(go_version)
    return v is not None and v.minor >= 14 and for_workspace(module_dir / "vendor") == workspace


def for_workspace(vendor_dir: Path) -> bool:
    """True when vendor/modules.txt was written by `go work vendor`: its first line is `## workspace` (among
    other `;`-separated annotations); no modules.txt is a module's vendor directory."""
    try:
        with (vendor_dir / "modules.txt").open("rb") as f:
            head = f.read(512)
    except OSError:
        return False
    first = head.decode("utf-8", errors="replace").partition("\n")[0]
    return first.startswith("## ") and "workspace" in (a.strip() for a in first[3:].split(";"))


@dataclass(frozen=True)
class Inconsistency:
    """One line of the go command's "inconsistent vendoring" explanation."""

    path: str
    """The module path the line is about."""
    text: str
    """The line as the go command wrote it: `example.com/m@v1.0.0: is explicitly required in go.mod, but ...`."""


_HEADER = re.compile(r"^go: inconsistent vendoring in .*:$")
_DETAIL = re.compile(r"^(?P<mod>[^\s:@]+)(?:@(?P<version>\S+))?: (?P<why>.+)$")
_NOT_REQUIRED = re.compile(r"^go: vendored module (?P<mod>[^\s@]+)@(?P<version>\S+) should be required explicitly")


def inconsistencies(stderr: str) -> list[Inconsistency] | None:
    """What the go command says disagrees between go.mod and vendor/modules.txt, a line per fact it states; None
    when `stderr` is about something else (a go.mod syntax error, a toolchain too old)."""
    out: list[Inconsistency] = []
    in_details = False
    for raw in stderr.splitlines():
        line = raw.strip()
        if _HEADER.match(line):
            in_details = True
        elif in_details and not line:
            in_details = False
        elif in_details and (m := _DETAIL.match(line)):
            out.append(Inconsistency(m["mod"], line))
        elif m := _NOT_REQUIRED.match(line):
            out.append(Inconsistency(m["mod"], line.removeprefix("go: ")))
    return out or None
