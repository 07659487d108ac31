"""PE executables (Windows): ASLR and DEP flags, relocations, symbols, imports, read with pefile."""

from __future__ import annotations

from typing import Any

from gobaseline.binaries.inspection import Inspection, Unreadable, check_range, is_debug_section

_DYNAMIC_BASE = 0x0040
_HIGH_ENTROPY_VA = 0x0020
_NX_COMPAT = 0x0100
_RELOCS_STRIPPED = 0x0001
_FILE_DLL = 0x2000
_PE32_PLUS = 0x20B
_BASERELOC = 5
_IMPORT = 1
_MACHINES = {0x8664: "amd64", 0xAA64: "arm64", 0x14C: "386", 0x1C4: "arm"}
# The only DLL a Go binary imports statically; everything else the runtime loads itself with LoadLibrary.
_SYSTEM_DLLS = frozenset({"kernel32.dll"})


def inspect(data: bytes) -> Inspection:
    """Read the PE file in `data`; raises Unreadable for anything that is not a whole PE executable."""
    import pefile

    try:
        pe = pefile.PE(data=data, fast_load=True)
        return _inspect(pe, data)
    except Unreadable:
        raise
    except Exception as e:  # pefile raises PEFormatError, struct.error, IndexError ...
        raise Unreadable(f"not a readable PE file: {e}") from e


def _section_names(pe: Any, data: bytes) -> list[str]:
    """Section names with `/NN` long names resolved through the COFF string table."""
    fh = pe.FILE_HEADER
    strtab = fh.PointerToSymbolTable + 18 * fh.NumberOfSymbols if fh.PointerToSymbolTable else 0
    names = []
    for sec in pe.sections:
        raw = bytes(sec.Name).rstrip(b"\0")
        name = raw.decode("latin-1")
        if name.startswith("/") and name[1:].isdigit() and strtab:
            start = strtab + int(name[1:])
            end = data.find(b"\0", start)
            if 0 <= start < len(data) and end > start:
                name = data[start:end].decode("latin-1")
        names.append(name)
    return names


def _inspect(pe: Any, data: bytes) -> Inspection:
    import pefile

    fh, oh = pe.FILE_HEADER, pe.OPTIONAL_HEADER
    if fh.Characteristics & _FILE_DLL:
        raise Unreadable("a Windows DLL, not an executable")
    for sec in pe.sections:
        name = bytes(sec.Name).rstrip(b"\0").decode("latin-1")
        check_range(f"section {name}", sec.PointerToRawData, sec.SizeOfRawData, len(data))

    dll = oh.DllCharacteristics
    pe32_plus = oh.Magic == _PE32_PLUS
    dirs = oh.DATA_DIRECTORY
    relocs = len(dirs) > _BASERELOC and dirs[_BASERELOC].Size > 0 and not fh.Characteristics & _RELOCS_STRIPPED
    debug = [n for n in _section_names(pe, data) if is_debug_section(n)]
    stripped = fh.NumberOfSymbols == 0 and not debug

    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"]])
    imports = tuple(
        e.dll.decode("latin-1") for e in getattr(pe, "DIRECTORY_ENTRY_IMPORT", ()) if isinstance(e.dll, bytes)
    )
    foreign = [d for d in imports if d.lower() not in _SYSTEM_DLLS]
    arch = _MACHINES.get(fh.Machine)
    insp = Inspection(
        format="pe",
        pie=bool(dll & _DYNAMIC_BASE) and relocs,
        stripped=stripped,
        static=not foreign,
        target=f"windows/{arch}" if arch else None,
    )
    missing = []
    if pe32_plus and not dll & _HIGH_ENTROPY_VA:
        missing.append("HIGH_ENTROPY_VA")
    if not dll & _NX_COMPAT:
        missing.append("NX_COMPAT")
    if not relocs:
        missing.append("base relocations")
    if missing:
        insp.add(
            "GB607",
            f"The Windows binary lacks {', '.join(missing)} (DllCharacteristics {dll:#06x}); build with "
            "-buildmode=pie.",
        )
    if not stripped:
        what = [f"{fh.NumberOfSymbols} COFF symbols"] if fh.NumberOfSymbols else []
        if debug:
            what.append("DWARF sections (" + ", ".join(debug[:3]) + (", ..." if len(debug) > 3 else "") + ")")
        insp.add("GB602", f'The PE binary carries {" and ".join(what)}; link with -ldflags="-s -w".')
    if foreign:
        insp.add(
            "GB603",
            f"The binary imports {', '.join(foreign)} beyond what the Go runtime needs: it was linked with "
            "cgo; build with CGO_ENABLED=0.",
        )
    return insp
