"""The start-up log: capturing what the service prints, and checking its first lines are structured JSON.

The first `probe.log_lines` non-blank lines of stdout (of stderr when stdout is empty) must be JSON objects with
every `probe.required_fields` entry: `ts` an RFC 3339 time, `level` a usual level name, `service` and `version`
non-empty strings, any other field present and not null; `version` must equal the stamped version when there is
one. Output is data: it is quoted only after `sanitise`, and read in bounded lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

LEVELS = frozenset({"trace", "debug", "info", "notice", "warn", "warning", "error", "dpanic", "panic", "fatal"})
"""Level names accepted in `level`, compared case-insensitively; slog's `INFO+2` forms are accepted too."""

KEEP_TAIL = 12
"""How many last lines of each stream are kept for messages."""
_MAX_LINE = 64 * 1024
_KEEP_HEAD = 200
_TAIL_LINE = 300
_EXCERPT = 120

_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_LEVEL = re.compile(r"([A-Za-z]+)([+-]\d+)?")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def is_rfc3339(value: str) -> bool:
    """True for an RFC 3339 date-time (`T` separator, `Z` or a numeric offset, any number of fraction digits).

    `datetime.fromisoformat` in Python 3.11 reads at most 6 fraction digits, and Go prints 9
    (`2026-11-25T09:48:41.143690822Z`), so the fraction is cut to microseconds before the calendar is checked.
    """
    m = _RFC3339.fullmatch(value)
    if m is None:
        return False
    date, hh, mm, ss, frac, tz = m.groups()
    if ss == "60":  # a leap second is valid RFC 3339; datetime cannot hold it
        ss = "59"
    text = f"{date}T{hh}:{mm}:{ss}{(frac or '')[:7]}{'+00:00' if tz in 'Zz' else tz}"
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_level(value: str) -> bool:
    """True for a usual level name (`info`, `WARN`, `warning`...), optionally with slog's `+N`/`-N` suffix."""
    m = _LEVEL.fullmatch(value.strip())
    return m is not None and m.group(1).lower() in LEVELS


def sanitise(text: str, workdir: str | None = None) -> str:
    """A line of service output made safe to quote: no terminal escapes or control characters, bounded."""
    text = _CONTROL.sub("", _ANSI.sub("", text.replace("\t", " "))).rstrip()
    if workdir:
        text = text.replace(workdir, "<workdir>")
    return text if len(text) <= _TAIL_LINE else text[: _TAIL_LINE - 1] + "…"


@dataclass(frozen=True)
class LogLine:
    """One start-up log line: which stream, its 1-based line number there, its text."""

    stream: str
    number: int
    text: str

    @property
    def where(self) -> str:
        """`stdout line 3`."""
        return f"{self.stream} line {self.number}"


def startup_lines(stdout: Sequence[str], stderr: Sequence[str], count: int) -> list[LogLine]:
    """The first `count` non-blank lines of stdout, or of stderr when stdout has none."""
    for name, lines in (("stdout", stdout), ("stderr", stderr)):
        picked = [LogLine(name, i, t) for i, t in enumerate(lines, 1) if t.strip()][:count]
        if picked:
            return picked
    return []


def _excerpt(text: str) -> str:
    text = sanitise(text)
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def _field_problem(name: str, value: Any) -> str | None:
    """Why one required field's value is bad, or None."""
    if value is None:
        return "is null"
    if name == "ts":
        if not isinstance(value, str) or not is_rfc3339(value):
            return f"is {_excerpt(json.dumps(value))}, not an RFC 3339 time such as 2026-01-02T15:04:05.999Z"
    elif name == "level":
        if not isinstance(value, str) or not is_level(value):
            return f"is {_excerpt(json.dumps(value))}, not a level name (debug, info, warn, error, fatal...)"
    elif name in ("service", "version") and (not isinstance(value, str) or not value.strip()):
        return f"is {_excerpt(json.dumps(value))}, not a non-empty string"
    return None


def check_logs(
    lines: Sequence[LogLine], required: Sequence[str], stamped_version: str | None
) -> tuple[list[str], list[str] | None, list[str] | None]:
    """Problems of the start-up log: (not JSON, bad fields, wrong version); None where a check cannot run."""
    not_json: list[LogLine] = []
    objects: list[tuple[LogLine, dict[str, Any]]] = []
    for line in lines:
        try:
            obj = json.loads(line.text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            objects.append((line, obj))
        else:
            not_json.append(line)
    json_problems: list[str] = []
    if not lines:
        json_problems.append("the service wrote no log line at start-up")
    elif not_json:
        first = not_json[0]
        more = f" ({len(not_json)} of the first {len(lines)} lines are not)" if len(not_json) > 1 else ""
        json_problems.append(f"{first.where} is not a JSON object: `{_excerpt(first.text)}`{more}")
    if not objects:
        return json_problems, None, None

    # One problem per field and kind, naming the first line and how many others share it.
    seen: dict[tuple[str, str], list[LogLine]] = {}
    for line, obj in objects:
        for name in required:
            kind = "is missing" if name not in obj else _field_problem(name, obj[name])
            if kind is not None:
                seen.setdefault((name, kind), []).append(line)
    field_problems = []
    for (name, kind), where in seen.items():
        more = f" (and {len(where) - 1} more)" if len(where) > 1 else ""
        field_problems.append(f"`{name}` {kind} on {where[0].where}{more}")

    if stamped_version is None:
        return json_problems, field_problems, None
    logged = [(line, obj["version"]) for line, obj in objects if isinstance(obj.get("version"), str)]
    if not logged:
        return json_problems, field_problems, None
    wrong = [(line, v) for line, v in logged if v != stamped_version]
    version_problems = []
    if wrong:
        line, value = wrong[0]
        more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
        version_problems.append(
            f"{line.where} logs version {_excerpt(json.dumps(value))} but the build stamped "
            f"{json.dumps(stamped_version)}{more}; log the stamped variable"
        )
    return json_problems, field_problems, version_problems


class OutputReader:
    """Drains one pipe on a thread; keeps the first lines whole (bounded) and the last ones for messages."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=KEEP_TAIL)
        self.count = 0
        self._stream = stream
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        cut = False
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: self._stream.readline(_MAX_LINE), b""):
                ends = chunk.endswith(b"\n")
                if not cut:
                    text = chunk.decode("utf-8", errors="replace").rstrip("\r\n")
                    self.count += 1
                    if len(self.head) < _KEEP_HEAD:
                        self.head.append(text)
                    self.tail.append(text)
                cut = not ends  # an over-long line: drop the rest of it

    def join(self, timeout: float) -> None:
        """Wait for the end of the stream (bounded: a process holding the pipe open cannot block us)."""
        self._thread.join(timeout)

    def lines(self) -> list[str]:
        return list(self.head)
