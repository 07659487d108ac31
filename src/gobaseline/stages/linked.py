"""Binaries left in place for `go build` to relink only when needed, and the proof that each is go's output.

`go build -o OUT` does not link again when the file at OUT carries a build ID that starts with the action ID of
this build's link (cmd/go/internal/work `useCache`): a hash of the toolchain, every compiled input, the flags
and the environment that reach the link. That check reads the ID the file claims and nothing else, so it
defends against a stale binary (other flags, other sources: other action ID, relinked) but not a planted one: Go
builds are reproducible, so anyone can learn the action ID and write a file of other content that claims it.
Neither the build info nor the content ID (the last part of the build ID, a hash of the file) helps: a forger
computes both for their own bytes.

So the proof is not in the file but in its history, as the kernel keeps it:

1. Before the build, an existing binary is left only if its identity (device, inode, size, mtime and ctime, in
   nanoseconds) is the one recorded in `RECORD_NAME` right after a go command wrote it or proved it. Anything
   else (no record, a file written, replaced, renamed or chmod-ed since) is removed, so go links it afresh. The
   ctime cannot be set from user space: a file checked out, copied, restored or edited has a new one.
2. A kept file is held open during the build, so its inode cannot be freed and reused. Afterwards the path
   names either a new inode (go linked and moved or copied its output there: go never writes into an existing
   binary, it removes or renames over it) or the same inode (go judged it up to date from this run's action ID
   and only touched its times; its bytes are those recorded as go's output of a link with that action ID).
3. Either way the file is this run's output, and its identity after the build is recorded for the next run.
   A failed build removes every binary of its target: nothing of the last run stays behind it.

What this does not defend against: a process that writes the output directory while the build runs, or code
that ran on the machine before the job with the job's rights (it could also change the toolchain). On Windows
`st_ctime` is the creation time, which an in-place write keeps, so there every binary is removed before its
build, as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from gobaseline import safefs

RECORD_NAME = ".gobaseline-linked.json"
_SCHEMA = 1
KEEPS = os.name != "nt"
"""Whether binaries are left for go to judge (see the module docstring for Windows)."""


def identity(st: os.stat_result) -> list[int]:
    """What a binary's record holds: (device, inode, size, mtime ns, ctime ns)."""
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class Ledger:
    """The record of the binaries in one output directory that are proven go's output; safe across threads."""

    def __init__(self, out_root: Path) -> None:
        self.out_root = out_root
        self.path = out_root / RECORD_NAME
        self._known = self._load() if KEEPS else {}
        self._lock = threading.Lock()

    def _load(self) -> dict[str, list[int]]:
        try:
            data = json.loads(safefs.read_text(self.path, limit=safefs.TEXT_LIMIT, what="record of linked binaries"))
        except (safefs.FileAccessError, ValueError):
            return {}
        entries = data.get("binaries") if isinstance(data, dict) and data.get("schema") == _SCHEMA else None
        if not isinstance(entries, dict):
            return {}
        return {
            str(k): v
            for k, v in entries.items()
            if isinstance(v, list) and len(v) == 5 and all(type(n) is int for n in v)
        }

    def _key(self, path: Path) -> str:
        return path.relative_to(self.out_root).as_posix()

    @contextlib.contextmanager
    def around(self, paths: Sequence[Path]) -> Iterator[Job]:
        """Keep or remove `paths` before one target's go build (the block), pinning what is kept."""
        job = Job(self, paths)
        try:
            job.prepare()
            yield job
        finally:
            job.close()

    def _take(self, path: Path) -> list[int] | None:
        with self._lock:
            return self._known.pop(self._key(path), None)

    def _put(self, path: Path, st: os.stat_result) -> None:
        with self._lock:
            self._known[self._key(path)] = identity(st)

    def save(self) -> str | None:
        """Write the record (atomically, never through a planted link). A record that cannot be written only
        costs the next run a link; the reason is returned for the log."""
        if not KEEPS:
            return None
        with self._lock:
            text = json.dumps({"schema": _SCHEMA, "binaries": dict(sorted(self._known.items()))}, indent=1)
        try:
            safefs.write_text(self.path, text + "\n")
        except safefs.FileAccessError as e:
            return f"{self.path}: {e.message}"
        return None


class Job:
    """One target's binaries around its go build."""

    def __init__(self, ledger: Ledger, paths: Sequence[Path]) -> None:
        self._ledger = ledger
        self._paths = list(paths)
        self._pins: dict[Path, int] = {}
        """Open descriptors of the binaries kept for go to judge: their inodes stay allocated until we look."""
        self.problems: list[str] = []
        """Binaries that could be neither kept nor removed: the build must not run."""
        self.up_to_date: list[Path] = []
        """Binaries go left as they were (set by `settle`)."""

    def prepare(self) -> None:
        for p in self._paths:
            recorded = self._ledger._take(p)
            if recorded is not None and self._pin(p, recorded):
                continue
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            except OSError as e:
                self.problems.append(f"cannot remove {p.name} from the last build: {e.strerror or e}")

    def _pin(self, path: Path, recorded: list[int]) -> bool:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return False
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and identity(st) == recorded:
            self._pins[path] = fd
            return True
        os.close(fd)
        return False

    def settle(self, ok: bool) -> None:
        """After the build: record what go wrote or kept; after a failure, remove every binary of the target."""
        for p in self._paths:
            if not ok:
                with contextlib.suppress(OSError):
                    p.unlink(missing_ok=True)
                continue
            try:
                st = os.lstat(p)
            except OSError:
                continue  # missing: verify reports it
            if not stat.S_ISREG(st.st_mode):
                continue
            fd = self._pins.get(p)
            if fd is not None:
                pinned = os.fstat(fd)
                if (pinned.st_dev, pinned.st_ino) == (st.st_dev, st.st_ino):
                    self.up_to_date.append(p)
            self._ledger._put(p, st)

    def close(self) -> None:
        for fd in self._pins.values():
            os.close(fd)
        self._pins.clear()
