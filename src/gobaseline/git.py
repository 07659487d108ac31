"""The one place that runs git.

Every call passes `-c safe.directory=*`: the checkout may belong to another user (a container's workspace, a
runner's volume) and git would refuse it as "dubious ownership". Every call has a timeout, and none raises: a
missing git, a hung one or a directory outside any checkout all mean "git does not know".
"""

from __future__ import annotations

import subprocess
from pathlib import Path

TIMEOUT = 30.0
"""Seconds any one git call may take."""


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    """`git -C ROOT ARGS`, or None when git cannot be started or does not finish in time."""
    try:
        return subprocess.run(
            ["git", "-c", "safe.directory=*", "-C", str(root), *args],
            capture_output=True,
            check=False,
            timeout=TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def toplevel(path: Path) -> Path | None:
    """The top level of the git checkout holding `path` (resolved), or None outside a checkout."""
    proc = _run(path, "rev-parse", "--show-toplevel")
    if proc is None or proc.returncode != 0:
        return None
    top = proc.stdout.decode("utf-8", errors="replace").strip()
    return Path(top).resolve() if top else None


def has_commit(root: Path, sha: str) -> bool:
    """True when the clone at `root` holds commit `sha` (a shallow fetch may not)."""
    proc = _run(root, "cat-file", "-e", f"{sha}^{{commit}}")
    return proc is not None and proc.returncode == 0


def show(root: Path, rev: str, path: str) -> bytes | None:
    """The bytes of `path` (relative to the repository root, forward slashes) at `rev`, or None when that
    revision has no such file or git cannot tell."""
    proc = _run(root, "show", f"{rev}:{path}")
    if proc is None or proc.returncode != 0:
        return None
    return proc.stdout
