"""Benchmark: publishing a report with many findings to the fake GitHub API (tests/support/github_api.py).

Counts the requests and times a whole `publish` (check run look-up and create, annotations 50 per update,
commit status, SARIF upload and polls) against the local contract-checked server, for N findings, best of R
runs. The check run part must take 2 + ceil(N/50) requests. Usage (from the repository root, venv active):

    python bench/bench_publish.py [--findings 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from gobaseline.forges import PublishOptions, publish  # noqa: E402
from tests.support.github_api import FakeGitHub, expected_requests, github_env, sample_report, write_files  # noqa: E402


def once(findings: int, tmp: Path) -> tuple[float, Counter[str], int]:
    """One publish against a fresh server: seconds, requests per route, annotations stored."""
    fake = FakeGitHub(token="ghs_bench")  # noqa: S106 (a made-up token for the local server)
    fake.start()
    try:
        report = sample_report(errors=findings, warnings=0, notes=0)
        files = write_files(tmp / "out", report)
        env = github_env(fake, tmp)
        start = time.perf_counter()
        result = publish(report, files, env, options=PublishOptions(), stream=io.StringIO(), sleep=fake.clock.sleep)
        seconds = time.perf_counter() - start
        if result.findings:
            raise SystemExit(f"publish degraded: {result.findings[0].message}")
        if fake.problems:
            raise SystemExit("requests outside the API description:\n" + "\n".join(fake.problems))
        stored = sum(len(a) for a in fake.annotations.values())
        return seconds, Counter(r.route for r in fake.requests), stored
    finally:
        fake.stop()


def main() -> int:
    """Run the benchmark and print what it measured."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    times: list[float] = []
    routes: Counter[str] = Counter()
    stored = 0
    with tempfile.TemporaryDirectory() as d:
        for i in range(args.repeat):
            seconds, routes, stored = once(args.findings, Path(d) / str(i))
            times.append(seconds)
    check = routes["list-check-runs"] + routes["create-check-run"] + routes["update-check-run"]
    print(f"findings: {args.findings}, annotations stored: {stored}")
    print(f"requests: {sum(routes.values())} in all")
    for route, n in sorted(routes.items()):
        print(f"  {route}: {n}")
    print(f"check run requests: {check} (expected 2 + ceil(N/50) = {expected_requests(args.findings)})")
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"seconds: best {min(times):.2f}, median {statistics.median(times):.2f} (runs: {runs})")
    return 0 if check == expected_requests(args.findings) and stored == args.findings else 1


if __name__ == "__main__":
    sys.exit(main())
