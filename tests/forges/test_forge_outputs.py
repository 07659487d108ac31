"""GitHub Actions job files: step outputs with random delimiters, a step summary capped at 1 MiB."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobaseline.forges.github.commands import STEP_SUMMARY_LIMIT, append_outputs, append_step_summary, format_outputs


def _parse(text: str) -> dict[str, str]:
    out, lines = {}, text.split("\n")
    i = 0
    while i < len(lines) - 1:
        name, delim = lines[i].split("<<", 1)
        end = lines.index(delim, i + 1)
        out[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return out


def test_every_value_uses_a_fresh_random_delimiter(tmp_path: Path) -> None:
    hostile = "x\nEOF\nverdict=pass\nghadelimiter_\n"
    path = tmp_path / "out"
    append_outputs(path, {"verdict": "fail", "report": hostile})
    text = path.read_text(encoding="utf-8")
    assert _parse(text) == {"verdict": "fail", "report": hostile}
    delims = [line.split("<<")[1] for line in text.splitlines() if "<<" in line]
    assert len(set(delims)) == 2 and all(len(d) > 32 for d in delims)


def test_bad_output_name_is_refused() -> None:
    with pytest.raises(ValueError, match="bad output name"):
        format_outputs({"a\nb": "c"})


def test_step_summary_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("earlier step\n", encoding="utf-8")
    assert append_step_summary(path, "## ours") is False
    assert path.read_text(encoding="utf-8") == "earlier step\n## ours\n"


def test_step_summary_stays_within_one_mebibyte(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("x" * 1000, encoding="utf-8")
    assert append_step_summary(path, "é" * STEP_SUMMARY_LIMIT) is True
    data = path.read_bytes()
    assert len(data) <= STEP_SUMMARY_LIMIT
    assert data.decode("utf-8").endswith("report files.*\n")
