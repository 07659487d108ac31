"""Mach-O executables (macOS): MH_PIE, DWARF and local symbols, libraries, read with macholib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gobaseline.binaries.inspection import Inspection, Unreadable, check_range

_MH_EXECUTE = 2
_MH_PIE = 0x200000
_CPU = {0x01000007: "amd64", 0x0100000C: "arm64"}
_SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/")


def inspect(path: Path, total: int) -> Inspection:
    """Read the Mach-O file at `path` (`total` bytes); raises Unreadable unless it is a whole executable."""
    from macholib.MachO import MachO

    try:
        macho = MachO(str(path))
        if not macho.headers:
            raise Unreadable("a Mach-O file without a header")
        return _inspect(macho.headers[0], total)
    except Unreadable:
        raise
    except Exception as e:  # macholib raises ValueError, struct.error, KeyError ...
        raise Unreadable(f"not a readable Mach-O file: {e}") from e


def _inspect(header: Any, total: int) -> Inspection:
    from macholib import mach_o

    mh = header.header
    if mh.filetype != _MH_EXECUTE:
        raise Unreadable(f"a Mach-O file of type {mh.filetype}, not an executable")
    base = header.offset
    dwarf = False
    locals_ = extdefs = 0
    has_dysymtab = False
    nsyms = 0
    libs: list[str] = []
    load_dylib = {mach_o.LC_LOAD_DYLIB, mach_o.LC_LOAD_WEAK_DYLIB, mach_o.LC_REEXPORT_DYLIB}
    for lc, cmd, data in header.commands:
        if lc.cmd in (mach_o.LC_SEGMENT, mach_o.LC_SEGMENT_64):
            name = bytes(cmd.segname).rstrip(b"\0").decode("latin-1")
            check_range(f"segment {name}", base + cmd.fileoff, cmd.filesize, total)
            dwarf = dwarf or name == "__DWARF"
        elif lc.cmd == mach_o.LC_DYSYMTAB:
            has_dysymtab = True
            locals_, extdefs = cmd.nlocalsym, cmd.nextdefsym
        elif lc.cmd == mach_o.LC_SYMTAB:
            nsyms = cmd.nsyms
        elif lc.cmd in load_dylib:
            raw = data if isinstance(data, bytes) else b""
            libs.append(raw.split(b"\0", 1)[0].decode("utf-8", "replace"))
    # The undefined libSystem imports always stay, so nsyms == 0 is the wrong test.
    symbols = (locals_ or extdefs) if has_dysymtab else nsyms
    foreign = [lib for lib in libs if not lib.startswith(_SYSTEM_PREFIXES)]
    arch = _CPU.get(mh.cputype)
    insp = Inspection(
        format="macho",
        pie=bool(mh.flags & _MH_PIE),
        stripped=not dwarf and not symbols,
        static=not foreign,
        target=f"darwin/{arch}" if arch else None,
        libraries=tuple(libs),
    )
    if dwarf or symbols:
        what = ["a __DWARF segment"] if dwarf else []
        if symbols:
            what.append(f"{locals_} local and {extdefs} exported symbols" if has_dysymtab else f"{nsyms} symbols")
        insp.add("GB602", f'The Mach-O binary carries {" and ".join(what)}; link with -ldflags="-s -w".')
    if foreign:
        insp.add(
            "GB603",
            f"The binary links {', '.join(foreign)} beyond the system libraries: it was linked with cgo; "
            "build with CGO_ENABLED=0.",
        )
    return insp
