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
  object read from the pool is hashed before Go may use it; an object whose sha256 is not its OutputID is a miss
  (Go rebuilds it) and a line in `mismatches.jsonl`, never a path handed to Go. What Go is handed is not the pool's
  path but a name in the private directory (`v/`) for the very bytes that were hashed (see `_pin`), so neither a
  rename in the pool nor a write to the pool's file can change them between the hash and Go's read.

Writes are a private temporary file in the destination directory, renamed over the name when complete, so a
reader never sees half an object and the pool may sit on another disk than the private directory. Nothing is
fsynced: a pool object is hashed on every read, so one torn by a crash is a miss, never a link; the private
directory lives as long as one job, which a crash of its machine ends.

Go asks for one object at a time and waits for each answer (a warm build is hundreds of round trips), so the
program starts light (no json, pathlib or argparse: the go command waits for it), does few system calls per
request, and closes its stdout as soon as `close` is answered. (Verifying the pool ahead of Go's requests in a
thread was measured and dropped: a warm `go build` keeps both cores of a 2-core runner busy, so it won nothing.)
"""

from __future__ import annotations

import binascii
import hashlib
import os
import stat
import sys

# The C half of the json package, without its import of re and enum (a few milliseconds the go command would wait).
from _json import encode_basestring_ascii as _json_string
from _json import make_scanner

from gobaseline.golang.cachelayer import (
    CHUNK,
    READ,
    UID,
    Entry,
    Layer,
    atomic_write,
    digest,
    link_beside,
    promote,
    temporary,
    unlink,
)

__all__ = ["MISMATCHES", "CacheError", "VerifiedCache", "command", "main", "promote", "run"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

MISMATCHES = "mismatches.jsonl"
"""In the private directory: one JSON line per pool object whose bytes did not match its OutputID."""


Outcome = tuple[str, int] | str | bool
"""What verifying a pool object gave: (path Go may read, size), the sha256 it has instead, or False (none there)."""


class CacheError(Exception):
    """A request the cache cannot answer; the message goes back to the go command as the response's Err."""


class _JSON:
    """The parsing options `_json.make_scanner` reads: the json package's defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float


_scan = make_scanner(_JSON)  # type: ignore[arg-type]


def _loads(line: bytes) -> Any:
    text = line.decode("utf-8").strip()
    try:
        value, end = _scan(text, 0)
    except StopIteration as err:
        raise ValueError(f"expecting a value at {err.value}") from None
    if end != len(text):
        raise ValueError(f"extra data at {end}")
    return value


class VerifiedCache:
    """The two layers and the three commands; `serve` speaks the protocol."""

    def __init__(self, private: str | os.PathLike[str], pool: str | os.PathLike[str] | None = None) -> None:
        self.private = Layer(private)
        self.pool = Layer(pool) if pool is not None else None
        self._pins: dict[str, Outcome] = {}  # output -> what verifying its pool object gave, once per process

    def get(self, action: str) -> dict[str, Any]:
        """The private entry, else the pool's once its object's bytes are verified; else a miss."""
        found = self._lookup(action)
        if found is None:
            return {"Miss": True}
        output, size, path = found
        return {
            "OutputID": binascii.b2a_base64(bytes.fromhex(output), newline=False).decode(),
            "Size": size,
            "DiskPath": path,
        }

    def _lookup(self, action: str) -> tuple[str, int, str] | None:
        entry = self.private.entry(action)
        if entry is not None and os.path.isfile(path := self.private.object_path(entry[0])):
            return entry[0], entry[1], path
        if self.pool is None:
            return None
        if (entry := self.pool.entry(action)) is None:
            return None
        outcome = self._pins.get(entry[0])
        if outcome is None:
            try:
                outcome = self._pin(self.pool, entry[0])
            except OSError:
                outcome = False
            self._pins[entry[0]] = outcome
        if isinstance(outcome, tuple):
            return entry[0], outcome[1], outcome[0]
        if outcome:  # the sha256 the object has instead
            self._note_mismatch(action, entry[0], str(outcome), self.pool.object_path(entry[0]))
        return None

    def _pin(self, pool: Layer, output: str) -> Outcome:
        """Give the pool's object for `output` a private name whose bytes were hashed and cannot change.

        A hard link made first pins the inode the pool's name points to now (a rename in the pool no longer
        matters), and the bytes are hashed through it. They can still change only by a write to that inode, which
        needs write permission on it: when only our own user (who can write the private directory anyway) may
        write it, the link is enough; otherwise, and when no link can be made (another disk, a file of another
        user under fs.protected_hardlinks), the bytes are copied into the private file as they are hashed.
        """
        pinned = self.private.pinned_path(output)
        try:
            info = os.lstat(pinned)
        except OSError:
            pass
        else:
            if stat.S_ISREG(info.st_mode):
                return pinned, info.st_size  # pinned earlier in this job: as trusted as a put
        link = link_beside(pool.object_path(output), pinned)
        try:
            fd = os.open(link or pool.object_path(output), READ)
        except OSError:  # missing, or a symbolic link (not followed)
            fd = -1
        tmp = ""
        try:
            if fd < 0 or not stat.S_ISREG((info := os.fstat(fd)).st_mode):
                return False
            if link and info.st_uid == UID and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                actual, size = digest(fd)
                tmp, link = link, None
            else:
                out, tmp = temporary(pinned)
                try:
                    actual, size = digest(fd, sink=out)
                finally:
                    os.close(out)
            if actual != output:
                return actual
            os.replace(tmp, pinned)
            tmp = ""
            return pinned, size
        finally:
            if fd >= 0:
                os.close(fd)
            for name in (link, tmp):
                if name:
                    unlink(name)

    def _note_mismatch(self, action: str, output: str, actual: str, source: str) -> None:
        fields = {"action": action, "output": output, "sha256": actual, "object": source}
        line = "{" + ", ".join(f"{_json_string(k)}: {_json_string(v)}" for k, v in fields.items()) + "}\n"
        os.makedirs(self.private.root, exist_ok=True)
        with open(os.path.join(self.private.root, MISMATCHES), "a", encoding="utf-8") as f:
            f.write(line)

    def put(self, action: str, output: str, body: bytes) -> dict[str, Any]:
        """Store `body` in the private layer; refuse it when its sha256 is not `output`."""
        target = self._store(output, body)
        self.private.write_entry(action, (output, len(body)))
        return {"DiskPath": target}

    def _store(self, output: str, body: bytes) -> str:
        if hashlib.sha256(body).hexdigest() != output:
            raise CacheError("put: the body's sha256 is not its OutputID")
        target = self.private.object_path(output)
        if not os.path.isfile(target):
            atomic_write(target, iter([body]))
        return target

    def serve(self, requests: IO[bytes], responses: IO[bytes]) -> None:
        """Answer the go command until `close` or the end of its input."""
        responses.write(b'{"ID":0,"KnownCommands":["get","put","close"]}\n')
        responses.flush()
        while line := requests.readline():
            if line.isspace():
                continue
            request = _decode(line)
            ident = request.get("ID", 0)
            command = request.get("Command")
            later: tuple[str, Entry] | None = None
            try:
                answer, later = self._answer(command, request, requests)
            except (CacheError, OSError) as err:
                answer = b',"Err":' + _json_string(str(err)).encode()
            responses.write(b'{"ID":%d%s}\n' % (ident if isinstance(ident, int) else 0, answer))
            responses.flush()
            if later is not None:  # a put's entry, written once Go has its answer: nothing waits for it
                self._write_entry(*later)
            if command == "close":
                break

    def _answer(
        self, command: Any, request: dict[str, Any], requests: IO[bytes]
    ) -> tuple[bytes, tuple[str, Entry] | None]:
        """The response's fields after its ID (each with its leading comma), and an entry to write afterwards."""
        if command == "get":
            found = self._lookup(_hex(request.get("ActionID"), "ActionID"))
            return (b',"Miss":true' if found is None else _hit(*found)), None
        if command == "put":
            body = _body(_next_line(requests)) if int(request.get("BodySize") or 0) > 0 else b""
            action, output = _hex(request.get("ActionID"), "ActionID"), _hex(request.get("OutputID"), "OutputID")
            return b',"DiskPath":' + _json_string(self._store(output, body)).encode(), (action, (output, len(body)))
        if command == "close":
            return b"", None
        raise CacheError(f"unknown command {command!r}")

    def _write_entry(self, action: str, entry: Entry) -> None:
        try:  # noqa: SIM105 (as in unlink)
            self.private.write_entry(action, entry)
        except OSError:
            pass  # a later get of this action misses, and Go builds it again


def _hit(output: str, size: int, path: str) -> bytes:
    oid = binascii.b2a_base64(bytes.fromhex(output), newline=False)
    return b',"OutputID":"%s","Size":%d,"DiskPath":%s' % (oid, size, _json_string(path).encode())


def _decode(line: bytes) -> dict[str, Any]:
    try:
        value = _loads(line)
    except ValueError as err:
        raise SystemExit(f"gobaseline cacheprog: a request is not JSON: {err}") from None
    if not isinstance(value, dict):
        raise SystemExit("gobaseline cacheprog: a request is not a JSON object")
    return value


def _next_line(stream: IO[bytes]) -> bytes:
    """The next line that is not blank (the go command writes an empty line between a request and its body)."""
    while (line := stream.readline()) and line.isspace():
        pass
    return line


def _body(line: bytes) -> bytes:
    """The bytes of a body line, a JSON string of base64: decoded in place (bodies are megabytes, copies cost)."""
    end = len(line)
    while end and line[end - 1] in b" \t\r\n":
        end -= 1
    try:
        if end >= 2 and line[0] == line[end - 1] == ord('"') and line.find(b"\\", 1, end - 1) < 0:
            text: Any = memoryview(line)[1 : end - 1]
        else:  # escapes, which the go command writes none of in base64: the JSON parser's
            text = _loads(line)
            if not isinstance(text, str):
                raise ValueError("not a string")
        return binascii.a2b_base64(text, strict_mode=True)
    except (ValueError, binascii.Error) as err:
        raise CacheError(f"put: the body is not a base64 JSON string: {err}") from None


def _hex(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise CacheError(f"{what} missing")
    try:
        raw = binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        raise CacheError(f"{what} is not base64") from None
    if len(raw) != 32:
        raise CacheError(f"{what} is not 32 bytes")
    return raw.hex()


def command(private: str | os.PathLike[str], pool: str | os.PathLike[str] | None = None) -> list[str]:
    """The GOCACHEPROG command line: this module by path, isolated (-I) and without site (-S), for a fast start.

    Run through a one-line -c so Python reads this module's cached bytecode (a script would be compiled every
    time); the directory holding the gobaseline package, its first argument, is put on sys.path: the module
    needs nothing else.
    """
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = (
        "import sys;sys.path.insert(0,sys.argv[1]);"
        "from gobaseline.golang.cacheprog import main;sys.exit(main(sys.argv[2:]))"
    )
    args = [sys.executable, "-I", "-S", "-c", code, package_root, "--dir", os.fspath(private)]
    if pool is not None:
        args += ["--pool", os.fspath(pool)]
    return args


def run(private: str, pool: str | None) -> None:
    """Serve on stdin and stdout; stdout is closed as soon as `close` is answered (the go command waits for that)."""
    cache = VerifiedCache(private, pool)
    with open(sys.stdin.fileno(), "rb", buffering=CHUNK, closefd=False) as requests:
        cache.serve(requests, sys.stdout.buffer)
    sys.stdout.flush()
    sys.stdout.close()
    try:  # noqa: SIM105 (as in unlink)
        os.close(1)
    except OSError:
        pass


def main(argv: list[str]) -> int:
    """`... cacheprog --dir DIR [--pool POOL]`: the GOCACHEPROG the build stage sets (see `command`).

    Kept free of gobaseline's other imports and of argparse: the go command starts it once per invocation and
    waits for it.
    """
    options: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name not in ("--dir", "--pool") or (not eq and (value := next(args, "")) == ""):
            print(f"usage: gobaseline cacheprog --dir DIR [--pool POOL] (not {arg!r})", file=sys.stderr)
            return 3
        options[name] = value
    if "--dir" not in options:
        print("usage: gobaseline cacheprog --dir DIR [--pool POOL] (--dir is required)", file=sys.stderr)
        return 3
    pool = options.get("--pool")
    if pool is not None and not os.path.isdir(pool):
        print(f"gobaseline cacheprog: the pool {pool} is not a directory", file=sys.stderr)
        return 3
    run(options["--dir"], pool)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
