"""The I/O-latency fuse: how long a small write + fsync takes on a volume, measured in a private temporary file.

A build writes and syncs thousands of small files (the build cache, module extraction, the outputs); a volume
whose fsync takes tens of milliseconds makes every build slow and is often a failing or throttled disk. The probe
is bounded twice: at most `WRITES` writes and at most `BUDGET` seconds (the last write may overrun it, a single
fsync cannot be interrupted). The file is removed afterwards, also on error.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WRITES = 200
BUDGET = 0.5
"""Seconds one probe may take (about: see above)."""
BLOCK = 4096


@dataclass(frozen=True)
class Latency:
    """What one probe measured."""

    writes: int
    seconds: float
    p50_ms: float
    p99_ms: float

    def describe(self) -> str:
        """`p50 0.15 ms, p99 0.38 ms (200 writes, 0.03 s)`."""
        return f"p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms ({self.writes} writes, {self.seconds:.2f} s)"


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile `p` (0-100] of values sorted ascending."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def probe(
    directory: Path,
    *,
    writes: int = WRITES,
    budget: float = BUDGET,
    clock: Callable[[], float] = time.perf_counter,
) -> Latency:
    """Write and fsync one small block at a time in a temporary file in `directory`; raises OSError when the
    directory cannot take a file."""
    fd, name = tempfile.mkstemp(prefix=".gobaseline-fsync-", dir=directory)
    samples: list[float] = []
    try:
        block = b"\0" * BLOCK
        start = clock()
        for i in range(writes):
            before = clock()
            os.lseek(fd, (i % 16) * BLOCK, os.SEEK_SET)
            os.write(fd, block)
            os.fsync(fd)
            after = clock()
            samples.append(after - before)
            if after - start >= budget:
                break
        seconds = clock() - start
    finally:
        os.close(fd)
        Path(name).unlink()
    samples.sort()
    return Latency(len(samples), seconds, percentile(samples, 50) * 1000, percentile(samples, 99) * 1000)
