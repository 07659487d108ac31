"""The fsync probe: bounded by writes and by time, its file removed; a slow volume seen through an injected clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobaseline.disks import fsync


class SlowClock:
    """A clock that reads `step` seconds later every time it is read: each write + fsync takes `step`."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_probe_measures_and_removes_its_file(tmp_path: Path) -> None:
    measured = fsync.probe(tmp_path, writes=20)
    assert 1 <= measured.writes <= 20
    assert 0 <= measured.p50_ms <= measured.p99_ms
    assert list(tmp_path.iterdir()) == []
    assert "writes" in measured.describe()


def test_the_budget_bounds_a_slow_volume(tmp_path: Path) -> None:
    # Each write + fsync takes 0.15 s on this clock, and 0.15 s pass between them: the 0.5 s budget is spent
    # after two of the 200.
    clock = SlowClock(0.15)
    measured = fsync.probe(tmp_path, clock=clock)
    assert measured.writes == 2
    assert measured.p99_ms == pytest.approx(150.0)
    assert list(tmp_path.iterdir()) == []


def test_a_directory_that_takes_no_file_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        fsync.probe(tmp_path / "missing")


def test_nearest_rank_percentiles() -> None:
    values = sorted(float(i) for i in range(1, 201))
    assert fsync.percentile(values, 50) == 100.0
    assert fsync.percentile(values, 99) == 198.0
    assert fsync.percentile([7.0], 99) == 7.0
