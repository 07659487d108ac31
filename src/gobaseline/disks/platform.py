"""The facts about the machine that the disk rules need; tests inject their own."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gobaseline.disks.smart import Runner, run_smartctl


@dataclass(frozen=True)
class Platform:
    """What the system-disk, placement, latency and SMART checks know about the machine."""

    system: str = "linux"
    """`linux`, `windows` or `darwin`."""
    system_drive: str = "C:"
    """Windows only: the drive that holds Windows (`%SystemDrive%`)."""
    mountinfo: str | None = None
    """Linux only: the text of /proc/self/mountinfo; None reads it when first needed."""
    wsl: bool = False
    """Linux under WSL: `/mnt/<drive>` mounts are Windows drives."""
    links: Mapping[str, str] | None = None
    """Windows only: junctions and directory symlinks (link -> target); None asks Windows (`os.path.realpath`)."""
    volumes: Mapping[str, str] | None = None
    """Windows only: mount point (`C:\\`, `D:\\mnt\\build`) -> volume name; None asks Windows."""
    measure: bool = True
    """Probe the volumes' fsync latency (a test platform turns it off, so results do not depend on the disks)."""
    clock: Callable[[], float] = field(default=time.perf_counter, compare=False)
    """Seconds, for the latency probe."""
    smartctl: Runner | None = field(default=run_smartctl, compare=False)
    """Runs smartctl; None reads no SMART data at all."""
    sys_block: Path = Path("/sys/class/block")
    """Linux only: where the block devices' partitions and slaves are listed."""

    @classmethod
    def current(cls) -> Platform:
        """The machine we run on."""
        system = {"win32": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
        return cls(system=system, system_drive=os.environ.get("SYSTEMDRIVE", "C:"), wsl=_in_wsl(system))

    def on_system_disk(self, path: Path) -> bool:
        """True when `path` (or its nearest existing parent) is on the disk holding the operating system."""
        from gobaseline.disks import Disks

        return Disks(self).on_system_disk(path)


def _in_wsl(system: str) -> bool:
    if system != "linux":
        return False
    if os.environ.get("WSL_DISTRO_NAME"):
        return True
    try:
        return "microsoft" in Path("/proc/sys/kernel/osrelease").read_text(encoding="utf-8").lower()
    except OSError:
        return False
