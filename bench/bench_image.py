"""The container image: its size against the sum of its parts, and the cold start of the entrypoint.

    python bench/bench_image.py               # builds localhost/gobaseline:bench from the Dockerfile first
    python bench/bench_image.py --no-build --image localhost/gobaseline:e2e --repeat 5

Size: the image against the python base image plus the Go toolchain directory (/usr/local/go of the golang
image): what the image adds on top of the two parts it cannot do without (target: at most +40 MB).
Cold start: `podman run --rm IMAGE check .` on a copy of examples/hello, from the start of `podman run` to
the first line of admission output, and to the end; the container is new each time (nothing cached in it).
Needs the e2e infrastructure (tests/e2e/infra/setup.sh and base-images.sh).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.infra.podman import GOLANG_IMAGE, PYTHON_IMAGE, e2e_env  # noqa: E402

MB = 1_000_000


def podman(env: dict[str, str], *args: str) -> str:
    return subprocess.run(["podman", *args], env=env, capture_output=True, text=True, check=True).stdout.strip()


def image_size(env: dict[str, str], ref: str) -> int:
    return int(podman(env, "image", "inspect", "--format", "{{.Size}}", ref))


def dir_size(env: dict[str, str], ref: str, path: str) -> int:
    out = podman(env, "run", "--rm", "--entrypoint", "du", ref, "-sb", path)
    return int(out.split()[0])


def first_output(env: dict[str, str], argv: list[str]) -> tuple[float, float, int]:
    """Seconds to the first output line, seconds to exit, exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    proc.stdout.readline()
    first = time.perf_counter() - start
    proc.stdout.read()
    code = proc.wait()
    return first, time.perf_counter() - start, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default="localhost/gobaseline:bench")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = e2e_env()

    if not args.no_build:
        start = time.perf_counter()
        podman(env, "build", "-q", "-t", args.image, str(REPO))
        print(f"build: {time.perf_counter() - start:.1f} s (layer cache as found)")

    total = image_size(env, args.image)
    base = image_size(env, PYTHON_IMAGE)
    go = dir_size(env, GOLANG_IMAGE, "/usr/local/go")
    venv = dir_size(env, args.image, "/opt/gobaseline")
    overhead = total - base - go
    print(f"image {args.image}: {total / MB:.1f} MB")
    print(f"  python base {PYTHON_IMAGE}: {base / MB:.1f} MB")
    print(f"  Go toolchain /usr/local/go: {go / MB:.1f} MB")
    print(f"  sum of the parts: {(base + go) / MB:.1f} MB")
    print(f"  overhead: {overhead / MB:+.1f} MB (target <= +40 MB: {'ok' if overhead <= 40 * MB else 'OVER'})")
    print(f"  of which the gobaseline venv /opt/gobaseline: {venv / MB:.1f} MB")

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "hello"
        shutil.copytree(REPO / "examples" / "hello", repo)
        argv = ["podman", "run", "--rm", "-v", f"{repo}:/src", "-w", "/src", args.image]
        runs = [first_output(env, [*argv, "--version"]) for _ in range(args.repeat)]
        print(f"cold start, entrypoint to `--version`: median {statistics.median(r[0] for r in runs):.2f} s")
        runs = [first_output(env, [*argv, "check", "."]) for _ in range(args.repeat)]
        firsts = [r[0] for r in runs]
        ends = [r[1] for r in runs]
        print(
            f"cold start, `check .` to first admission output: median {statistics.median(firsts):.2f} s "
            f"(runs: {', '.join(f'{x:.2f}' for x in firsts)}); to exit: median {statistics.median(ends):.2f} s, "
            f"exit {runs[0][2]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
