"""Linux: which filesystem really holds a path, from `/proc/self/mountinfo` (proc(5)).

A line is `ID PARENT MAJOR:MINOR ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS`; paths escape
space, tab, newline and backslash as `\\040`-style octal. A bind mount carries the device of the filesystem it shows
(its ROOT is the directory within it), so it needs no more than its line. An overlayfs mount has an anonymous
device: the data it writes lands in its `upperdir`, which is followed to the mount that holds it. Inside a container
that upper directory is a path of the host, not visible here; the container engine's own bind mounts
(/etc/hostname, /etc/hosts, /etc/resolv.conf, kept beside the container's layers) then stand for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gobaseline.disks.volume import Volume

_ESCAPE = re.compile(r"\\([0-7]{3})")
ENGINE_FILES = ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf")
"""Files a container engine bind-mounts from beside the container's layers."""
_MAX_HOPS = 8


@dataclass(frozen=True)
class Mount:
    """One line of mountinfo."""

    device: str
    """`MAJOR:MINOR`."""
    root: str
    """The directory of the filesystem shown at `point` (`/` unless a bind mount shows a subdirectory)."""
    point: str
    fstype: str
    source: str
    options: str
    """The superblock options (`upperdir=...` for overlayfs)."""

    def option(self, name: str) -> str | None:
        """The value of one superblock option, or None."""
        for item in self.options.split(","):
            key, _, value = item.partition("=")
            if key == name:
                return value
        return None


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), text)


def parse(text: str) -> tuple[Mount, ...]:
    """Every well-formed line of `text`; a line that is not one is skipped."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
            device, root, point = fields[2], _unescape(fields[3]), _unescape(fields[4])
            fstype, source, options = fields[sep + 1], _unescape(fields[sep + 2]), fields[sep + 3]
        except (ValueError, IndexError):
            continue
        mounts.append(Mount(device, root, point, fstype, source, options))
    return tuple(mounts)


def _within(path: str, point: str) -> bool:
    return point in ("/", path) or path.startswith(point.rstrip("/") + "/")


def mount_of(path: str, mounts: tuple[Mount, ...]) -> Mount | None:
    """The mount that shows `path` (absolute, symlinks already resolved): the deepest mount point above it, the
    last one mounted when several share it."""
    best: Mount | None = None
    for m in mounts:
        if _within(path, m.point) and (best is None or len(m.point) >= len(best.point)):
            best = m
    return best


def volume_of(path: str, mounts: tuple[Mount, ...]) -> Volume | None:
    """The filesystem that holds the data at `path` (absolute, symlinks resolved), or None when no mount shows it."""
    m = mount_of(path, mounts)
    via: list[str] = []
    for _ in range(_MAX_HOPS):
        if m is None:
            return None
        if m.root != "/":
            via.append(f"bind mount of {m.root} at {m.point}")
        if m.fstype != "overlay":
            return Volume(_key(m), m.fstype, m.source, m.point, "; ".join(via))
        upper = m.option("upperdir")
        below = mount_of(upper, tuple(x for x in mounts if x.point != m.point)) if upper else None
        if below is not None:
            via.append(f"overlay at {m.point}, upper {upper}")
            m = below
            continue
        engine = [x for x in mounts if x.point in ENGINE_FILES and x.fstype != "overlay"]
        if engine:
            via.append(f"overlay at {m.point}; its layers are where the container engine keeps {engine[0].point}")
            m = engine[0]
            continue
        return Volume(_key(m), m.fstype, m.source, m.point, "; ".join([*via, f"overlay at {m.point}"]))
    return None


def _key(m: Mount) -> str:
    """What names the device: the block device (a btrfs subvolume has an anonymous MAJOR:MINOR of its own), else
    MAJOR:MINOR."""
    return m.source if m.source.startswith("/dev/") else m.device
