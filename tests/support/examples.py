"""The bundled examples, copied for a test without what a local run left in them."""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LEFT_BY_RUNS = shutil.ignore_patterns("gobaseline-out", "reports")
"""What `gobaseline run examples/hello` (the README's first command) writes inside the example."""


def copy_example(name: str, dst: Path) -> Path:
    """A copy of examples/`name` at `dst`, as a fresh clone has it."""
    shutil.copytree(EXAMPLES / name, dst, ignore=LEFT_BY_RUNS)
    return dst
