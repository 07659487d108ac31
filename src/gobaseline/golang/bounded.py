"""Running a go command for a short answer (`go env`), bounded in time and in what it prints: a `--go` that hangs
or prints without end is an error, never a stuck job or a full memory."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gobaseline.errors import GoCommandError

QUERY_TIMEOUT = 60.0
"""How long `go env` may take (a few milliseconds on a working toolchain): a go command that hangs is an error."""
QUERY_LIMIT = 1 << 20
"""How much `go env` may print: a go command that prints without end is an error, not a full memory."""


def capture(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float | None = None,
    limit: int | None = None,
    cwd: Path | str | None = None,
) -> tuple[int, str, str]:
    """Run `cmd` for a short answer: (exit code, stdout, stderr), each stream at most `limit` bytes
    (default `QUERY_TIMEOUT`, `QUERY_LIMIT`).

    Raises GoCommandError when it cannot start, takes longer than `timeout` or prints more than `limit`: it is
    killed then, and a child of it that keeps the pipes open is not waited for.
    """
    try:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except (OSError, ValueError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise GoCommandError(f"cannot run the go command {cmd[0]}: {why}") from e
    timeout = QUERY_TIMEOUT if timeout is None else timeout
    limit = QUERY_LIMIT if limit is None else limit
    streams = (proc.stdout, proc.stderr)
    got: list[bytearray] = [bytearray(), bytearray()]
    over = threading.Event()

    def pump(stream: Any, buf: bytearray) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(1 << 16):
                if len(buf) + len(chunk) > limit:
                    over.set()
                    proc.kill()
                    return
                buf += chunk

    pumps = [threading.Thread(target=pump, args=(s, b), daemon=True) for s, b in zip(streams, got, strict=True)]
    for t in pumps:
        t.start()
    name = " ".join(cmd[1:3])
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise GoCommandError(f"`go {name}` ({cmd[0]}) did not answer within {timeout:g} s") from None
    finally:
        for t in pumps:
            t.join(1.0)  # a grandchild that holds the pipes open is not waited for
    if over.is_set():
        raise GoCommandError(f"`go {name}` ({cmd[0]}) printed more than {limit} bytes")
    return code, got[0].decode("utf-8", "replace"), got[1].decode("utf-8", "replace")
