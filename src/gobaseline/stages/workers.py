"""How many targets build at once: bounded by cores and by the memory their links need.

One `go build` already compiles on every core; running targets side by side mostly overlaps their links, and a
large daemon's link peaks at about 1.4 GB. So the bound is `min(targets, build.parallel or cores, available
memory // build.link_memory_mb)`, never below one. Available memory is MemAvailable from /proc/meminfo on Linux,
lowered to what the cgroup (v2) still allows when the job runs in a container with a memory limit, else the
available physical pages (`os.sysconf`); unknown (Windows, say) means cores alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_SYSCONF: Callable[[str], int] | None = getattr(os, "sysconf", None)


@dataclass(frozen=True)
class Workers:
    """The bound and the facts it came from."""

    count: int
    cores: int
    memory_mb: int | None
    link_memory_mb: int

    def describe(self) -> str:
        """`2 (cores 2, available memory 3100 MB / 1500 MB a link)`: the report's fact."""
        memory = "unknown" if self.memory_mb is None else f"{self.memory_mb} MB"
        return f"{self.count} (cores {self.cores}, available memory {memory} / {self.link_memory_mb} MB a link)"


def build_workers(
    jobs: int, *, parallel: int | None, link_memory_mb: int, cores: int | None, memory_mb: int | None
) -> Workers:
    """The number of targets to build at once (`parallel` replaces the core count; memory still bounds it)."""
    count = parallel or cores or 1
    if memory_mb is not None:
        count = min(count, memory_mb // max(1, link_memory_mb))
    return Workers(max(1, min(jobs, count)), cores or 1, memory_mb, link_memory_mb)


def _meminfo_mb(text: str) -> int | None:
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name == "MemAvailable":
            parts = value.split()
            return int(parts[0]) // 1024 if parts and parts[0].isdigit() else None
    return None


def _cgroup_mb(proc_self_cgroup: str, root: Path) -> int | None:
    """What a cgroup v2 memory limit still allows (memory.max - memory.current), or None without one."""
    for line in proc_self_cgroup.splitlines():
        if line.startswith("0::"):
            d = root / line[3:].strip().lstrip("/")
            try:
                limit = (d / "memory.max").read_text(encoding="ascii").strip()
                used = (d / "memory.current").read_text(encoding="ascii").strip()
            except OSError:
                return None
            if limit.isdigit() and used.isdigit():
                return max(0, int(limit) - int(used)) // (1024 * 1024)
    return None


def available_memory_mb(
    proc: Path = Path("/proc"),
    cgroup_root: Path = Path("/sys/fs/cgroup"),
    sysconf: Callable[[str], int] | None = _SYSCONF,
) -> int | None:
    """Memory a link may take now, in MB, or None when this system does not tell."""
    try:
        found = _meminfo_mb((proc / "meminfo").read_text(encoding="ascii", errors="replace"))
    except OSError:
        found = None
    if found is not None:
        try:
            limited = _cgroup_mb((proc / "self" / "cgroup").read_text(encoding="ascii", errors="replace"), cgroup_root)
        except OSError:
            limited = None
        return found if limited is None else min(found, limited)
    if sysconf is None:
        return None
    try:
        return sysconf("SC_AVPHYS_PAGES") * sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (OSError, ValueError):
        return None
