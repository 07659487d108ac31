"""What holds a directory's data: one filesystem, named so that two paths on it compare equal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Volume:
    """The filesystem (Linux), volume (Windows) or device (macOS) under a path."""

    key: str
    """What two paths on the same disk share: a block device (`/dev/sdb1`), `MAJOR:MINOR`, a Windows volume name
    (`\\\\?\\Volume{...}\\`) or a drive letter."""
    fstype: str = ""
    source: str = ""
    """The device or share it comes from (`/dev/sdb1`, `C:\\`), when known."""
    mount_point: str = ""
    via: str = ""
    """How it was reached when not directly: bind mounts, overlayfs, junctions."""

    def describe(self) -> str:
        """`/dev/sdb1, ext4 at /mnt`, for facts and messages."""
        where = " ".join(x for x in (self.fstype, f"at {self.mount_point}" if self.mount_point else "") if x)
        text = ", ".join(x for x in (self.source or self.key, where) if x)
        return f"{text}, via {self.via}" if self.via else text
