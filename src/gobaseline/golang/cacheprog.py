"""A GOCACHEPROG program that makes Go's build cache a security boundary: private writes over a verified pool.

The go command (1.24 and later, `GOCACHEPROG`) asks a child process for cache entries over stdin/stdout, one JSON
object per line; a `put` with a body is followed by a line holding the body as a base64 JSON string. Facts from
cmd/go/internal/cacheprog and cache/prog.go (our own implementation): the child first writes its capabilities
(`{"ID":0,"KnownCommands":[...]}`), then answers each request by ID; `get` returns the OutputID, the size and a
`DiskPath` that must exist until `close`; `put` stores the body and returns its `DiskPath`. ActionID and OutputID
travel as base64 (Go's []byte in JSON), and the OutputID of every object is the sha256 of its bytes.

Go itself checks only an object's size. Here the cache has two layers:

- the **private** directory, written only by this job (every `put` lands there, checked against its OutputID);
- an optional **pool** shared between jobs, never written here (`promote` fills it from a trusted run). Every
  object read from the pool is hashed before its path is handed to Go; an object whose sha256 is not its
  OutputID is a miss (Go rebuilds it) and a line in `mismatches.jsonl`, never a path handed to Go. The pool is
  read-only while jobs read it (restored by the CI's cache step, or a read-only mount); `promote` replaces a
  name only with a file of the same verified content, by rename.

Writes are a private temporary file in the destination directory, renamed over the name when complete, so a
reader never sees half an object and the pool may sit on another disk than the private directory.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MISMATCHES = "mismatches.jsonl"
"""In the private directory: one JSON line per pool object whose bytes did not match its OutputID."""

_CHUNK = 1 << 20
_ENTRY_LIMIT = 4096
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: without it a read is text (CRLF to LF, Ctrl-Z ends it)


class CacheError(Exception):
    """A request the cache cannot answer; the message goes back to the go command as the response's Err."""


@dataclass(frozen=True)
class Entry:
    """An action's result: the object's OutputID (hex) and size."""

    output: str
    size: int


class Layer:
    """One cache directory: `a/<xx>/<action>` holds "<output> <size>", `o/<xx>/<output>` the object's bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._base = os.fspath(root)

    def action_path(self, action: str) -> str:
        return os.path.join(self._base, "a", action[:2], action)

    def object_path(self, output: str) -> str:
        return os.path.join(self._base, "o", output[:2], output)

    def entry(self, action: str) -> Entry | None:
        """The entry for `action`, or None when there is none or it is not one we wrote."""
        try:
            fd = os.open(self.action_path(action), os.O_RDONLY | _NOFOLLOW | _BINARY)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            text = f.read(_ENTRY_LIMIT).decode("ascii", "replace").split()
        if len(text) != 2 or not _is_hex_id(text[0]) or not text[1].isdigit():
            return None
        return Entry(text[0], int(text[1]))

    def actions(self) -> Iterator[str]:
        """Every action id with an entry here."""
        base = self.root / "a"
        if base.is_dir():
            for sub in sorted(base.iterdir()):
                if sub.is_dir() and not sub.is_symlink():
                    yield from sorted(p.name for p in sub.iterdir() if _is_hex_id(p.name))

    def write_entry(self, action: str, entry: Entry) -> None:
        _atomic_write(self.action_path(action), iter([f"{entry.output} {entry.size}\n".encode()]))


def _is_hex_id(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _atomic_write(path: str, chunks: Iterator[bytes]) -> None:
    """Write `chunks` to a fresh private file beside `path`, then rename it over `path`."""
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sha256_of_regular_file(path: str) -> str | None:
    """The hex sha256 of the regular file at `path` (not followed if a link), or None when it is not one."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_chunks(f: IO[bytes], digest: Any) -> Iterator[bytes]:
    while chunk := f.read(_CHUNK):
        digest.update(chunk)
        yield chunk


class VerifiedCache:
    """The two layers and the three commands; `serve` speaks the protocol."""

    def __init__(self, private: Path, pool: Path | None = None) -> None:
        self.private = Layer(private)
        self.pool = Layer(pool) if pool is not None else None

    def get(self, action: str) -> dict[str, Any]:
        """The private entry, else the pool's once its object's bytes are verified; else a miss."""
        entry = self.private.entry(action)
        if entry is not None and os.path.isfile(self.private.object_path(entry.output)):
            return self._hit(entry, self.private.object_path(entry.output))
        if self.pool is None or (entry := self.pool.entry(action)) is None:
            return {"Miss": True}
        source = self.pool.object_path(entry.output)
        actual = _sha256_of_regular_file(source)
        if actual is None:
            return {"Miss": True}
        if actual != entry.output:
            self._note_mismatch(action, entry, actual, source)
            return {"Miss": True}
        return self._hit(entry, source)

    @staticmethod
    def _hit(entry: Entry, path: str) -> dict[str, Any]:
        return {
            "OutputID": base64.b64encode(bytes.fromhex(entry.output)).decode(),
            "Size": entry.size,
            "DiskPath": path,
        }

    def _note_mismatch(self, action: str, entry: Entry, actual: str, source: str) -> None:
        line = json.dumps({"action": action, "output": entry.output, "sha256": actual, "object": source})
        self.private.root.mkdir(parents=True, exist_ok=True)
        with open(self.private.root / MISMATCHES, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def put(self, action: str, output: str, body: bytes) -> dict[str, Any]:
        """Store `body` in the private layer; refuse it when its sha256 is not `output`."""
        if hashlib.sha256(body).hexdigest() != output:
            raise CacheError("put: the body's sha256 is not its OutputID")
        target = self.private.object_path(output)
        if not os.path.isfile(target):
            _atomic_write(target, iter([body]))
        self.private.write_entry(action, Entry(output, len(body)))
        return {"DiskPath": target}

    def serve(self, requests: IO[bytes], responses: IO[bytes]) -> None:
        """Answer the go command until `close` or the end of its input."""
        _send(responses, {"ID": 0, "KnownCommands": ["get", "put", "close"]})
        while line := requests.readline():
            if not line.strip():
                continue
            request = _decode(line)
            ident = request.get("ID", 0)
            command = request.get("Command")
            try:
                body = b""
                if command == "put" and int(request.get("BodySize") or 0) > 0:
                    body = _body(_next_line(requests))
                answer = self._answer(command, request, body)
            except CacheError as err:
                answer = {"Err": str(err)}
            _send(responses, {"ID": ident, **answer})
            if command == "close":
                return

    def _answer(self, command: Any, request: dict[str, Any], body: bytes) -> dict[str, Any]:
        if command == "close":
            return {}
        if command not in ("get", "put"):
            raise CacheError(f"unknown command {command!r}")
        action = _hex(request.get("ActionID"), "ActionID")
        if command == "get":
            return self.get(action)
        return self.put(action, _hex(request.get("OutputID"), "OutputID"), body)


def _send(out: IO[bytes], message: dict[str, Any]) -> None:
    out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    out.flush()


def _decode(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError as err:
        raise SystemExit(f"gobaseline cacheprog: a request is not JSON: {err}") from None
    if not isinstance(value, dict):
        raise SystemExit("gobaseline cacheprog: a request is not a JSON object")
    return value


def _next_line(stream: IO[bytes]) -> bytes:
    """The next line that is not blank (the go command writes an empty line between a request and its body)."""
    while (line := stream.readline()) and not line.strip():
        pass
    return line


def _body(line: bytes) -> bytes:
    try:
        text = json.loads(line)
        if not isinstance(text, str):
            raise ValueError("not a string")
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as err:
        raise CacheError(f"put: the body is not a base64 JSON string: {err}") from None


def _hex(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise CacheError(f"{what} missing")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise CacheError(f"{what} is not base64") from None
    if len(raw) != 32:
        raise CacheError(f"{what} is not 32 bytes")
    return raw.hex()


def promote(private: Path, pool: Path) -> tuple[int, int]:
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
        obj = source.object_path(entry.output)
        digest = hashlib.sha256()
        try:
            with open(obj, "rb") as f:
                dest = target.object_path(entry.output)
                if not os.path.isfile(dest):
                    _atomic_write(dest, _read_chunks(f, digest))
                    ok = digest.hexdigest() == entry.output
                    if not ok:
                        os.unlink(dest)
                else:
                    ok = True
        except OSError:
            ok = False
        if ok:
            target.write_entry(action, entry)
            promoted += 1
        else:
            refused += 1
    return promoted, refused


def main(argv: list[str]) -> int:
    """`python -m gobaseline.golang.cacheprog --dir DIR [--pool POOL]`: the GOCACHEPROG the build stage sets.

    Kept free of gobaseline's other imports: the go command starts it once per invocation and waits for it.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="gobaseline cacheprog")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--pool", type=Path)
    args = parser.parse_args(argv)
    if args.pool is not None and not args.pool.is_dir():
        print(f"gobaseline cacheprog: the pool {args.pool} is not a directory", file=sys.stderr)
        return 3
    VerifiedCache(args.dir, args.pool).serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.exit(main(sys.argv[1:]))
