"""The container's environment: writable homes and caches, the workspace safe for git, files handed back.

The image runs as root for GitHub (the workspace and the runner's files are mounted as root) and under any
`--user uid:gid` for `docker run` and pre-commit, where HOME may be missing or not writable.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path

from gobaseline import git
from gobaseline.commands.output import log

CONTAINER_WORKSPACE = Path("/github/workspace")
"""Where GitHub mounts the workspace into a Docker action's container."""


def current_uid() -> int | None:
    """The effective user id; None on Windows, which has none (the host action runs there too)."""
    geteuid = getattr(os, "geteuid", None)
    return int(geteuid()) if geteuid is not None else None


UID = current_uid()


def workspace_of(environ: Mapping[str, str]) -> Path:
    """The checked-out repository: GITHUB_WORKSPACE, else /github/workspace when it exists, else the cwd."""
    value = environ.get("GITHUB_WORKSPACE")
    if value and Path(value).is_dir():
        return Path(value).resolve()
    if CONTAINER_WORKSPACE.is_dir():
        return CONTAINER_WORKSPACE
    return Path.cwd().resolve()


def _writable(path: Path) -> bool:
    """True when `path` is a writable directory, or could be created as one."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False


def fix_environment(environ: MutableMapping[str, str], *, tmp: Path | None = None, uid: int | None = UID) -> list[str]:
    """Point HOME, GOCACHE, GOMODCACHE and GOPATH somewhere writable when they are not. Returns what moved.
    On Windows (`uid` None) HOME is left alone: Windows programs find the profile through USERPROFILE."""
    base = tmp if tmp is not None else Path(tempfile.gettempdir())
    suffix = "" if uid is None else f"-{uid}"
    moved = []
    home = environ.get("HOME", "")
    if uid is not None and (not home or not _writable(Path(home))):
        new_home = base / f"gobaseline-home{suffix}"
        new_home.mkdir(mode=0o700, parents=True, exist_ok=True)
        environ["HOME"] = str(new_home)
        moved.append(f"HOME={new_home}")
    for name, sub in (("GOCACHE", "go-build"), ("GOMODCACHE", "go-mod"), ("GOPATH", "go")):
        value = environ.get(name)
        if value and not _writable(Path(value)):
            new = base / f"gobaseline{suffix}" / sub
            new.mkdir(parents=True, exist_ok=True)
            environ[name] = str(new)
            moved.append(f"{name}={new}")
    return moved


def mark_safe(directories: Sequence[Path], environ: Mapping[str, str]) -> None:
    """Mark `directories` as git safe directories (`go build` runs git to stamp VCS information); a failure is
    one notice, never an error."""
    problem = git.mark_safe(directories, environ)
    if problem is not None:
        log(f"gobaseline: notice: could not mark the workspace as a git safe.directory: {problem}")


def hand_back(workspace: Path, since: float, *, skip: Sequence[str] = (".git",), uid: int | None = UID) -> int:
    """Give files this process created or changed under `workspace` to the workspace's owner. Returns how many.

    Only when running as root and the workspace belongs to someone else (GitHub's runner user): then files the
    action wrote would be root-owned and later steps could not change or delete them. Files older than `since`
    or owned by anyone but us are left alone; `.git` is skipped.
    """
    if uid != 0:
        return 0  # not root (or Windows): every file is the runner user's already
    st = workspace.stat()
    if st.st_uid == 0 and st.st_gid == 0:
        return 0
    count = 0
    for root, dirs, files in os.walk(workspace):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in (*dirs, *files):
            path = Path(root) / name
            try:
                info = path.lstat()
                if info.st_uid == uid and info.st_ctime >= since:
                    os.lchown(path, st.st_uid, st.st_gid)
                    count += 1
            except OSError:
                continue
    return count
