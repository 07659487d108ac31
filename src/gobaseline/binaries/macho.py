"""Mach-O executables (macOS), thin or universal: MH_PIE, stack execution, DWARF and symbols, libraries.

A universal ("fat") file holds one image per architecture and macOS runs whichever matches the machine, so every
slice is checked and a finding names the slice it is about. Read with macholib.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gobaseline.binaries.inspection import Inspection, Unreadable, check_range

_MH_EXECUTE = 2
_MH_PIE = 0x200000
# The static linker sets it only when asked (`ld -allow_stack_execute`); Go's own linker never does.
_MH_ALLOW_STACK_EXECUTION = 0x20000
# MH_NO_HEAP_EXECUTION is not checked: macOS ignores it for 64-bit processes, whose heap is never executable, and
# Go has built only 64-bit darwin binaries since Go 1.15.
_CPU = {0x01000007: "amd64", 0x0100000C: "arm64"}
_SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/")


@dataclass(frozen=True)
class _Slice:
    """What one Mach-O image shows; `subject` starts every message about it."""

    name: str
    """`darwin/arm64`, or the CPU type in hex for an architecture Go does not build."""
    subject: str
    pie: bool
    stack_exec: bool
    dwarf: bool
    symbols: str
    """What symbols are left (`12 local and 3 exported symbols`), empty when stripped."""
    libs: tuple[str, ...]


def inspect(path: Path, total: int) -> Inspection:
    """Read the Mach-O file at `path` (`total` bytes); raises Unreadable unless every image is an executable."""
    from macholib.MachO import MachO

    try:
        macho = MachO(str(path))
        if not macho.headers:
            raise Unreadable("a Mach-O file without a header")
        universal = macho.fat is not None
        slices = [_read_slice(h, total, universal) for h in macho.headers]
    except Unreadable:
        raise
    except Exception as e:  # macholib raises ValueError, struct.error, KeyError ...
        raise Unreadable(f"not a readable Mach-O file: {e}") from e
    return _combine(slices, universal)


def _read_slice(header: Any, total: int, universal: bool) -> _Slice:
    from macholib import mach_o

    mh = header.header
    arch = _CPU.get(mh.cputype)
    name = f"darwin/{arch}" if arch else f"CPU type {mh.cputype:#x}"
    subject = f"The {name} slice of the universal Mach-O binary" if universal else "The Mach-O binary"
    base = header.offset
    if universal:
        check_range(f"the {name} slice", base, header.size, total)
    if mh.filetype != _MH_EXECUTE:
        what = f"the {name} slice is" if universal else "a Mach-O file"
        raise Unreadable(f"{what} of type {mh.filetype}, not an executable")
    dwarf = False
    locals_ = extdefs = 0
    has_dysymtab = False
    nsyms = 0
    libs: list[str] = []
    load_dylib = {mach_o.LC_LOAD_DYLIB, mach_o.LC_LOAD_WEAK_DYLIB, mach_o.LC_REEXPORT_DYLIB}
    for lc, cmd, data in header.commands:
        if lc.cmd in (mach_o.LC_SEGMENT, mach_o.LC_SEGMENT_64):
            segname = bytes(cmd.segname).rstrip(b"\0").decode("latin-1")
            check_range(f"segment {segname}", base + cmd.fileoff, cmd.filesize, total)
            dwarf = dwarf or segname == "__DWARF"
        elif lc.cmd == mach_o.LC_DYSYMTAB:
            has_dysymtab = True
            locals_, extdefs = cmd.nlocalsym, cmd.nextdefsym
        elif lc.cmd == mach_o.LC_SYMTAB:
            nsyms = cmd.nsyms
        elif lc.cmd in load_dylib:
            raw = data if isinstance(data, bytes) else b""
            libs.append(raw.split(b"\0", 1)[0].decode("utf-8", "replace"))
    # The undefined libSystem imports always stay, so nsyms == 0 is the wrong test.
    if has_dysymtab:
        symbols = f"{locals_} local and {extdefs} exported symbols" if locals_ or extdefs else ""
    else:
        symbols = f"{nsyms} symbols" if nsyms else ""
    return _Slice(
        name=name,
        subject=subject,
        pie=bool(mh.flags & _MH_PIE),
        stack_exec=bool(mh.flags & _MH_ALLOW_STACK_EXECUTION),
        dwarf=dwarf,
        symbols=symbols,
        libs=tuple(libs),
    )


def _combine(slices: list[_Slice], universal: bool) -> Inspection:
    """One Inspection for the file: a fact holds only when it holds for every slice."""
    libs = tuple(dict.fromkeys(lib for s in slices for lib in s.libs))
    names = {s.name for s in slices}
    only = next(iter(names)) if len(names) == 1 else None
    insp = Inspection(
        format="macho",
        pie=all(s.pie for s in slices),
        stripped=not any(s.dwarf or s.symbols for s in slices),
        static=not any(not lib.startswith(_SYSTEM_PREFIXES) for lib in libs),
        target=only if only and only.startswith("darwin/") else None,
        slices=tuple(s.name for s in slices) if universal else (),
        non_pie=tuple(s.name for s in slices if not s.pie) if universal else (),
    )
    for s in slices:
        if s.dwarf or s.symbols:
            what = " and ".join(w for w in ("a __DWARF segment" if s.dwarf else "", s.symbols) if w)
            insp.add("GB602", f'{s.subject} carries {what}; link with -ldflags="-s -w".')
        foreign = [lib for lib in s.libs if not lib.startswith(_SYSTEM_PREFIXES)]
        if foreign:
            insp.add(
                "GB603",
                f"{s.subject} links {', '.join(foreign)} beyond the system libraries: it was linked with cgo; "
                "build with CGO_ENABLED=0.",
            )
        if s.stack_exec:
            insp.add(
                "GB612",
                f"{s.subject} sets MH_ALLOW_STACK_EXECUTION, so its stack is executable; Go never needs that: "
                "build with CGO_ENABLED=0 and no -allow_stack_execute linker flag.",
            )
    return insp
