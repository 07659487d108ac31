"""What a format reader proves about one executable, before the build info and the policy are considered."""

from __future__ import annotations

from dataclasses import dataclass, field


class Unreadable(Exception):
    """The file is truncated, corrupt, or not an executable of the format its magic number claims."""


@dataclass
class Inspection:
    """Facts from the file headers, and the problems they show (rule id, message)."""

    format: str
    """`elf`, `pe` or `macho`."""
    pie: bool
    stripped: bool
    static: bool
    """ELF: no DT_NEEDED. PE and Mach-O: no library beyond the operating system's own (kernel32, libSystem and
    the system frameworks), which every Go binary for those systems names."""
    interpreter: str | None = None
    target: str | None = None
    """`GOOS/GOARCH` guessed from the header, used when the build info does not say."""
    slices: tuple[str, ...] = ()
    """A universal Mach-O file's images (`darwin/amd64`, ...), in file order; empty for a file with one image."""
    non_pie: tuple[str, ...] = ()
    """The slices of a universal file that are not position-independent (`pie` is False when there are any)."""
    issues: list[tuple[str, str]] = field(default_factory=list)
    """(rule id, message) for everything but PIE, which depends on the policy (`allow_non_pie`)."""

    def add(self, rule_id: str, message: str) -> None:
        """Record one problem."""
        self.issues.append((rule_id, message))


def check_range(what: str, offset: int, size: int, total: int) -> None:
    """Raise Unreadable when [offset, offset+size) runs past the end of a file of `total` bytes."""
    if size and (offset < 0 or offset + size > total):
        raise Unreadable(f"{what} ends at byte {offset + size} but the file has {total} bytes: it is truncated")


def is_debug_section(name: str) -> bool:
    """DWARF section names; exact prefixes, so `.data.rel.ro.gosymtab` or `.gopclntab` do not count."""
    return name.startswith((".debug_", ".zdebug_"))
