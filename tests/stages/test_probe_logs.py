"""Capturing a service's output: whole first lines, bounded, and the last ones kept for messages."""

from __future__ import annotations

import io

from gobaseline.stages import probe_logs


def _read(data: bytes) -> probe_logs.OutputReader:
    reader = probe_logs.OutputReader(io.BytesIO(data))
    reader.join(5.0)
    return reader


def test_lines_are_kept_without_line_ends() -> None:
    reader = _read(b"one\r\ntwo\n\nthree")
    assert reader.lines() == ["one", "two", "", "three"]
    assert reader.count == 4


def test_an_over_long_line_is_cut_and_its_rest_dropped() -> None:
    reader = _read(b"x" * (64 * 1024 + 10) + b"\nnext\n")
    first, second = reader.lines()
    assert len(first) == 64 * 1024 and second == "next"


def test_head_and_tail_are_bounded() -> None:
    reader = _read(b"".join(b"line %d\n" % i for i in range(1000)))
    assert len(reader.lines()) == 200 and reader.lines()[0] == "line 0"
    assert list(reader.tail) == [f"line {i}" for i in range(1000 - probe_logs.KEEP_TAIL, 1000)]
    assert reader.count == 1000


def test_invalid_utf8_is_replaced() -> None:
    assert _read(b"\xff ok\n").lines() == ["\ufffd ok"]
