"""Cost of building through `gobaseline cacheprog` (the verified build cache) against a plain GOCACHE.

    python bench/bench_cacheprog.py [--packages 300] [--runs 5] [--no-cold]

Generates the module bench_build.py uses (a few hundred packages), then times for linux/amd64 the same raw
`go build` (the pinned flags, the output removed first, as a CI job starts without it; `$GOROOT/bin/go` itself, not
the PyPI wrapper, whose Python start would pad both sides alike):

- plain warm:     GOCACHE filled beforehand
- verified warm:  GOCACHEPROG (the command the build stage sets) with an empty private directory and a pool filled
                  by `cache promote` from a cold verified run: every object comes from the pool and is hashed
                  before Go may use it
- unverified warm: the same program and pool with verification switched off (bench/cacheprog_unverified.py):
                  the difference to verified warm is what hashing and pinning cost, the rest the protocol's
- plain cold:     an empty GOCACHE every run
- verified cold:  GOCACHEPROG with an empty private directory and no pool

Runs are interleaved; the medians' ratios are printed, and the load average before and after (the machine may be
shared). Targets: verified/plain <= 1.3x warm, <= 1.05x cold.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import FLAGS, environ, generate


def build(go: str, env: dict[str, str], module: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    res = subprocess.run(
        [go, "build", *FLAGS, "-o", str(out) + "/", "."],
        cwd=module,
        env={**env, "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "amd64"},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"go build failed: {res.stderr}")
    return elapsed


def verified(env: dict[str, str], private: Path, pool: Path | None) -> dict[str, str]:
    from gobaseline.stages.gocache import program

    out = {k: v for k, v in env.items() if k != "GOCACHE"}
    out["GOCACHEPROG"] = program(private, pool)
    return out


def unverified(env: dict[str, str], private: Path, pool: Path) -> dict[str, str]:
    here = Path(__file__).resolve().parent
    src = here.parent / "src"
    prog = [sys.executable, "-I", "-S", str(here / "cacheprog_unverified.py"), str(src), "--dir", str(private)]
    out = {k: v for k, v in env.items() if k != "GOCACHE"}
    out["GOCACHEPROG"] = " ".join([*prog, "--pool", str(pool)])
    return out


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true")
    args = parser.parse_args()
    from gobaseline.golang import cacheprog
    from gobaseline.golang.gotool import Go

    with tempfile.TemporaryDirectory(prefix="bench-cacheprog-") as tmp:
        root = Path(tmp)
        module = generate(root, args.packages)
        home = root / "home"
        home.mkdir()
        warm_env = environ(root / "gocache", home)
        go = str(Go.discover(environ=warm_env).executable)
        build(go, warm_env, module, root / "out")  # fill the plain cache
        seed = root / "seed"
        build(go, verified(warm_env, seed, None), module, root / "out")
        pool = root / "pool"
        promoted, refused = cacheprog.promote(seed, pool)
        print(f"pool: {promoted} entries promoted, {refused} refused; load average {load()}")
        times: dict[str, list[float]] = {
            "plain warm": [],
            "verified warm": [],
            "unverified warm": [],
            "plain cold": [],
            "verified cold": [],
        }
        for i in range(args.runs):
            times["plain warm"].append(build(go, warm_env, module, root / "out"))
            private = root / f"private-warm-{i}"
            times["verified warm"].append(build(go, verified(warm_env, private, pool), module, root / "out"))
            shutil.rmtree(private)
            private = root / f"private-unverified-{i}"
            times["unverified warm"].append(build(go, unverified(warm_env, private, pool), module, root / "out"))
            shutil.rmtree(private)
            if args.no_cold:
                continue
            cold = environ(root / f"cold-{i}", home)
            times["plain cold"].append(build(go, cold, module, root / "out"))
            shutil.rmtree(root / f"cold-{i}")
            private = root / f"private-cold-{i}"
            times["verified cold"].append(build(go, verified(cold, private, None), module, root / "out"))
            shutil.rmtree(private)
        for name, values in times.items():
            if values:
                runs = ", ".join(f"{v:.2f}" for v in values)
                print(f"{name:15s} median {statistics.median(values):.2f} s  (runs: {runs})")
        print(f"load average {load()}")
        for kind in ("warm", "cold"):
            plain, ver = times[f"plain {kind}"], times[f"verified {kind}"]
            if plain and ver:
                ratio = statistics.median(ver) / statistics.median(plain)
                target = 1.3 if kind == "warm" else 1.05
                print(f"ratio verified/plain {kind}: {ratio:.2f}x (target <= {target}x)")
        if times["unverified warm"]:
            ratio = statistics.median(times["unverified warm"]) / statistics.median(times["plain warm"])
            print(f"ratio unverified/plain warm: {ratio:.2f}x (the protocol alone)")


if __name__ == "__main__":
    main()
