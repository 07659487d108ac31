"""Disks the way the baseline means them: which volume really holds a directory, whether it is the system disk,
how fast it syncs, and what its SMART data says.

- `Platform`: the facts about the machine (operating system, /proc/self/mountinfo, WSL, Windows links and volumes,
  the clock, the smartctl runner); `Platform.current()` reads them, tests inject their own.
- `Disks`: the answers for one run, each asked once: a volume per path (`mountinfo` on Linux, `windows` on Windows,
  the device number elsewhere), one fsync probe per distinct volume (`fsync`), one SMART read per disk (`smart`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gobaseline.disks import fsync, mountinfo, smart, windows
from gobaseline.disks.platform import Platform
from gobaseline.disks.volume import Volume

__all__ = ["Disks", "Platform", "Volume"]

DRVFS_TYPES = frozenset({"9p", "drvfs", "v9fs"})
_WSL_DRIVE = re.compile(r"^/mnt/([A-Za-z])$")


class Disks:
    """The volumes of one run's machine; every answer is remembered (the same every time it is asked)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._mounts: tuple[mountinfo.Mount, ...] | None = None
        self._mounts_read = False
        self._latency: dict[str, fsync.Latency | str] = {}
        self._health: dict[str, smart.Health] = {}

    # -- placement ---------------------------------------------------------------------------------

    def mounts(self) -> tuple[mountinfo.Mount, ...] | None:
        """Linux: the mount table (injected, else /proc/self/mountinfo), None when it cannot be read."""
        if not self._mounts_read:
            self._mounts_read = True
            text = self.platform.mountinfo
            if text is None:
                try:
                    text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="surrogateescape")
                except OSError:
                    text = None
            parsed = mountinfo.parse(text) if text is not None else ()
            self._mounts = parsed or None
        return self._mounts

    def volume(self, path: Path | str) -> Volume | None:
        """The volume that really holds `path` (or, when it does not exist yet, its nearest existing parent)."""
        if self.platform.system == "windows":
            resolved = windows.resolve(str(path), self.platform.links)
            found = windows.volume_of(resolved, self.platform.volumes)
            if found is None:
                drive = windows.drive_of(resolved)
                return Volume(drive, source=drive, mount_point=drive and drive + "\\")
            return found
        real = os.path.realpath(path)
        mounts = self.mounts() if self.platform.system == "linux" else None
        if mounts is not None:
            return mountinfo.volume_of(real, mounts)
        try:
            st = _nearest_existing(Path(real)).stat()
        except OSError:
            return None
        return Volume(f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}")

    def system_volume(self) -> Volume | None:
        """The volume that holds the operating system: `/`, or the SystemDrive's volume."""
        if self.platform.system == "windows":
            return self.volume(self.platform.system_drive + "\\")
        return self.volume("/")

    def on_system_disk(self, path: Path | str) -> bool:
        """True when `path` is on the volume that holds the operating system."""
        here, system = self.volume(path), self.system_volume()
        if here is None or system is None:
            return False
        return here.key.casefold() == system.key.casefold()

    def windows_drive(self, path: Path | str) -> str | None:
        """Under WSL: `C:` when `path` is on a Windows drive (drvfs/9p at /mnt/c), else None."""
        if not self.platform.wsl:
            return None
        v = self.volume(path)
        match = _WSL_DRIVE.match(v.mount_point) if v is not None else None
        if v is None or match is None or v.fstype not in DRVFS_TYPES:
            return None
        return match.group(1).upper() + ":"

    # -- latency and health -----------------------------------------------------------------------

    def latency(self, path: Path | str) -> fsync.Latency | str:
        """The fsync latency of the volume under `path`, probed once per volume; why not, as a sentence."""
        v = self.volume(path)
        key = v.key if v is not None else str(path)
        if key not in self._latency:
            directory = _nearest_existing(Path(path))
            try:
                self._latency[key] = fsync.probe(directory, clock=self.platform.clock)
            except OSError as e:
                self._latency[key] = f"cannot write a probe file in {directory}: {e.strerror or e}"
        return self._latency[key]

    def devices(self, v: Volume) -> tuple[str, ...]:
        """The disks smartctl is asked about for a volume: whole disks on Linux, the drive letter on Windows."""
        if self.platform.system == "windows":
            drive = windows.drive_of(v.mount_point or v.source)
            return (drive,) if drive else ()
        if self.platform.system == "linux":
            return smart.disks_of(v.source, self.platform.sys_block)
        return ()

    def health(self, device: str) -> smart.Health:
        """SMART health of one disk, read once (the platform's runner must be set)."""
        if device not in self._health:
            runner = self.platform.smartctl
            if runner is None:  # pragma: no cover - callers check
                return smart.Health(device, unavailable="SMART is not read on this platform")
            self._health[device] = smart.read(device, runner)
        return self._health[device]


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p
