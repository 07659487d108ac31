"""The one place that runs git.

Every query passes `-c safe.directory=*`: the checkout may belong to another user (a container's workspace, a
runner's volume) and git would refuse it as "dubious ownership". `go build` runs git itself without that flag,
so the container marks its workspace safe in the global config (`mark_safe`). Every call has a timeout, and
none raises: a missing git, a hung one or a directory outside any checkout all mean "git does not know".
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

TIMEOUT = 30.0
"""Seconds any one git call may take."""


def _call(
    argv: list[str], environ: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes] | OSError | subprocess.TimeoutExpired:
    """Run git with `argv` (the environment is ours unless given); what went wrong when it could not run."""
    try:
        return subprocess.run(
            argv,
            env=None if environ is None else dict(environ),
            capture_output=True,
            check=False,
            timeout=TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return e


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    """`git -C ROOT ARGS`, or None when git cannot be started or does not finish in time."""
    proc = _call(["git", "-c", "safe.directory=*", "-C", str(root), *args])
    return proc if isinstance(proc, subprocess.CompletedProcess) else None


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


def mark_safe(directories: Iterable[Path], environ: Mapping[str, str]) -> str | None:
    """Add each directory not yet listed to `safe.directory` in the global git config of `environ` (its HOME).

    Returns why that could not be done, or None: done, or no git on the PATH of `environ` (nothing would run it).
    """
    found = shutil.which("git", path=environ.get("PATH"))
    if found is None:
        return None
    listed = _call([found, "config", "--global", "--get-all", "safe.directory"], environ)
    if not isinstance(listed, subprocess.CompletedProcess):
        return str(listed)
    known = listed.stdout.decode("utf-8", errors="replace").splitlines()
    for directory in dict.fromkeys(str(d) for d in directories):
        if directory in known:
            continue
        added = _call([found, "config", "--global", "--add", "safe.directory", directory], environ)
        if not isinstance(added, subprocess.CompletedProcess):
            return str(added)
        if added.returncode != 0:
            return added.stderr.decode("utf-8", errors="replace").strip() or f"git config exited {added.returncode}"
    return None
