"""Benchmark: what the I/O-latency fuse adds to admission. The whole admission (tiers 1-3 and the go.mod policy,
`pipeline.admission`) of examples/hello, with the fsync probe and without it, interleaved, in one script; prints
both, the ratio, the number of distinct volumes probed and what the probe measured on each.

SMART is left out of both (the platform's smartctl runner is None): it costs one smartctl per disk where
smartmontools is installed, and nothing where it is not. Each admission run starts from a fresh `Go` and a fresh
`Context`, so every run probes again. GOCACHE, GOMODCACHE and the output directory live in a temporary directory
(`--dir` to put them elsewhere, e.g. on another disk). Usage (from the repository root, venv active):

    python bench/bench_disks.py [--repeat 9] [--dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from gobaseline.disks import Platform  # noqa: E402
from gobaseline.golang.gotool import Go  # noqa: E402
from gobaseline.pipeline import admission  # noqa: E402
from gobaseline.policy import Policy  # noqa: E402
from gobaseline.stages import Context  # noqa: E402
from gobaseline.stages.record import RunRecord  # noqa: E402
from tests.support.examples import copy_example  # noqa: E402
from tests.support.goproxy import go_env_for, rmtree  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--dir", type=Path, default=None, help="work directory (kept); default: a temporary one")
    args = ap.parse_args()

    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-disks-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        module = copy_example("hello", root / "hello")
        env = {**go_env_for(root, root / "gocache", root / "modcache"), "GOTMPDIR": str(root)}
        (root / "gocache").mkdir(exist_ok=True)
        (root / "modcache").mkdir(exist_ok=True)
        measured = Platform.current()
        with_probe = Platform(system=measured.system, system_drive=measured.system_drive, smartctl=None)
        without = Platform(system=measured.system, system_drive=measured.system_drive, smartctl=None, measure=False)
        facts: dict[str, str] = {}

        def once(platform: Platform) -> float:
            start = time.perf_counter()
            go = Go.discover(environ=env)
            ctx = Context(
                module, module, Policy(), go, ("linux/amd64",), root / "out", output_named=True, platform=platform
            )
            record = RunRecord(ctx)
            admission(record)
            seconds = time.perf_counter() - start
            if platform.measure:
                for stage in record.stages:
                    facts.update((k, v) for k, v in stage.facts.items() if k.endswith(("_fsync_ms", "_volume")))
            return seconds

        once(with_probe)  # warm the page cache and the go command's caches
        once(without)
        a: list[float] = []
        b: list[float] = []
        for _ in range(args.repeat):
            a.append(once(with_probe))
            b.append(once(without))
        volumes = {v for k, v in facts.items() if k.endswith("_volume")}
        print(f"volumes: {len(volumes)} distinct ({', '.join(sorted(volumes))})")
        for key in sorted(facts):
            if key.endswith("_fsync_ms"):
                print(f"  {key}: {facts[key]}")
        print(f"admission with the probe:    best {min(a):.3f} s, median {statistics.median(a):.3f} s")
        print(f"admission without the probe: best {min(b):.3f} s, median {statistics.median(b):.3f} s")
        added = statistics.median(a) - statistics.median(b)
        print(
            f"ratio with / without: {min(a) / min(b):.2f}x best, {statistics.median(a) / statistics.median(b):.2f}x "
            f"median; added {added:.3f} s median, {added / max(len(volumes), 1):.3f} s per volume (target <= 0.5 s)"
        )
    finally:
        if args.dir is None:
            rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
