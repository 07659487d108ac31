"""File access that a planted link or a special file cannot turn against the run (which often runs as root).

Writes never follow a symbolic link: the directories on the way are opened one at a time with `O_NOFOLLOW`
relative to the one before (so a link swapped in after a check is refused too), the data goes to a fresh
private name in the target's directory (`O_CREAT | O_EXCL | O_NOFOLLOW`, never a fixed `.tmp` name another
user could plant), and is renamed over the target only when complete. Permission bits do not stop root, so
nothing here relies on them.

Reads follow links (a user may point at a linked policy on purpose) but accept only regular files, checked
before opening and again on the open descriptor, opened non-blocking so a FIFO swapped in cannot hang the run,
and never read beyond a limit, so `/dev/zero` or a huge file cannot exhaust memory.

On POSIX the directories are walked by descriptor (`dir_fd`). Windows has no `dir_fd`: there each component is
checked by name (a symbolic link or a junction is refused) just before it is used, which a link swapped in between
could still beat; making one needs the right to create symbolic links, which the runner's user has not by default.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from gobaseline.errors import GobaselineError

__all__ = [
    "BINARY_LIMIT",
    "DIR_FD",
    "NOFOLLOW",
    "NONBLOCK",
    "OPEN_FLAGS",
    "TEXT_LIMIT",
    "FileAccessError",
    "RefusedPath",
    "ensure_dir",
    "read_bytes",
    "read_text",
    "sha256",
    "write_bytes",
    "write_text",
]

TEXT_LIMIT = 16 * 1024 * 1024
"""A generous bound for the text files gobaseline reads (policy, go.mod, reports, CI event payloads)."""
BINARY_LIMIT = 2 * 1024 * 1024 * 1024
"""A bound for the binaries gobaseline verifies; Go services of several hundred megabytes exist."""

OPEN_FLAGS = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
"""For every `os.open`: Windows reads and writes a descriptor as text without O_BINARY (LF becomes CRLF, Ctrl-Z
ends a read); POSIX passes it to child processes without O_CLOEXEC (Windows never does)."""
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
"""0 on Windows, which has no O_NOFOLLOW: there the path is checked by name first."""
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
"""0 on Windows, which has no FIFOs to block on."""
DIR_FD = os.open in os.supports_dir_fd
"""POSIX: directories are opened and walked by descriptor. False on Windows (see the module's docstring)."""
_IO_REPARSE_TAG_MOUNT_POINT = 0xA0000003
"""A junction's reparse tag (Windows' stat module alone defines it)."""
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | NOFOLLOW | OPEN_FLAGS
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileAccessError(GobaselineError):
    """A file gobaseline must read or write cannot be: missing, unreadable, not UTF-8."""


class RefusedPath(FileAccessError):
    """A path gobaseline refuses on purpose: a symbolic link or special file where it writes, a special file or
    an oversized one where it reads."""


def kind_of(mode: int) -> str:
    """What a file of this mode is, for messages: "a FIFO", "a directory", ..."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _absolute(path: Path) -> Path:
    """`path` made absolute with `..` removed by name, never by following links (resolve() would follow)."""
    return Path(os.path.normpath(path.absolute()))


def _split(directory: Path, root: Path | None) -> tuple[Path, list[str]]:
    """The directory to trust as given, and the components below it that must be real directories.

    With `root`, everything below `root` is checked. Without it, the deepest existing ancestor of `directory`
    is checked too, so a planted `reports -> /etc` is refused whether or not the caller names a root.
    """
    directory = _absolute(directory)
    if root is not None:
        root = _absolute(root)
        try:
            rel = directory.relative_to(root)
        except ValueError:
            raise RefusedPath(f"is outside {root}", path=str(directory)) from None
        return root, list(rel.parts)
    existing = directory
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    start = existing.parent if existing != existing.parent else existing
    return start, list(directory.relative_to(start).parts)


def _walk(start: Path, parts: list[str], *, create: bool) -> int | None:
    """A descriptor of start/parts..., each component opened without following links (created when asked); None
    without `dir_fd` (Windows), where each component is checked by name instead."""
    if not DIR_FD:
        _walk_by_name(start, parts, create=create)
        return None
    try:
        fd = os.open(start, _DIR_FLAGS & ~NOFOLLOW)
    except OSError as e:
        raise FileAccessError(f"cannot open the directory: {e.strerror or e}", path=str(start)) from e
    here = start
    try:
        for name in parts:
            here = here / name
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise FileAccessError("the directory does not exist", path=str(here)) from None
                # Made at the same moment by someone else: the open below checks what it is.
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o755, dir_fd=fd)
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except OSError as e:
        os.close(fd)
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise RefusedPath(
                f"is {_lstat_kind(here)}, not a directory: gobaseline does not write through it", path=str(here)
            ) from e
        raise FileAccessError(f"cannot open the directory: {e.strerror or e}", path=str(here)) from e
    except BaseException:
        os.close(fd)
        raise
    return fd


def _walk_by_name(start: Path, parts: list[str], *, create: bool) -> None:
    if not start.is_dir():
        raise FileAccessError("cannot open the directory: it is not one", path=str(start))
    here = start
    for name in parts:
        here = here / name
        try:
            try:
                st = os.lstat(here)
            except FileNotFoundError:
                if not create:
                    raise FileAccessError("the directory does not exist", path=str(here)) from None
                with contextlib.suppress(FileExistsError):
                    here.mkdir(0o755)
                st = os.lstat(here)
        except OSError as e:
            raise FileAccessError(f"cannot open the directory: {e.strerror or e}", path=str(here)) from e
        if _is_link(st) or not stat.S_ISDIR(st.st_mode):
            raise RefusedPath(f"is {_kind(st)}, not a directory: gobaseline does not write through it", path=str(here))


def _is_link(st: os.stat_result) -> bool:
    """A symbolic link, or a Windows junction (which lstat reports as a directory)."""
    return stat.S_ISLNK(st.st_mode) or getattr(st, "st_reparse_tag", 0) == _IO_REPARSE_TAG_MOUNT_POINT


def _kind(st: os.stat_result) -> str:
    return "a junction" if _is_link(st) and not stat.S_ISLNK(st.st_mode) else kind_of(st.st_mode)


def _lstat_kind(path: Path) -> str:
    try:
        return _kind(os.lstat(path))
    except OSError:
        return "not a directory"


def ensure_dir(path: Path, *, root: Path | None = None) -> Path:
    """Create `path` and its missing parents, refusing a symbolic link or a non-directory on the way.

    Every component below `root` is checked (without `root`: below the deepest existing ancestor's parent).
    Returns `path`.
    """
    start, parts = _split(path, root)
    fd = _walk(start, parts, create=True)
    if fd is not None:
        os.close(fd)
    return path


def write_bytes(path: Path, data: bytes, *, root: Path | None = None) -> None:
    """Replace `path` with `data` atomically, never following a symbolic link; the parent must exist.

    Refuses (RefusedPath) when `path` is a link or not a regular file, or when a directory between `root`
    and `path` is a link (without `root`: `path`'s own directory). The file ends up with mode 0644 minus the
    umask, whatever mode an earlier file had.
    """
    target = _absolute(path)
    name = target.name
    if not name:
        raise RefusedPath("is a directory, not a file", path=str(path))
    start, parts = _split(target.parent, root)
    dir_fd = _walk(start, parts, create=False)
    if dir_fd is None:  # no dir_fd (Windows): by name, in the directory just checked
        _replace_in(None, str(target), data, target)
        return
    try:
        _replace_in(dir_fd, name, data, target)
    finally:
        os.close(dir_fd)


def _replace_in(dir_fd: int | None, name: str, data: bytes, target: Path) -> None:
    """Replace `name` (relative to `dir_fd`; without one, the whole path) with `data`."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        pass
    else:
        if _is_link(st) or not stat.S_ISREG(st.st_mode):
            raise RefusedPath(f"is {_kind(st)}, not a regular file: gobaseline does not write it", path=str(target))
    # A fresh unpredictable name, created exclusively: a link planted at any name cannot redirect the write.
    tmp = str(Path(name).with_name(f".{Path(name).name}.{secrets.token_hex(8)}.tmp"))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | OPEN_FLAGS
    try:
        fd = os.open(tmp, flags, 0o644, dir_fd=dir_fd)  # the kernel applies the umask
    except OSError as e:
        raise FileAccessError(f"cannot create a file beside it: {e.strerror or e}", path=str(target)) from e
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        if isinstance(e, OSError):
            raise FileAccessError(f"cannot write: {e.strerror or e}", path=str(target)) from e
        raise
    # So that the rename itself survives a crash; some file systems cannot sync a directory, and the data is safe.
    if dir_fd is not None:
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)


def write_text(path: Path, text: str, *, root: Path | None = None) -> None:
    """`write_bytes` of `text` encoded as UTF-8 (newlines as given); a lone surrogate (what `os.fsdecode` makes
    of a file name that is not UTF-8) is written as its backslash escape, so the file stays valid UTF-8."""
    write_bytes(path, text.encode("utf-8", errors="backslashreplace"), root=root)


def read_bytes(path: Path, *, limit: int, what: str) -> bytes:
    """The content of the regular file `path` (links followed), at most `limit` bytes.

    `what` names the file in errors ("policy file"). Refuses (RefusedPath) a FIFO, device, directory or
    socket before opening it, and a file larger than `limit`.
    """
    return b"".join(_chunks(path, limit, what, whole=True))  # one chunk, returned as it is: no second copy


def sha256(path: Path, *, limit: int, what: str) -> str:
    """The sha256 (hex) of the regular file `path`, read as `read_bytes` would but a MiB at a time, never whole."""
    digest = hashlib.sha256()
    for chunk in _chunks(path, limit, what):
        digest.update(chunk)
    return digest.hexdigest()


def _chunks(path: Path, limit: int, what: str, *, whole: bool = False) -> Iterator[bytes]:
    """The file's bytes a MiB at a time; `whole`: the first read asks for the size the file has (one read for a
    regular file, so a binary of hundreds of MB is in memory once, not once in pieces and again joined)."""
    try:
        before = path.stat()
    except OSError as e:
        raise FileAccessError(f"cannot read the {what}: {e.strerror or e}", path=str(path)) from e
    _check_readable(before, path, limit, what)
    try:
        # O_NONBLOCK: if a FIFO replaced the file since the stat, open returns at once instead of waiting.
        fd = os.open(path, os.O_RDONLY | NONBLOCK | OPEN_FLAGS)
    except OSError as e:
        raise FileAccessError(f"cannot read the {what}: {e.strerror or e}", path=str(path)) from e
    try:
        try:
            st = os.fstat(fd)
        except OSError as e:
            raise FileAccessError(f"cannot read the {what}: {e.strerror or e}", path=str(path)) from e
        _check_readable(st, path, limit, what)
        left = limit + 1  # one byte more than allowed tells a file that grew past the limit
        size = max(st.st_size + 1, 1 << 16) if whole else 1 << 20
        while left > 0:
            try:
                chunk = os.read(fd, min(left, size))
            except OSError as e:
                raise FileAccessError(f"cannot read the {what}: {e.strerror or e}", path=str(path)) from e
            if not chunk:
                return
            left -= len(chunk)
            if left <= 0:
                raise RefusedPath(f"the {what} is larger than {limit} bytes", path=str(path))
            size = 1 << 20
            yield chunk
    finally:
        os.close(fd)


def _check_readable(st: os.stat_result, path: Path, limit: int, what: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise RefusedPath(f"the {what} is {kind_of(st.st_mode)}, not a regular file", path=str(path))
    if st.st_size > limit:
        raise RefusedPath(f"the {what} has {st.st_size} bytes, more than the limit of {limit}", path=str(path))


def read_text(path: Path, *, limit: int, what: str) -> str:
    """`read_bytes` decoded as UTF-8; invalid UTF-8 is a FileAccessError naming the file and the byte offset."""
    data = read_bytes(path, limit=limit, what=what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FileAccessError(f"the {what} is not UTF-8 text (byte {e.start})", path=str(path)) from e
