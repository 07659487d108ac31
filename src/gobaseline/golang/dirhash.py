"""go.sum's `h1:` hash, computed in Python (golang.org/x/mod/sumdb/dirhash, Hash1).

h1 = base64(sha256 of the lines `"<sha256 hex of the file> <name>\\n"`, sorted by name), where a name is
`<module>@<version>/<path in the module>`. A module zip hashes its entry names as they are (they carry that
prefix); an extracted tree hashes `prefix + "/" + relative path` of every file under it; a go.mod file hashes
the single name `go.mod`. Go sorts the names as byte strings, which is the code-point order Python sorts `str`
in.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import IO

_CHUNK = 1 << 20


class HashError(Exception):
    """The files cannot be hashed the way Go would (a name with a newline, a non-regular file, a bad zip)."""


def _file_sha256(fh: IO[bytes]) -> str:
    h = hashlib.sha256()
    while chunk := fh.read(_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def hash1_lines(lines: Iterable[tuple[str, str]]) -> str:
    """h1 of already computed `(name, sha256 hex)` pairs."""
    summary = hashlib.sha256()
    for name, digest in sorted(lines):
        if "\n" in name:
            raise HashError(f"file name with a newline: {name!r}")
        summary.update(f"{digest}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode("ascii")


def hash_bytes_gomod(data: bytes) -> str:
    """The go.sum `/go.mod` hash of a go.mod file's content."""
    return hash1_lines([("go.mod", hashlib.sha256(data).hexdigest())])


def hash_gomod(path: Path) -> str:
    """The go.sum `/go.mod` hash of a go.mod file (in the module cache: `cache/download/.../@v/<v>.mod`)."""
    return hash_bytes_gomod(path.read_bytes())


def hash_zip(path: Path) -> str:
    """The go.sum hash of a module zip, as `go mod download` writes it to `.ziphash`."""
    import zipfile  # only when a zip is hashed: not on the import path of `gobaseline check`

    try:
        with zipfile.ZipFile(path) as zf:
            pairs = []
            for info in zf.infolist():
                with zf.open(info) as fh:
                    pairs.append((info.filename, _file_sha256(fh)))
    except (zipfile.BadZipFile, EOFError) as e:  # not a zip, or cut short
        raise HashError(f"not a valid zip: {e}") from e
    except (NotImplementedError, RuntimeError) as e:  # a compression method, or encryption, Go never writes
        raise HashError(f"a zip the go command does not write: {e}") from e
    return hash1_lines(pairs)


def dir_files(root: Path) -> list[str]:
    """The files under `root`, as slash-separated paths relative to it (directories are not listed).

    A symlink or any other non-regular file raises HashError: Go hashes only regular files, and an extracted
    module never holds anything else.
    """
    out: list[str] = []
    stack = [(root, "")]
    while stack:
        d, rel = stack.pop()
        with os.scandir(d) as it:
            for entry in it:
                name = f"{rel}{entry.name}"
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    stack.append((Path(entry.path), name + "/"))
                elif stat.S_ISREG(st.st_mode):
                    out.append(name)
                else:
                    raise HashError(f"{name} is not a regular file")
    return out


def hash_dir(root: Path, prefix: str) -> str:
    """The go.sum hash of an extracted module tree; `prefix` is `<module>@<version>` (not escaped)."""
    if not root.is_dir():
        raise HashError(f"{root} is not a directory")
    pairs = []
    for rel in dir_files(root):
        with (root / rel).open("rb") as fh:
            pairs.append((f"{prefix}/{rel}", _file_sha256(fh)))
    return hash1_lines(pairs)
