"""GitHub's `primaryLocationLineHash`, computed the way its SARIF uploader does.

Facts from github/codeql-action `src/fingerprints.ts` (our own implementation): a rolling hash over UTF-16
code units with multiplier 37 and a window of the first 100 characters from the start of each line, spaces and
tabs skipped, CR and CRLF read as LF, the value 65535 appended at end of file and the window then flushed with
zeros; arithmetic wraps at 64 bits and the hash is written as unsigned hex without padding, followed by `:n`
where n counts earlier lines of the same file with the same hash. Without this, code scanning cannot tell a
moved alert from a new one.
"""

from __future__ import annotations

_BLOCK = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13
_EOF = 65535


class _Hasher:
    def __init__(self) -> None:
        self.window = [0] * _BLOCK
        self.line_numbers = [-1] * _BLOCK
        self.hash = 0
        self.index = 0
        self.line_number = 0
        self.line_start = True
        self.prev_cr = False
        self.counts: dict[str, int] = {}
        self.hashes: dict[int, str] = {}

    def output(self) -> None:
        value = format(self.hash, "x")
        self.counts[value] = self.counts.get(value, 0) + 1
        self.hashes[self.line_numbers[self.index]] = f"{value}:{self.counts[value]}"
        self.line_numbers[self.index] = -1

    def update(self, current: int) -> None:
        begin = self.window[self.index]
        self.window[self.index] = current
        self.hash = (_MOD * self.hash + current - _FIRST_MOD * begin) & _MASK
        self.index = (self.index + 1) % _BLOCK

    def process(self, current: int) -> None:
        if current in (_SPACE, _TAB) or (self.prev_cr and current == _LF):
            self.prev_cr = False
            return
        self.prev_cr = current == _CR
        if current == _CR:
            current = _LF
        if self.line_numbers[self.index] != -1:
            self.output()
        if self.line_start:
            self.line_start = False
            self.line_number += 1
            self.line_numbers[self.index] = self.line_number
        if current == _LF:
            self.line_start = True
        self.update(current)


def line_hashes(text: str) -> dict[int, str]:
    """`hash:count` for every line of `text`, keyed by 1-based line number."""
    hasher = _Hasher()
    units = text.encode("utf-16-le", errors="surrogatepass")
    for i in range(0, len(units), 2):
        hasher.process(units[i] | (units[i + 1] << 8))
    hasher.process(_EOF)
    for _ in range(_BLOCK):
        if hasher.line_numbers[hasher.index] != -1:
            hasher.output()
        hasher.update(0)
    return hasher.hashes
