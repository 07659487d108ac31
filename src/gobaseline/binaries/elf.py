"""ELF executables (Linux, FreeBSD, ...): PIE, loader, libraries, RELRO, stack and symbols, via pyelftools."""

from __future__ import annotations

import io
from typing import Any

from gobaseline.binaries.inspection import Inspection, Unreadable, check_range, is_debug_section

_DF_BIND_NOW = 0x8
_DF_1_NOW = 0x1
_DF_1_PIE = 0x08000000
_PF_X = 0x1
_MACHINES = {
    "EM_X86_64": "amd64",
    "EM_AARCH64": "arm64",
    "EM_386": "386",
    "EM_ARM": "arm",
    "EM_RISCV": "riscv64",
    "EM_S390": "s390x",
    "EM_LOONGARCH": "loong64",
}
_OSABI = {"ELFOSABI_FREEBSD": "freebsd", "ELFOSABI_NETBSD": "netbsd", "ELFOSABI_OPENBSD": "openbsd"}


def inspect(data: bytes) -> Inspection:
    """Read the ELF file in `data`; raises Unreadable for anything that is not a whole ELF executable."""
    from elftools.elf.elffile import ELFFile

    try:
        return _inspect(ELFFile(io.BytesIO(data)), len(data))
    except Unreadable:
        raise
    except Exception as e:  # pyelftools raises ELFError, construct errors, struct.error, ValueError ...
        raise Unreadable(f"not a readable ELF file: {e}") from e


def _inspect(elf: Any, total: int) -> Inspection:
    hdr = elf.header
    check_range("the section header table", hdr.e_shoff, hdr.e_shnum * hdr.e_shentsize, total)
    check_range("the program header table", hdr.e_phoff, hdr.e_phnum * hdr.e_phentsize, total)
    if hdr.e_type not in ("ET_EXEC", "ET_DYN"):
        raise Unreadable(f"an ELF file of type {hdr.e_type}, not an executable")

    interp: str | None = None
    has_relro = has_dynamic = False
    stack_flags: int | None = None
    needed: list[str] = []
    flags = flags_1 = 0
    bind_now_tag = False
    for seg in elf.iter_segments():
        ph = seg.header
        check_range(f"segment {ph.p_type}", ph.p_offset, ph.p_filesz, total)
        if ph.p_type == "PT_INTERP":
            interp = seg.get_interp_name()
        elif ph.p_type == "PT_GNU_RELRO":
            has_relro = True
        elif ph.p_type == "PT_GNU_STACK":
            stack_flags = ph.p_flags
        elif ph.p_type == "PT_DYNAMIC":
            has_dynamic = True
            for tag in seg.iter_tags():
                kind = tag.entry.d_tag
                if kind == "DT_NEEDED":
                    needed.append(tag.needed)
                elif kind == "DT_FLAGS":
                    flags = tag.entry.d_val
                elif kind == "DT_FLAGS_1":
                    flags_1 = tag.entry.d_val
                elif kind == "DT_BIND_NOW":
                    bind_now_tag = True

    symtab = False
    debug: list[str] = []
    for sec in elf.iter_sections():
        sh = sec.header
        if sh.sh_type != "SHT_NOBITS":
            check_range(f"section {sec.name}", sh.sh_offset, sh.sh_size, total)
        if sh.sh_type == "SHT_SYMTAB":
            symtab = True
        elif is_debug_section(sec.name):
            debug.append(sec.name)

    pie = hdr.e_type == "ET_DYN" and bool(flags_1 & _DF_1_PIE)
    arch = _MACHINES.get(str(hdr.e_machine))
    if hdr.e_machine == "EM_PPC64":
        arch = "ppc64le" if elf.little_endian else "ppc64"
    goos = _OSABI.get(str(hdr.e_ident["EI_OSABI"]), "linux")
    insp = Inspection(
        format="elf",
        pie=pie,
        stripped=not symtab and not debug,
        static=not needed,
        interpreter=interp,
        target=f"{goos}/{arch}" if arch else None,
    )
    if symtab or debug:
        what = ["a symbol table (.symtab)"] if symtab else []
        if debug:
            what.append("DWARF sections (" + ", ".join(debug[:3]) + (", ..." if len(debug) > 3 else "") + ")")
        insp.add("GB602", f'The ELF binary carries {" and ".join(what)}; link with -ldflags="-s -w".')
    if needed:
        insp.add(
            "GB603",
            f"The binary needs shared libraries ({', '.join(needed)}): it was linked with cgo; build with "
            "CGO_ENABLED=0.",
        )
    if interp:
        insp.add(
            "GB604",
            f"The binary names the program loader {interp}: it will not start in a FROM scratch, "
            "distroless/static or musl-only image; ship it in an image that has this loader.",
        )
    if has_dynamic:
        bind_now = bind_now_tag or bool(flags & _DF_BIND_NOW) or bool(flags_1 & _DF_1_NOW)
        missing = [name for name, ok in (("GNU_RELRO", has_relro), ("BIND_NOW", bind_now)) if not ok]
        if missing:
            insp.add(
                "GB605",
                f"The ELF binary lacks {' and '.join(missing)} (no Full RELRO); link with -ldflags=-bindnow "
                "(Go 1.23+).",
            )
    if stack_flags is None:
        insp.add("GB606", "The ELF binary has no PT_GNU_STACK header, so the stack is executable.")
    elif stack_flags & _PF_X:
        insp.add("GB606", "PT_GNU_STACK asks for an executable stack; a cgo object requested it.")
    return insp
