"""Cost of writing every report format for a large run, against writing the JSON report alone.

    python bench/bench_report.py [--binaries 200] [--findings 400] [--runs 7]

A generated run of a daemon-sized repository: `--binaries` artifacts, each a sparse file of `--size` MB in the
output directory with one verification note about it (the verify stage's digest is in the report: no format may
read a binary), and `--findings` findings spread over a go.mod and Go files (SARIF reads those for line
hashes). Times `write_reports` for each format alone, interleaved; prints each median and its ratio to the JSON
report's (target: every format <= 2x).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from gobaseline.commands.output import render_options, write_reports
from gobaseline.formats import FORMAT_NAMES
from gobaseline.model import Artifact, Finding, Location, Report, Severity

RULES = ("GB401", "GB404", "GB501", "GB611", "GB111")


def generate(root: Path, binaries: int, findings: int, size_mb: int = 20) -> Report:
    lines = ["module example.com/daemon", "", "go 1.26", ""]
    lines += [f"require example.com/dep{i} v1.{i}.0" for i in range(findings)]
    (root / "go.mod").write_text("\n".join(lines) + "\n")
    (root / "cmd").mkdir()
    found = []
    for i in range(findings):
        if i % 2:
            loc = Location("go.mod", 5 + i)
        else:
            src = root / "cmd" / f"c{i}.go"
            src.write_text("package main\n\nfunc main() {\n\tundefined()\n}\n")
            loc = Location(f"cmd/c{i}.go", 4, 2)
        sev = (Severity.ERROR, Severity.WARNING, Severity.NOTE)[i % 3]
        found.append(Finding(RULES[i % len(RULES)], sev, f"finding {i}: something to fix here", loc, "linux/amd64"))
    out = root / "gobaseline-out" / "linux-amd64"
    out.mkdir(parents=True)
    artifacts = []
    for i in range(binaries):
        path = f"gobaseline-out/linux-amd64/svc{i}"
        with (root / path).open("wb") as f:
            f.truncate(size_mb * 1024 * 1024)
        artifacts.append(Artifact("linux/amd64", path, size_mb * 1024 * 1024, f"{i:064x}", "elf", True, True, True))
        found.append(Finding("GB606", Severity.NOTE, f"binary {i} facts", Location(path), "linux/amd64"))
    return Report("0", str(root), tuple(found), artifacts=tuple(artifacts), targets=("linux/amd64",))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binaries", type=int, default=200)
    parser.add_argument("--findings", type=int, default=400)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", type=int, default=20, help="MB per (sparse) binary")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        root = Path(tmp)
        report = generate(root, args.binaries, args.findings, args.size)
        opts = render_options(report)
        times: dict[str, list[float]] = {name: [] for name in FORMAT_NAMES}
        for _ in range(args.runs):
            for name in FORMAT_NAMES:
                start = time.perf_counter()
                write_reports(report, (name,), root / "reports", opts)
                times[name].append(time.perf_counter() - start)
        base = statistics.median(times["json"])
        for name, values in times.items():
            median = statistics.median(values)
            print(f"{name:12s} median {median * 1000:7.1f} ms  ratio to json {median / base:5.2f}x")
        worst = max(FORMAT_NAMES, key=lambda n: statistics.median(times[n]))
        print(f"slowest format / json: {worst} {statistics.median(times[worst]) / base:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
