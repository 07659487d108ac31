"""Benchmark: the whole admission (tiers 1-3 and the go.mod policy) without hashing, against one
`go list -m -json all`, on the same module (target: at most 2x).

Hashing is left out (it has its own benchmark, bench_modcache.py) by replacing the stage's hash pool with one that
answers at once, so what is measured is the fixed cost: one `go env -json`, one `go list -m -json all`, reading
go.mod and go.sum, the cache layout checks, the output directory checks. Each admission run starts from a fresh
`Go` object, so its `go env -json` is counted. Usage (from the repository root, venv active):

    python bench/bench_admission.py [--modules 100] [--repeat 5] [--dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from bench_modcache import make_modules  # noqa: E402

from gobaseline.golang import modcache_layout as layout  # noqa: E402
from gobaseline.golang.gotool import Go  # noqa: E402
from gobaseline.pipeline import admission  # noqa: E402
from gobaseline.policy import Policy  # noqa: E402
from gobaseline.stages import Context  # noqa: E402
from gobaseline.stages import modcache as mc  # noqa: E402
from gobaseline.stages.record import RunRecord  # noqa: E402
from tests.support.goproxy import go_env_for, rmtree, tidy_and_download, write_consumer, write_proxy  # noqa: E402


def no_hashing(
    jobs: Iterable[layout.HashJob], workers: int | None = None
) -> dict[layout.HashJob, tuple[str, str] | str]:
    """Stand-in for the hash pool: every job answers at once."""
    return dict.fromkeys(jobs, "not hashed in this benchmark")


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--modules", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=None, help="work directory (kept); default: a temporary one")
    args = ap.parse_args()

    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-admission-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        mods = make_modules(args.modules, files=5, size=512)
        proxy = write_proxy(root / "proxy", mods)
        env = go_env_for(root, root / "gocache", root / "modcache")
        consumer = write_consumer(root / "consumer", mods, [m.path for m in mods])
        tidy_and_download(Go.discover(environ=env), consumer.dir, proxy)
        print(f"module: {args.modules} dependencies in the build list")

        setattr(mc, "hash_all", no_hashing)  # noqa: B010 - the stage calls it by this name

        def ours() -> None:
            go = Go.discover(environ=env)
            ctx = Context(consumer.dir, consumer.dir, Policy(), go, ("linux/amd64",), root / "out")
            admission(RunRecord(ctx))

        def go_list() -> None:
            go = Go.discover(environ=env)
            go.executable  # noqa: B018 - the wrapper, as a user's `go list` would start
            mods_, err = go.list_modules(consumer.dir)
            assert not err and len(mods_) > args.modules, err

        ours()  # warm the page cache and the go command's caches
        go_list()
        a = timings(ours, args.repeat)
        b = timings(go_list, args.repeat)
        print(f"admission without hashing: best {min(a):.3f} s, median {statistics.median(a):.3f} s")
        print(f"go list -m -json all:      best {min(b):.3f} s, median {statistics.median(b):.3f} s")
        print(
            f"ratio admission / go list: {min(a) / min(b):.2f}x best, "
            f"{statistics.median(a) / statistics.median(b):.2f}x median (target <= 2x)"
        )
    finally:
        if args.dir is None:
            rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
