"""Where the go command keeps a module version in its module cache (GOMODCACHE), and hashing what is there.

`cache/download/<escaped path>/@v/<escaped version>.{mod,zip,ziphash,info}` hold what was downloaded;
`<escaped path>@<escaped version>/` is the read-only extracted tree `go build` compiles, and a
`<escaped path>@<escaped version>.partial` file beside it marks an extraction that did not finish. Escaping
turns every upper-case letter into `!` + its lower case (golang.org/x/mod/module, EscapePath).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from gobaseline.golang import dirhash

_UPPER = re.compile("[A-Z]")


def escape(text: str) -> str:
    """The module cache's case escaping: every upper-case letter becomes `!` + its lower case."""
    return _UPPER.sub(lambda m: "!" + m.group(0).lower(), text)


@dataclass(frozen=True)
class CachedModule:
    """Where one module version lives in the module cache."""

    path: str
    version: str
    root: Path

    # Paths are computed once per module (a run asks for each several times; pathlib joins are not free).
    @cached_property
    def download_dir(self) -> Path:
        """`cache/download/<escaped path>/@v`."""
        return self.root / "cache" / "download" / escape(self.path) / "@v"

    def _file(self, suffix: str) -> Path:
        return self.download_dir / f"{escape(self.version)}{suffix}"

    @cached_property
    def mod(self) -> Path:
        """The module's go.mod as the cache keeps it."""
        return self._file(".mod")

    @cached_property
    def zip(self) -> Path:
        """The downloaded zip."""
        return self._file(".zip")

    @cached_property
    def ziphash(self) -> Path:
        """The zip's h1, as `go mod download` recorded it (what `go build` compares with go.sum)."""
        return self._file(".ziphash")

    @cached_property
    def tree(self) -> Path:
        """The read-only extracted tree that `go build` compiles."""
        return self.root / f"{escape(self.path)}@{escape(self.version)}"

    @cached_property
    def partial(self) -> Path:
        """The marker of an interrupted extraction."""
        return self.root / f"{escape(self.path)}@{escape(self.version)}.partial"

    @property
    def prefix(self) -> str:
        """`path@version`, the prefix of every name in the h1 hash."""
        return f"{self.path}@{self.version}"


@dataclass(frozen=True)
class Presence:
    """Which of a module's cache files and directories exist."""

    mod: bool
    zip: bool
    ziphash: bool
    tree: bool
    partial: bool


class Listing:
    """Directory listings of the module cache, read once per run: one `listdir` answers for every version of a
    module (and for every module under a common parent) instead of five `stat` calls per module."""

    def __init__(self) -> None:
        self._names: dict[str, frozenset[str]] = {}

    def names(self, directory: str) -> frozenset[str]:
        """The entries of `directory` (empty when it does not exist or cannot be read)."""
        got = self._names.get(directory)
        if got is None:
            try:
                got = frozenset(os.listdir(directory))  # noqa: PTH208 - names only, and fast
            except OSError:
                got = frozenset()
            self._names[directory] = got
        return got

    def presence(self, m: CachedModule) -> Presence:
        """What of `m` is in the cache."""
        files = self.names(str(m.download_dir))
        version = escape(m.version)
        parent, name = os.path.split(str(m.tree))
        top = self.names(parent)
        return Presence(
            mod=f"{version}.mod" in files,
            zip=f"{version}.zip" in files,
            ziphash=f"{version}.ziphash" in files,
            tree=name in top,
            partial=f"{name}.partial" in top,
        )


def hash_compiled(m: CachedModule) -> tuple[str, str]:
    """("tree" or "zip", h1) of what `go build` will compile: the complete extracted tree, else the zip."""
    if m.tree.is_dir() and not m.partial.exists():
        return "tree", dirhash.hash_dir(m.tree, m.prefix)
    return "zip", dirhash.hash_zip(m.zip)


@dataclass(frozen=True)
class HashJob:
    """One hash to compute: a module's cached `.mod` file, or the source `go build` will compile."""

    module: CachedModule
    kind: str
    """`mod` or `content`."""

    def __call__(self) -> tuple[str, str] | str:
        """("tree"|"zip"|"mod", h1), or why it cannot be hashed."""
        try:
            if self.kind == "mod":
                return "mod", dirhash.hash_gomod(self.module.mod)
            return hash_compiled(self.module)
        except (dirhash.HashError, OSError) as e:
            return f"cannot be hashed: {e}"


def hash_all(jobs: Iterable[HashJob], workers: int | None = None) -> dict[HashJob, tuple[str, str] | str]:
    """Run the jobs in a thread pool (file reads, zlib and sha256 over large buffers release the GIL)."""
    todo = list(jobs)
    if not todo:
        return {}
    # One thread per core: on 2 cores, more threads only add GIL contention (see bench/README.md).
    n = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=n) as pool:
        return dict(zip(todo, pool.map(HashJob.__call__, todo), strict=True))
