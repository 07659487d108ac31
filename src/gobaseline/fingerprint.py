"""Finding fingerprints that survive line moves: the one place a finding's identity is computed.

A fingerprint is sha256 over the rule id, the file, the content of the offending line (whitespace collapsed) with
the count of earlier lines of that file with the same content, the target and a message key; never the line
number. Inserting lines above a finding, or comment lines between findings, keeps every fingerprint, so the
baseline, SARIF `partialFingerprints` and Code Quality see the same finding as the same finding (GitHub's
`primaryLocationLineHash` and GitLab's fingerprint expect exactly that).

The message key drops line references (`go.mod:12:3`, `line 12`). When the line's content is known it anchors the
finding, so the key drops every number: a message that quotes the allowed Go releases keeps its key when a new
release comes out. Without content (a finding about the machine, a directory, a file gobaseline cannot read) the
numbers stay: they may be all that tells two findings apart (two versions of one module).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_LINE_REF = re.compile(r"(?<=[^\s:]):\d+(?::\d+)?\b|\b(lines?) \d+(?:\s*-\s*\d+)?")
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Anchor:
    """The content of a finding's line: whitespace collapsed, and which of the file's lines with that content it
    is (1 for the first)."""

    text: str
    occurrence: int


def message_key(message: str, *, anchored: bool) -> str:
    """The part of a message that identifies a finding: no line references, and no numbers at all when the line's
    content anchors it; whitespace collapsed."""
    key = _LINE_REF.sub(lambda m: m.group(1) or "", message)
    if anchored:
        key = _NUMBER.sub("#", key)
    return _SPACE.sub(" ", key).strip()


def compute(rule_id: str, path: str | None, target: str | None, message: str, anchor: Anchor | None) -> str:
    """The fingerprint (32 hex digits) of a finding of `rule_id` in `path` (None: about the machine)."""
    fields = [rule_id, path or "", target or "", message_key(message, anchored=anchor is not None)]
    if anchor is not None:
        fields += [anchor.text, str(anchor.occurrence)]
    # surrogatepass: file names decoded with surrogateescape (undecodable bytes on Linux) still hash.
    return hashlib.sha256("\x1f".join(fields).encode("utf-8", errors="surrogatepass")).hexdigest()[:32]


def anchors(text: str) -> list[Anchor]:
    """The anchor of every line of `text`, index 0 for line 1 (lines end at LF; CRLF counts as LF)."""
    seen: dict[str, int] = {}
    out = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = _SPACE.sub(" ", raw).strip()
        seen[line] = seen.get(line, 0) + 1
        out.append(Anchor(line, seen[line]))
    return out
