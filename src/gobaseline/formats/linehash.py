"""GitHub's `primaryLocationLineHash`, computed the way its SARIF uploader does.

Facts from github/codeql-action `src/fingerprints.ts` (our own implementation): a rolling hash over UTF-16
code units with multiplier 37 and a window of the first 100 characters from the start of each line, spaces and
tabs skipped, CR and CRLF read as LF, the value 65535 appended at end of file and the window then flushed with
zeros; arithmetic wraps at 64 bits and the hash is written as unsigned hex without padding, followed by `:n`
where n counts earlier lines of the same file with the same hash. Without this, code scanning cannot tell a
moved alert from a new one.
"""

from __future__ import annotations

import sys
from array import array

_BLOCK = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13
_EOF = 65535


def line_hashes(text: str, *, upto: int | None = None) -> dict[int, str]:
    """`hash:count` for every line of `text` (with `upto`, for lines 1..upto only), keyed by 1-based line number.

    The uploader's rolling hash emits a line's value when the window of 100 kept code units starting at the line's
    first one is full (padded with the end-of-file value and zeros); this computes the same values in two flat
    passes: the kept units with the line starts, then the rolling hash over them.
    """
    units = array("H")
    units.frombytes(text.encode("utf-16-le", errors="surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    kept: list[int] = []
    starts: list[int] = []
    line_start, prev_cr = True, False
    for unit in units:
        if upto is not None and len(starts) >= upto and len(kept) >= starts[upto - 1] + _BLOCK:
            break  # the window of line `upto` is full: later text cannot change lines 1..upto
        if unit in (_SPACE, _TAB) or (prev_cr and unit == _LF):
            prev_cr = False
            continue
        prev_cr = unit == _CR
        if prev_cr:
            unit = _LF  # noqa: PLW2901
        if line_start:
            starts.append(len(kept))
        line_start = unit == _LF
        kept.append(unit)
    else:
        if line_start:
            starts.append(len(kept))
        kept.append(_EOF)
    kept.extend([0] * _BLOCK)

    hashes: dict[int, str] = {}
    counts: dict[str, int] = {}
    value, line, due = 0, 0, (starts[0] + _BLOCK - 1 if starts else -1)
    for k, unit in enumerate(kept):
        value = (_MOD * value + unit - (_FIRST_MOD * kept[k - _BLOCK] if k >= _BLOCK else 0)) & _MASK
        if k == due:
            text_value = format(value, "x")
            counts[text_value] = counts.get(text_value, 0) + 1
            line += 1
            hashes[line] = f"{text_value}:{counts[text_value]}"
            due = starts[line] + _BLOCK - 1 if line < len(starts) and line != upto else -1
    return hashes
