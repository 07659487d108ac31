"""Windows: which volume really holds a path.

Junctions and directory symlinks are followed to their target first; the volume is then the one mounted at the
deepest mount point above it (a drive letter or a mount folder), named by its volume GUID path, so a second drive
letter or a mount folder of the system volume still counts as the system volume. On Windows the answers come from
`os.path.realpath` and kernel32 (`GetVolumePathNameW`, `GetVolumeNameForVolumeMountPointW`); tests (and any other
machine) give them as data: `links` (link -> target) and `volumes` (mount point -> volume name).
"""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Mapping

from gobaseline.disks.volume import Volume

_MAX_HOPS = 40


def _norm(path: str) -> str:
    return ntpath.normcase(ntpath.normpath(path)).rstrip("\\") + "\\"


def resolve(path: str, links: Mapping[str, str] | None) -> str:
    """`path` with every junction and directory symlink on the way followed."""
    if links is None:
        return os.path.realpath(path) if sys.platform == "win32" else path
    table = {_norm(k): v for k, v in links.items()}
    current = ntpath.normpath(path)
    for _ in range(_MAX_HOPS):
        here = _norm(current)
        link = max((k for k in table if here.startswith(k)), key=len, default=None)
        if link is None:
            break
        rest = current[len(link.rstrip("\\")) :].lstrip("\\")
        current = ntpath.normpath(ntpath.join(table[link], rest)) if rest else ntpath.normpath(table[link])
    return current


def volume_of(path: str, volumes: Mapping[str, str] | None) -> Volume | None:
    """The volume mounted at the deepest mount point above `path` (already resolved), or None when not known."""
    if volumes is None:
        return _ask_windows(path) if sys.platform == "win32" else None
    here = _norm(path)
    point = max((k for k in volumes if here.startswith(_norm(k))), key=lambda k: len(_norm(k)), default=None)
    if point is None:
        return None
    return Volume(volumes[point], "", point, point)


def drive_of(path: str) -> str:
    """`C:` for `C:\\x` (upper case), "" for a path without a drive letter."""
    return ntpath.splitdrive(path)[0].upper() if len(ntpath.splitdrive(path)[0]) == 2 else ""


def _ask_windows(path: str) -> Volume | None:  # pragma: no cover - runs on Windows only
    import ctypes

    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 - Windows only; mypy checks it as Linux
    mount = ctypes.create_unicode_buffer(1024)
    if not kernel32.GetVolumePathNameW(path, mount, 1024):
        return None
    name = ctypes.create_unicode_buffer(1024)
    if not kernel32.GetVolumeNameForVolumeMountPointW(mount.value, name, 1024):
        return Volume(_norm(mount.value), "", mount.value, mount.value)
    return Volume(name.value, "", mount.value, mount.value)
