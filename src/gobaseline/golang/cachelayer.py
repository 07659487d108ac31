"""The verified build cache's directories (see gobaseline.golang.cacheprog): layout, atomic writes, `promote`.

Kept free of gobaseline's other imports and of slow standard modules (os.path, not pathlib, whose import brings re
and urllib): the cache program imports it at start-up, which the go command waits for.
"""

from __future__ import annotations

import _thread
import hashlib
import io
import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

CHUNK = 1 << 20
_ENTRY_LIMIT = 4096
_HEX = b"0123456789abcdef"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: without it a read is text (CRLF to LF, Ctrl-Z ends it)
READ = os.O_RDONLY | _NOFOLLOW | _BINARY | getattr(os, "O_NONBLOCK", 0)  # O_NONBLOCK: a planted FIFO must not hang us
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
UID = os.geteuid() if hasattr(os, "geteuid") else -1  # -1 (Windows): never proven, so always copied

Entry = tuple[str, int]
"""An action's result: the object's OutputID (hex) and size."""


class Layer:
    """One cache directory: `a/<xx>/<action>` holds "<output> <size>", `o/<xx>/<output>` the object's bytes."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)
        self._a, self._o, self._v = (os.path.join(self.root, d, "") for d in "aov")

    def action_path(self, action: str) -> str:
        return f"{self._a}{action[:2]}{os.sep}{action}"

    def object_path(self, output: str) -> str:
        return f"{self._o}{output[:2]}{os.sep}{output}"

    def pinned_path(self, output: str) -> str:
        """Where a verified pool object is linked or copied for Go to read (see `VerifiedCache._pin`)."""
        return self._v + output  # one directory: each new one costs a journal write

    def entry(self, action: str) -> Entry | None:
        """The entry for `action`, or None when there is none or it is not one we wrote."""
        try:
            fd = os.open(self.action_path(action), READ)
        except OSError:
            return None
        try:
            fields = os.read(fd, _ENTRY_LIMIT).split()
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(fields) != 2 or not is_hex_id(fields[0]) or not fields[1].isdigit():
            return None
        return fields[0].decode(), int(fields[1])

    def actions(self) -> Iterator[str]:
        """Every action id with an entry here."""
        for sub in listdir(os.path.join(self.root, "a")):
            path = os.path.join(self.root, "a", sub)
            if os.path.isdir(path) and not os.path.islink(path):
                yield from (name for name in listdir(path) if is_hex_name(name))

    def write_entry(self, action: str, entry: Entry) -> None:
        atomic_write(self.action_path(action), iter([f"{entry[0]} {entry[1]}\n".encode()]))


def listdir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def is_hex_id(text: bytes) -> bool:
    return len(text) == 64 and not text.translate(None, _HEX)


def is_hex_name(name: str) -> bool:
    return len(name) == 64 and name.isascii() and is_hex_id(name.encode())


def temporary(path: str) -> tuple[int, str]:
    """A fresh private file beside `path` (its directory made when missing): its descriptor and name."""
    parent, name = os.path.split(path)
    for _ in range(100):
        tmp = os.path.join(parent, f".tmp-{name[:16]}-{os.urandom(6).hex()}")
        try:
            return os.open(tmp, _CREATE, 0o600), tmp
        except FileNotFoundError:
            os.makedirs(parent, exist_ok=True)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {parent}")


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def atomic_write(path: str, chunks: Iterator[bytes]) -> None:
    """Write `chunks` to a fresh private file beside `path`, then rename it over `path`."""
    fd, tmp = temporary(path)
    try:
        try:
            for chunk in chunks:
                _write_all(fd, chunk)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        unlink(tmp)
        raise


def unlink(path: str) -> None:
    try:  # noqa: SIM105 (contextlib would cost the start-up a few milliseconds)
        os.unlink(path)
    except OSError:
        pass


def digest(fd: int, sink: int | None = None) -> tuple[str, int]:
    """The hex sha256 of what is left to read from `fd` and its length, written to `sink` too when given.

    Read into one buffer per thread, reused: a fresh bytes object per read would cost page faults on megabytes."""
    buf = _BUFFERS.get(_thread.get_ident()) or _BUFFERS.setdefault(_thread.get_ident(), memoryview(bytearray(CHUNK)))
    digest = hashlib.sha256()
    total = 0
    reader = io.FileIO(fd, "r", closefd=False)
    while n := reader.readinto(buf):
        digest.update(buf[:n])
        total += n
        if sink is not None:
            _write_all(sink, buf[:n])
    return digest.hexdigest(), total


_BUFFERS: dict[int, memoryview] = {}


def link_beside(source: str, pinned: str) -> str | None:
    """A new hard link to `source` (not followed if a symbolic link) beside `pinned`, or None when none can be made."""
    parent, name = os.path.split(pinned)
    for _ in range(2):
        tmp = os.path.join(parent, f".tmp-{name[:16]}-{os.urandom(6).hex()}")
        try:
            os.link(source, tmp, follow_symlinks=False)
            return tmp
        except FileNotFoundError:
            if os.path.isdir(parent):
                return None  # the source is missing
            os.makedirs(parent, exist_ok=True)
        except OSError:
            return None
    return None


def promote(private: str | os.PathLike[str], pool: str | os.PathLike[str]) -> tuple[int, int]:
    """Copy the private layer's verified objects and entries into `pool`: (promoted, refused) counts.

    Objects first, then their entries, each written atomically into the pool's own directories, so a job reading
    the pool meanwhile sees either the old state or a complete new entry.
    """
    source, target = Layer(private), Layer(pool)
    promoted = refused = 0
    for action in source.actions():
        entry = source.entry(action)
        if entry is None:
            continue
        dest = target.object_path(entry[0])
        try:
            ok = os.path.isfile(dest) or _copy_verified(source.object_path(entry[0]), dest, entry[0])
        except OSError:
            ok = False
        if ok:
            target.write_entry(action, entry)
            promoted += 1
        else:
            refused += 1
    return promoted, refused


def _copy_verified(path: str, dest: str, output: str) -> bool:
    """Copy `path` to `dest` atomically when its bytes hash to `output`; False (and no `dest`) when not."""
    fd = os.open(path, READ)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False
        out, tmp = temporary(dest)
        try:
            actual, _ = digest(fd, sink=out)
        finally:
            os.close(out)
    finally:
        os.close(fd)
    if actual != output:
        unlink(tmp)
        return False
    os.replace(tmp, dest)
    return True
