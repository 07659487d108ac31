"""A CI job on a warm runner: act + the composite action against setup-go with its cache and a plain go build.

    python bench/bench_action.py [--packages 300] [--runs 5] [--targets linux/amd64]

Both jobs run with act (tests/e2e/infra: the podman socket, the runner image with a hosted Go) on a module made by
bench_build.generate, in one git repository, interleaved, each on a fresh job container:

- gobaseline: the Go put on PATH (what actions/setup-go does; offline), then `uses: gobaseline/gobaseline@v1`
  with `targets:`, posting to the loopback GitHub fake (check run, status, SARIF) as a real job does;
- plain:      the same Go step, actions/cache/restore of GOMODCACHE and GOCACHE keyed like setup-go's cache (and
  the save on a miss, as setup-go's post step), then `go build` with the flags gobaseline builds with, per target.

actions/cache is the functional offline stand-in of the e2e tests (tests/e2e/actions_cache), with one store for
both jobs. A first untimed run of each job fills the caches; the timed runs restore them (warm). Reported: the
median and best wall time of act per job, the ratio (target <= 1.3x) and the median of each step act timed.
Needs the e2e infrastructure (tests/e2e/infra/setup.sh, base-images.sh) and PyPI (the composite's pip install).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_build import generate  # noqa: E402

from tests.e2e.conftest import git, run  # noqa: E402
from tests.e2e.infra.act import (  # noqa: E402
    SET_UP_GO,
    act_argv,
    action_cache,
    build_go_runner,
    event,
    lock_text,
)
from tests.e2e.infra.podman import e2e_env, e2e_home, missing_infra, podman_service  # noqa: E402
from tests.support.github_api import FakeGitHub  # noqa: E402

RESTORE = "actions/cache/restore@5a3ec84eff668545956fd18022155c47e93e2684"
SAVE = "actions/cache/save@5a3ec84eff668545956fd18022155c47e93e2684"
KEY = "setup-go-${{ runner.os }}-${{ runner.arch }}-go-${{ steps.go.outputs.version }}-${{ hashFiles('**/go.sum') }}"
"""setup-go's cache key (its own: `setup-go-${platform}-${arch}-go-${version}-${hash of go.sum}`)."""
FLAGS = '-trimpath -buildmode=pie -ldflags="-s -w -bindnow"'

GOBASELINE = f"""name: gobaseline
on: push
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
{SET_UP_GO}      - uses: gobaseline/gobaseline@v1
        with:
          targets: @TARGETS@
"""

PLAIN = f"""name: plain
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
{SET_UP_GO}      - id: go
        run: |
          echo "version=$(go env GOVERSION)" >>"$GITHUB_OUTPUT"
          printf 'paths<<EOF\\n%s\\n%s\\nEOF\\n' "$(go env GOMODCACHE)" "$(go env GOCACHE)" >>"$GITHUB_OUTPUT"
      - id: cache
        uses: {RESTORE}
        with:
          path: ${{{{ steps.go.outputs.paths }}}}
          key: {KEY}
      - name: go build
        run: |
          for target in @TARGETS@; do
            CGO_ENABLED=0 GOOS="${{target%/*}}" GOARCH="${{target#*/}}" go build {FLAGS} -o "out/${{target/\\//_}}/" .
          done
      - if: steps.cache.outputs.cache-hit != 'true'
        uses: {SAVE}
        with:
          path: ${{{{ steps.go.outputs.paths }}}}
          key: ${{{{ steps.cache.outputs.cache-primary-key }}}}
"""

STEP = re.compile(r"(?:✅|❌)\s+(?:Success|Failure) - (.+?) \[([0-9.]+)(ms|s|m[0-9.]+s)?\]")


def _seconds(value: str, unit: str | None) -> float:
    if unit == "ms":
        return float(value) / 1000
    return float(value)


def steps(output: str) -> dict[str, float]:
    """Seconds of each step act timed ('Main gobaseline', 'Main Install gobaseline', ...)."""
    found: dict[str, float] = {}
    for match in STEP.finditer(output):
        name, value, unit = match.groups()
        if unit and unit.startswith("m") and unit != "ms":  # 1m2.5s
            found[name] = found.get(name, 0.0) + float(value) * 60 + float(unit[1:-1])
        else:
            found[name] = found.get(name, 0.0) + _seconds(value, unit)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5, help="timed runs per job (median and best reported)")
    ap.add_argument("--targets", default="linux/amd64", help="comma-separated GOOS/GOARCH")
    args = ap.parse_args()
    reason = missing_infra()
    if reason:
        raise SystemExit(reason)
    infra = e2e_env()
    runner = build_go_runner(infra)
    lock = lock_text()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]

    base = e2e_home() / "work"
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="b", dir=base) as tmp_s:
        tmp = Path(tmp_s)
        module = generate(tmp, args.packages)
        workflows = module / ".github" / "workflows"
        workflows.mkdir(parents=True)
        (workflows / "gobaseline.yml").write_text(GOBASELINE.replace("@TARGETS@", ",".join(targets)), encoding="utf-8")
        (workflows / "plain.yml").write_text(PLAIN.replace("@TARGETS@", " ".join(targets)), encoding="utf-8")
        (module / ".gitignore").write_text("gobaseline-out/\nout/\n", encoding="utf-8")
        git(module, "init", "-q")
        git(module, "remote", "add", "origin", "https://github.com/octo/benchmod.git")
        git(module, "add", "-A")
        git(module, "commit", "-q", "-m", "benchmod")
        head = git(module, "rev-parse", "HEAD").strip()
        payload = tmp / "event.json"
        payload.write_text(json.dumps(event("push", head, head, repo="octo/benchmod")), encoding="utf-8")
        store = tmp / "store"
        store.mkdir()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log
        api = FakeGitHub(token="ghs_" + "0" * 36, repo="octo/benchmod")
        api.start()

        def job(name: str, n: int) -> tuple[float, dict[str, float]]:
            for out in ("gobaseline-out", "out"):  # a fresh checkout
                shutil.rmtree(module / out, ignore_errors=True)
            state = tmp / f"{name}-{n}"
            state.mkdir()
            action_cache(state / "actcache", lock)
            (state / "home").mkdir()
            env = {**infra, "HOME": str(state / "home")}
            with podman_service(state / "sock", env=infra) as docker_host:
                env["DOCKER_HOST"] = docker_host
                argv = act_argv(
                    "push", payload, runner=runner, action_cache=state / "actcache", api_url=api.base_url,
                    token=api.token, store=store,
                )  # fmt: skip
                argv += ["-W", str(workflows / f"{name}.yml")]
                start = time.perf_counter()
                ran = run(argv, cwd=module, env=env, timeout=1800)
                elapsed = time.perf_counter() - start
            shutil.rmtree(state, ignore_errors=True)
            if ran.returncode != 0:
                raise SystemExit(f"{name} job failed:\n{ran.output[-6000:]}")
            return elapsed, steps(ran.output)

        try:
            print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
            fill = {name: job(name, 0)[0] for name in ("gobaseline", "plain")}  # untimed: fills the caches
            print(f"module: {args.packages} packages; targets {','.join(targets)}; cold runs (fill the caches): "
                  f"gobaseline {fill['gobaseline']:.1f} s, plain {fill['plain']:.1f} s")  # fmt: skip
            times: dict[str, list[float]] = {"gobaseline": [], "plain": []}
            parts: dict[str, list[dict[str, float]]] = {"gobaseline": [], "plain": []}
            for i in range(args.runs):  # interleaved, alternating which goes first: background load drifts
                order = ("gobaseline", "plain") if i % 2 == 0 else ("plain", "gobaseline")
                for name in order:
                    seconds, timed = job(name, i + 1)
                    times[name].append(seconds)
                    parts[name].append(timed)
            for name in ("gobaseline", "plain"):
                runs = ", ".join(f"{t:.1f}" for t in times[name])
                print(f"{name:10} median {statistics.median(times[name]):.1f} s  best {min(times[name]):.1f} s"
                      f"  (runs: {runs})")  # fmt: skip
                keys = list(dict.fromkeys(k for p in parts[name] for k in p))
                print("    steps (median s): " + ", ".join(
                    f"{k} {statistics.median(p.get(k, 0.0) for p in parts[name]):.1f}" for k in keys
                ))  # fmt: skip
            g, p = statistics.median(times["gobaseline"]), statistics.median(times["plain"])
            print(f"ratio gobaseline / plain: {g / p:.2f}x median, "
                  f"{min(times['gobaseline']) / min(times['plain']):.2f}x best (target <= 1.3x)")  # fmt: skip
            print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        finally:
            api.stop()


if __name__ == "__main__":
    main()
