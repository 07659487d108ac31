"""What a renderer may be told besides the report itself, and the places findings without a location go."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gobaseline.model import Finding, Location

SourceReader = Callable[[str], "str | None"]
"""Text of a file, given its path relative to the repository root; None when it cannot be read."""

GITHUB_STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub refuses a step summary larger than 1 MiB."""


@dataclass(frozen=True)
class RenderOptions:
    """Settings shared by the renderers. Every renderer is a pure function of the report and these options."""

    sarif_category: str = "gobaseline"
    """Code scanning category: `runAutomationDetails.id` is `<category>/` (one per analysis)."""
    fallback_path: str = "go.mod"
    """Where findings without a location are placed (line 1), relative to the repository root."""
    summary_limit_bytes: int = GITHUB_STEP_SUMMARY_LIMIT - 16 * 1024
    """The Markdown summary is cut (with an explicit note) to stay below this many UTF-8 bytes."""
    source_reader: SourceReader | None = None
    """Reads repository files for SARIF `primaryLocationLineHash`; None leaves that fingerprint out."""
    source_head: SourceReader | None = None
    """The start of a file (all of it up to `HEAD_BYTES`) for whole-file locations, whose line hash needs only the
    first line: a finding about a 100 MB binary must not read the binary. None asks `source_reader`."""
    source_is_file: Callable[[str], bool] | None = None
    """Whether a repository path is a regular file, without reading it (a finding about a 100 MB binary must not
    read the binary); None asks `source_reader`."""
    sarif_max_results: int = 25_000
    """GitHub code scanning accepts at most 25,000 results per run."""
    sarif_max_gzip_bytes: int = 10_000_000
    """GitHub code scanning refuses SARIF files larger than 10 MB gzipped."""
    fail_on: str = "error"
    """What fails the run (`error`, `warning` or `never`): the summary's headline and which findings it shows as
    blocking follow it, so a run failed by its warnings never reads "pass"."""
    blob_url: str = ""
    """Where repository files are shown on the forge at the commit checked, ending in `/` (`gobaseline.forges`
    builds it: `https://github.com/OWNER/REPO/blob/SHA/`, `https://gitlab.example/GROUP/PROJECT/-/blob/SHA/`);
    the summary links `PATH#LLINE` to it. Empty: no links."""

    def place(self, finding: Finding) -> Location:
        """The finding's location, or the fallback file at line 1 for findings about the machine."""
        return finding.location if finding.location is not None else Location(self.fallback_path, 1)

    def place_in_file(self, finding: Finding) -> Location:
        """As `place`, but a place that is not a readable file (a directory, a path outside the repository) also
        goes to the fallback: code scanning and check-run annotations can only show files."""
        loc = self.place(finding)
        if loc.line is not None or self.source_reader is None:
            return loc
        if self.source_is_file is not None:
            readable = self.source_is_file(loc.path)
        else:
            readable = self.source_reader(loc.path) is not None
        return loc if readable else Location(self.fallback_path, 1)


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class _Files:
    """The regular files inside a directory, by repository path: each directory is resolved once, then a file is one
    `lstat` (a link at the file itself is resolved in full). Strings, not pathlib: this runs for every file a report
    names, and pathlib's parsing and resolving cost more than the reads."""

    def __init__(self, root: Path) -> None:
        self.base = os.path.join(os.path.realpath(root), "")  # noqa: PTH118
        self.dirs: dict[str, str | None] = {}

    def _dir(self, parent: str) -> str | None:
        if parent not in self.dirs:
            real = os.path.join(os.path.realpath(os.path.join(self.base, parent)), "")  # noqa: PTH118
            self.dirs[parent] = real if real.startswith(self.base) else None
        return self.dirs[parent]

    def _resolved(self, target: str) -> str | None:
        target = os.path.realpath(target)
        return target if target.startswith(self.base) and os.path.isfile(target) else None  # noqa: PTH113

    def find(self, path: str) -> str | None:
        """The real path of `path` when it is a regular file inside the directory, else None."""
        parent, _, name = path.rpartition("/")
        try:
            if name in ("", ".", "..") or (os.sep != "/" and os.sep in name):
                return self._resolved(os.path.join(self.base, path))  # noqa: PTH118
            real = self._dir(parent)
            if real is None:
                return None
            target = real + name
            mode = os.lstat(target).st_mode
            if stat.S_ISLNK(mode):
                return self._resolved(target)
            return target if stat.S_ISREG(mode) else None
        except (OSError, ValueError):
            return None

    def read(self, path: str, limit: int | None = None) -> bytes | None:
        """The bytes of the file `find` finds (the first `limit` of them), or None. A file swapped for a link or a
        pipe after `find` fails to open rather than leading out or blocking."""
        target = self.find(path)
        if target is None:
            return None
        try:
            fd = os.open(target, _READ_FLAGS)
        except OSError:
            return None
        try:
            if limit is not None:
                return os.read(fd, limit)
            size = os.fstat(fd).st_size
            data = os.read(fd, size + 1)
            if len(data) <= size:
                return data
            parts = [data]  # the file grew since: read on to its end
            while chunk := os.read(fd, 1 << 16):
                parts.append(chunk)
            return b"".join(parts)
        except OSError:
            return None
        finally:
            os.close(fd)


def sources_under(root: Path) -> SourceReader:
    """A `source_reader` for files inside `root`; paths that leave the root, or unreadable files, give None.

    Bytes are decoded as UTF-8 with replacement characters, as GitHub's uploader reads them.
    """
    files = _Files(root)

    def read(path: str) -> str | None:
        data = files.read(path)
        return None if data is None else data.decode("utf-8", errors="replace")

    return read


HEAD_BYTES = 8192
"""What `heads_under` reads: far more than the 100 characters a first line's hash looks at (the SARIF renderer
reads the whole file when the head holds too few characters other than spaces and tabs)."""


def heads_under(root: Path) -> SourceReader:
    """A `source_head` for files inside `root`: the first `HEAD_BYTES`, decoded as `sources_under` does."""
    files = _Files(root)

    def read(path: str) -> str | None:
        data = files.read(path, HEAD_BYTES)
        return None if data is None else data.decode("utf-8", errors="replace")

    return read


def files_under(root: Path) -> Callable[[str], bool]:
    """A `source_is_file` for `root`: True for a regular file inside it, without reading it (asked once a path)."""
    files = _Files(root)
    known: dict[str, bool] = {}

    def is_file(path: str) -> bool:
        if path not in known:
            known[path] = files.find(path) is not None
        return known[path]

    return is_file
