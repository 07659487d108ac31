"""The baseline file `.gobaseline-baseline.json`: findings a team accepted for now, each by its fingerprint.

    {"version": 1, "entries": [{"fingerprint": "…", "rule": "GB404", "file": "go.mod", "line": 5,
      "message": "…", "owner": "platform-team", "ticket": "OPS-12", "expires": "2026-06-30"}]}

`fingerprint` and `rule` are required; `file`, `line` and `message` are for the person reading the file (the
fingerprint alone matches, so an entry keeps matching when lines move); `target`, `owner`, `ticket` and `expires`
(YYYY-MM-DD, valid through that day) are optional. `gobaseline baseline` writes it; `gobaseline.rollout` applies
it. On a change under review the target's copy is read from git objects, as the policy is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gobaseline import git, safefs
from gobaseline.errors import BaselineError, GobaselineError
from gobaseline.model import Finding

BASELINE_FILENAME = ".gobaseline-baseline.json"
VERSION = 1
LIMIT = 8 * 1024 * 1024
"""Bytes a baseline file may have: tens of thousands of entries."""

_TEXT_KEYS = ("rule", "file", "message", "target", "owner", "ticket")


@dataclass(frozen=True)
class Entry:
    """One accepted finding."""

    fingerprint: str
    rule: str
    file: str | None = None
    line: int | None = None
    """Where the finding was when it was accepted; informational, never matched."""
    message: str = ""
    target: str | None = None
    owner: str = ""
    ticket: str = ""
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        """True after the expiry date (an entry is valid through the day it names)."""
        return self.expires is not None and today > self.expires

    def who(self) -> str:
        """`owner, ticket` as far as given, for messages; empty when neither is."""
        return ", ".join(x for x in (self.owner, self.ticket) if x)

    def to_dict(self) -> dict[str, Any]:
        """The entry as the file holds it (empty fields left out)."""
        d: dict[str, Any] = {"fingerprint": self.fingerprint, "rule": self.rule}
        for key in ("file", "line", "message", "target", "owner", "ticket"):
            value = getattr(self, key)
            if value not in (None, ""):
                d[key] = value
        if self.expires is not None:
            d["expires"] = self.expires.isoformat()
        return d


@dataclass(frozen=True)
class Baseline:
    """The entries of one baseline file and where it was read."""

    entries: tuple[Entry, ...] = ()
    path: str = BASELINE_FILENAME
    """The file, relative to the repository root (absolute when outside it), for findings that point into it."""
    source: str = ""
    """Where it was read: `path`, or `path@<sha>` on a change (the target's copy)."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each entry's fingerprint in the file."""


def parse(data: bytes, source: str, path: str = BASELINE_FILENAME) -> Baseline:
    """Read a baseline file; a BaselineError names `source` and the entry and key that are wrong."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise BaselineError(f"not UTF-8 text (byte {e.start})", path=source) from e
    except json.JSONDecodeError as e:
        raise BaselineError(f"not JSON: {e.msg}", path=source, line=e.lineno) from e
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise BaselineError('expected an object with "version": 1 and a list "entries"', path=source)
    if doc.get("version", VERSION) != VERSION:
        raise BaselineError(f"key version: {doc.get('version')!r} is not {VERSION}", path=source)
    text = data.decode("utf-8")
    entries, lines = [], {}
    for i, raw in enumerate(doc["entries"]):
        entry = _entry(raw, f"entries[{i}]", source)
        entries.append(entry)
        at = text.find(json.dumps(entry.fingerprint))
        lines[entry.fingerprint] = text.count("\n", 0, at) + 1 if at >= 0 else 1
    return Baseline(tuple(entries), path, source, lines)


def _entry(raw: Any, where: str, source: str) -> Entry:
    def bad(message: str) -> BaselineError:
        return BaselineError(f"{where}: {message}", path=source)

    if not isinstance(raw, dict):
        raise bad("expected an object")
    unknown = sorted(set(raw) - {*_TEXT_KEYS, "fingerprint", "line", "expires"})
    if unknown:
        raise bad(f"unknown key {unknown[0]!r}")
    for key in ("fingerprint", "rule"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise bad(f"key {key}: required, a non-empty string")
    for key in _TEXT_KEYS:
        if key in raw and not isinstance(raw[key], str):
            raise bad(f"key {key}: expected a string")
    line = raw.get("line")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line < 1):
        raise bad("key line: expected a line number")
    expires = None
    if "expires" in raw:
        try:
            expires = dt.date.fromisoformat(raw["expires"])
        except (TypeError, ValueError):
            raise bad(f"key expires: {raw['expires']!r} is not a date (YYYY-MM-DD)") from None
    return Entry(
        raw["fingerprint"],
        raw["rule"],
        raw.get("file"),
        line,
        raw.get("message", ""),
        raw.get("target"),
        raw.get("owner", ""),
        raw.get("ticket", ""),
        expires,
    )


def dumps(entries: Iterable[Entry]) -> str:
    """The file's text: entries by file, line and rule, one key per line so a review diff is readable."""
    ordered = sorted(entries, key=lambda e: (e.file or "", e.line or 0, e.rule, e.fingerprint))
    return json.dumps({"version": VERSION, "entries": [e.to_dict() for e in ordered]}, indent=2) + "\n"


def merge(
    findings: Iterable[Finding],
    old: Baseline | None,
    *,
    owner: str = "",
    ticket: str = "",
    expires: dt.date | None = None,
) -> list[Entry]:
    """One entry per finding: an entry already in `old` keeps its owner, ticket and expiry; a new one gets these.
    Entries of `old` that no finding matches are dropped."""
    kept = {e.fingerprint: e for e in old.entries} if old is not None else {}
    out: dict[str, Entry] = {}
    for f in findings:
        if f.fingerprint in out:
            continue
        loc = f.location
        prior = kept.get(f.fingerprint)
        out[f.fingerprint] = Entry(
            f.fingerprint,
            f.rule_id,
            loc.path if loc else None,
            loc.line if loc else None,
            f.message,
            f.target,
            prior.owner if prior else owner,
            prior.ticket if prior else ticket,
            prior.expires if prior else expires,
        )
    return list(out.values())


def read_file(path: Path, display: str) -> Baseline | None:
    """The baseline file at `path` in the working tree, or None when there is none."""
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data = safefs.read_bytes(path, limit=LIMIT, what="baseline file")
    except BaselineError:
        raise
    except GobaselineError as e:
        raise BaselineError(e.message, path=display) from e
    return parse(data, display, display)


def read_at(root: Path, base: str, path: str) -> Baseline | None:
    """The baseline file at `path` (repository-relative) on commit `base`, from git objects; None when that commit
    has none. A symbolic link or anything but a regular file there is refused, never followed."""
    where = f"{path}@{base[:12]}"
    entries = git.tree_entries(root, base, [path])
    if entries is None:
        raise BaselineError("git cannot read the target's commit", path=where)
    entry = entries.get(path)
    if entry is None:
        return None
    if not entry.is_file:
        raise BaselineError(f"is {entry.kind} on the target's commit: a baseline is read only from a file", path=where)
    data = git.blob(root, entry.oid, limit=LIMIT)
    if data is None:
        raise BaselineError(f"git cannot read it, or it is larger than {LIMIT} bytes", path=where)
    return parse(data, where, path)
