"""GitHub's `primaryLocationLineHash`, computed the way its SARIF uploader does.

Facts from github/codeql-action `src/fingerprints.ts` (our own implementation): a rolling hash over UTF-16
code units with multiplier 37 and a window of the first 100 characters from the start of each line, spaces and
tabs skipped, CR and CRLF read as LF, the value 65535 appended at end of file and the window then flushed with
zeros; arithmetic wraps at 64 bits and the hash is written as unsigned hex without padding, followed by `:n`
where n counts earlier lines of the same file with the same hash. Without this, code scanning cannot tell a
moved alert from a new one.
"""

from __future__ import annotations

import itertools
import operator
import struct
from collections.abc import Collection, Iterable, Sequence

_BLOCK = 100
_MOD = 37
_TAIL = b"\xff\xff" + bytes(2 * _BLOCK)
"""The end-of-file value and the flush's zeros, as UTF-16-LE units."""
_LANE = 9
"""Bytes per window in `_window_values`: 64 bits of hash and room for the carry of `37 * hash + unit` (< 2^70)."""
_GROUP = 4096
"""Windows hashed together at most (the matrix of their units is 200 bytes each)."""
_LANE_MASK = b"\xff" * 8 + b"\x00"
_FIRST = operator.itemgetter(0)


def _kept(text: str, upto: int | None) -> tuple[bytes, list[int]]:
    """The UTF-16-LE code units the uploader keeps and where lines 1.. (at most `upto`) start among them; at the
    end of the text, followed by the end-of-file value and the flush's zeros.

    CRLF and CR are LF, spaces and tabs dropped: the line breaks first, because the uploader forgets a CR at the
    next unit even when it skips that unit (CR, space, LF are two line breaks). With `upto`, only as much of the
    text as lines 1..upto need is read: the units of a prefix of the text are a prefix of the whole text's (a CR
    ending the prefix is an LF either way), so once line `upto` has its 100 units later text cannot change lines
    1..upto; otherwise the prefix doubles until it is the whole text.
    """
    size = len(text) if upto is None else 128 * upto + 256
    while True:
        kept = text[:size]
        if "\r" in kept:
            kept = kept.replace("\r\n", "\n").replace("\r", "\n")
        kept = kept.replace(" ", "").replace("\t", "")
        data = kept.encode("utf-16-le", errors="surrogatepass")
        starts, at = [0], 0
        while upto is None or len(starts) < upto:
            at = data.find(b"\n\x00", at)
            if at < 0:
                break
            if at % 2:  # the high byte of one unit and the low byte of the next (U+0A00..U+0AFF, then U+xx00)
                at += 1
                continue
            at += 2
            starts.append(at // 2)
        if size >= len(text):
            return data + _TAIL, starts
        if upto is not None and len(starts) >= upto and len(data) >= 2 * (starts[upto - 1] + _BLOCK):
            return data, starts
        size *= 2


def _window_values(windows: Iterable[bytes]) -> list[int]:
    """`sum(unit[j] * 37^(99 - j)) mod 2^64` of each window of 100 units (200 bytes, UTF-16-LE).

    That is the rolling hash at the window's last unit. Computed as Horner's rule over the 100 columns, every
    window at once: the windows are lanes of 72 bits in one integer, so each step is three operations on it in C
    (times 37, plus the column, the mask back to 64 bits per lane), where a Python loop per unit would cost
    hundreds of times more.
    """
    values: list[int] = []
    windows = iter(windows)
    while group := list(itertools.islice(windows, _GROUP)):  # a group at a time: a huge file never all at once
        count = len(group)
        matrix = b"".join(group)
        lanes = bytearray(count * _LANE)
        mask = int.from_bytes(_LANE_MASK * count, "little")
        value = 0
        for low in range(0, 2 * _BLOCK, 2):
            lanes[0::_LANE] = matrix[low :: 2 * _BLOCK]
            lanes[1::_LANE] = matrix[low + 1 :: 2 * _BLOCK]
            value = (value * _MOD + int.from_bytes(lanes, "little")) & mask
        values.extend(map(_FIRST, struct.iter_unpack("<Qx", value.to_bytes(count * _LANE, "little"))))
    return values


def hash_texts(texts: Sequence[tuple[str, Collection[int] | None]]) -> list[dict[int, str]]:
    """The `hash:count` of the lines asked for (None: every line) in each text, computed together (far cheaper
    than one text at a time); only the text up to the last line asked for is hashed."""
    files = [_kept(text, None if lines is None else max(1, max(lines, default=1))) for text, lines in texts]
    windows = (data[2 * s : 2 * s + 2 * _BLOCK] for data, starts in files for s in starts)
    values = iter(_window_values(windows))
    result = []
    for (_, lines), (_, starts) in zip(texts, files, strict=True):
        hashes: dict[int, str] = {}
        counts: dict[int, int] = {}
        for line, value in enumerate(itertools.islice(values, len(starts)), 1):
            seen = counts[value] = counts.get(value, 0) + 1
            if lines is None or line in lines:
                hashes[line] = f"{value:x}:{seen}"
        result.append(hashes)
    return result


def line_hashes(text: str, *, upto: int | None = None) -> dict[int, str]:
    """`hash:count` for every line of `text` (with `upto`, for lines 1..upto only), keyed by 1-based line number.

    The uploader's rolling hash emits a line's value when the window of 100 kept units starting at the line's
    first one is full (padded with the end-of-file value and zeros): the value of that window alone.
    """
    return hash_texts([(text, None if upto is None else range(1, upto + 1))])[0]
