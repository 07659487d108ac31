"""SARIF line hashes: the same values as GitHub's uploader computes."""

from __future__ import annotations

from collections.abc import Collection

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gobaseline.formats.linehash import hash_texts, line_hashes

# The test vectors of github/codeql-action src/fingerprints.test.ts.
LINE_HASH_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    *[
        (
            text,
            [
                "e9496ae3ebfced30:1",
                "fb7c023a8b9ccb3f:1",
                "ce8ba1a563dcdaca:1",
                "e20e36e16fcb0cc8:1",
                "b3edc88f2938467e:1",
                "c8e28b0b4002a3a0:1",
                "c129715d7a2bc9a3:1",
            ],
        )
        for text in (
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        )
    ],
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            *(f"a7f2ff13bc495cf2:{i}" for i in range(1, 7)),
            *("a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1"),
            "c129715d7a2bc9a3:1",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), LINE_HASH_VECTORS)
def test_line_hash_matches_githubs_uploader(text: str, expected: list[str]) -> None:
    hashes = line_hashes(text)
    assert [hashes[i] for i in sorted(hashes)] == expected
    assert sorted(hashes) == list(range(1, len(expected) + 1))


def test_line_hash_counts_utf16_units() -> None:
    # Characters outside the BMP are two UTF-16 code units, as in JavaScript.
    assert line_hashes("\U0001d53e\n") != line_hashes("G\n")
    assert len(line_hashes("\U0001d53e\nx")) == 2


def uploader_hashes(text: str) -> dict[int, str]:
    """The uploader's rolling hash as fingerprints.ts writes it, one code unit at a time (the reference)."""
    units = text.encode("utf-16-le", errors="surrogatepass")
    mask, first_mod = (1 << 64) - 1, pow(37, 100, 1 << 64)
    window, line_numbers = [0] * 100, [-1] * 100
    hashes: dict[int, str] = {}
    counts: dict[str, int] = {}
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "prev_cr": False}

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        hashes[line_numbers[state["index"]]] = f"{value}:{counts[value]}"
        line_numbers[state["index"]] = -1

    def update(current: int) -> None:
        begin = window[state["index"]]
        window[state["index"]] = current
        state["hash"] = (37 * state["hash"] + current - first_mod * begin) & mask
        state["index"] = (state["index"] + 1) % 100

    def process(current: int) -> None:
        if current in (32, 9) or (state["prev_cr"] and current == 10):
            state["prev_cr"] = False
            return
        state["prev_cr"] = current == 13
        current = 10 if current == 13 else current
        if line_numbers[state["index"]] != -1:
            output()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        state["line_start"] = current == 10
        update(current)

    for i in range(0, len(units), 2):
        process(units[i] | units[i + 1] << 8)
    process(65535)
    for _ in range(100):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    return hashes


# Line breaks of every kind, spaces and tabs (dropped), units outside the BMP (two UTF-16 units), a lone
# surrogate, and U+0A0A/U+0100, whose UTF-16 bytes hold "\n\0" across two units.
lines_of_code = st.lists(
    st.sampled_from(["a", "Z", " ", "\t", "\n", "\r", "\r\n", "\U0001d53e", "\ud800", "\u0a0a", "\u0100"])
    | st.sampled_from(["x" * 60, " " * 120, "\n" * 3]),
    max_size=80,
).map("".join)


@pytest.mark.parametrize(("text", "expected"), LINE_HASH_VECTORS)
def test_the_reference_is_the_uploader(text: str, expected: list[str]) -> None:
    assert list(uploader_hashes(text).values()) == expected


@settings(max_examples=300, deadline=None)
@given(lines_of_code, st.integers(min_value=1, max_value=40))
def test_line_hashes_are_the_uploaders_for_every_text_and_prefix(text: str, upto: int) -> None:
    expected = uploader_hashes(text)
    assert line_hashes(text) == expected
    assert line_hashes(text, upto=upto) == {line: h for line, h in expected.items() if line <= upto}


def test_hash_texts_hashes_many_files_at_once_as_one_at_a_time() -> None:
    texts = ["package main\n\nfunc main() {}\n", "", "a\r\nb\rc\n" * 50, "\x00" * 9000, "z" * 250]
    asked: list[tuple[str, Collection[int] | None]] = [(t, None) for t in texts] + [(texts[2], {3, 120})]
    got = hash_texts(asked)
    assert got[: len(texts)] == [uploader_hashes(t) for t in texts]
    assert got[-1] == {n: uploader_hashes(texts[2])[n] for n in (3, 120)}
    assert hash_texts([(texts[0], {99})]) == [{}]  # past the end: no hash
    assert hash_texts([]) == []
