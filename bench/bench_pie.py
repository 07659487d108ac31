"""Benchmark: the build stage's up-front PIE check for the four default targets, against one `go env -json`.

The check asks the toolchain (`Go.pie_check`: `go list -buildmode=pie` of an empty main package per target, all
targets at once) through the stage's own `_plan_targets`; the baseline is the `go env -json NAMES` every run
starts with (`Go.env`). Each run starts from a fresh `Go` object, so nothing is answered from the previous run.
Also printed: the same four targets one after the other, one target that builds against one that is refused, and
the same probe with `go build -n -buildmode=pie -o /dev/null` (which gives the same answers), which is how the
go command to ask was chosen. Usage (from the repository root, venv active):

    python bench/bench_pie.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src"))

from gobaseline.golang.gotool import Go  # noqa: E402
from gobaseline.model import Stage  # noqa: E402
from gobaseline.policy import DEFAULT_TARGETS, Policy  # noqa: E402
from gobaseline.stages import Context, StageResult, build, build_options  # noqa: E402
from gobaseline.stages.packages import Selection  # noqa: E402
from tests.support.goproxy import rmtree  # noqa: E402
from tests.support.toolchains import isolated_go_env  # noqa: E402


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def show(label: str, runs: list[float]) -> None:
    print(f"{label:<34} best {min(runs) * 1000:6.1f} ms, median {statistics.median(runs) * 1000:6.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-pie-"))
    try:
        env = isolated_go_env(root, root / "gocache")
        opts, _ = build_options.plan_options(Policy().build, None)

        def fresh() -> Go:
            go = Go.discover(environ=env)
            go.executable  # noqa: B018 - $GOROOT/bin/go, as gobaseline runs it
            return go

        def up_front() -> None:
            go = fresh()
            ctx = Context(root, root, Policy(), go, DEFAULT_TARGETS, root / "out")
            result = StageResult(Stage.BUILD)
            jobs = build._plan_targets(
                ctx, result, go, opts=opts, chosen=Selection(), out_root=root / "out", bindnow=True
            )
            assert len(jobs) == len(DEFAULT_TARGETS) and not result.findings, result.findings

        def one_by_one() -> None:
            go = fresh()
            for t in DEFAULT_TARGETS:
                assert go.pie_check(*t.split("/")).supported is True

        def go_env() -> None:
            assert fresh().env["GOVERSION"]

        def one_yes() -> None:
            assert fresh().pie_check("linux", "amd64").supported is True

        def one_no() -> None:
            assert fresh().pie_check("linux", "riscv64").supported is False

        probe = root / "probe"  # what pie_check writes, for the `go build -n` alternative
        probe.mkdir()
        (probe / "go.mod").write_text("module gobaseline.invalid/piecheck\n", encoding="utf-8")
        (probe / "main.go").write_text("package main\n\nfunc main() {}\n", encoding="utf-8")

        def build_n(go: Go, target: str) -> None:
            goos, _, goarch = target.partition("/")
            args = ["build", "-n", "-buildmode=pie", "-o", os.devnull, "."]
            res = go.run(args, cwd=probe, extra_env={"CGO_ENABLED": "0", "GOOS": goos, "GOARCH": goarch})
            assert res.ok, res.stderr

        def build_n_at_once() -> None:
            go = fresh()
            with ThreadPoolExecutor() as pool:
                list(pool.map(lambda t: build_n(go, t), DEFAULT_TARGETS))

        def build_n_one() -> None:
            build_n(fresh(), "linux/amd64")

        cases = {
            "go env -json NAMES (baseline)": go_env,
            "up-front check, 4 targets at once": up_front,
            "4 targets one after the other": one_by_one,
            "1 target that builds (linux/amd64)": one_yes,
            "1 target refused (linux/riscv64)": one_no,
            "go build -n instead, 4 at once": build_n_at_once,
            "go build -n instead, 1 target": build_n_one,
        }
        for fn in cases.values():  # warm the page cache and GOCACHE (the std file lists `go build -n` stores)
            fn()
        # Interleaved, so that a burst of load on the shared machine hits every case alike.
        runs: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.repeat):
            for k, fn in cases.items():
                runs[k] += timings(fn, 1)
        print(f"{fresh().version}, {len(DEFAULT_TARGETS)} default targets {', '.join(DEFAULT_TARGETS)}")
        for k, v in runs.items():
            show(k, v)
        env_runs, check_runs = runs["go env -json NAMES (baseline)"], runs["up-front check, 4 targets at once"]
        serial, build_runs = runs["4 targets one after the other"], runs["go build -n instead, 4 at once"]
        print(
            f"ratio up-front check / go env: {min(check_runs) / min(env_runs):.1f}x best, "
            f"{statistics.median(check_runs) / statistics.median(env_runs):.1f}x median"
        )
        print(
            f"ratio at once / one after the other: {min(check_runs) / min(serial):.2f}x best, "
            f"{statistics.median(check_runs) / statistics.median(serial):.2f}x median"
        )
        print(
            f"ratio go list / go build -n, 4 at once: {min(check_runs) / min(build_runs):.2f}x best, "
            f"{statistics.median(check_runs) / statistics.median(build_runs):.2f}x median"
        )
    finally:
        rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
