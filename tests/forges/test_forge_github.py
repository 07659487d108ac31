"""GitHub payload rules: annotation fields, conclusions, the output size limit."""

from __future__ import annotations

import pytest

from gobaseline.forges.github.client import OUTPUT_TEXT_LIMIT, annotation, conclusion, cut_summary
from gobaseline.model import Finding, Location, Report, Severity
from tests.support.github_api import expected_requests


def _f(loc: Location | None, severity: Severity = Severity.ERROR, message: str = "m") -> Finding:
    return Finding("GB401", severity, message, loc)


def test_columns_only_on_a_single_line() -> None:
    single = annotation(_f(Location("go.mod", 3, 5, 3, 9)))
    assert (single["start_column"], single["end_column"]) == (5, 9)
    multi = annotation(_f(Location("go.mod", 3, 5, 6, 9)))
    assert "start_column" not in multi and "end_column" not in multi
    assert (multi["start_line"], multi["end_line"]) == (3, 6)


def test_finding_without_a_place_goes_to_go_mod_line_one() -> None:
    a = annotation(_f(None, Severity.NOTE))
    assert (a["path"], a["start_line"], a["end_line"], a["annotation_level"]) == ("go.mod", 1, 1, "notice")


def test_title_and_message_limits() -> None:
    a = annotation(Finding("GB401", Severity.WARNING, "é" * 40_000, Location("x.go", 1), target="linux/" + "a" * 300))
    assert len(a["title"]) == 255 and a["title"].startswith("GB401 ")
    assert len(a["message"].encode()) <= 64 * 1024 and a["annotation_level"] == "warning"


@pytest.mark.parametrize(
    ("severities", "fail_on", "expected"),
    [
        ((), "error", "success"),
        ((Severity.NOTE,), "error", "success"),
        ((Severity.WARNING,), "error", "neutral"),
        ((Severity.WARNING,), "warning", "failure"),
        ((Severity.ERROR,), "error", "failure"),
        ((Severity.ERROR,), "never", "neutral"),
    ],
)
def test_conclusion(severities: tuple[Severity, ...], fail_on: str, expected: str) -> None:
    report = Report("0", "/", findings=tuple(_f(None, s, str(i)) for i, s in enumerate(severities)))
    assert conclusion(report, fail_on) == expected


def test_summary_cut_to_the_limit_with_a_note() -> None:
    assert cut_summary("short") == "short"
    cut = cut_summary("x" * 100_000)
    assert len(cut) == OUTPUT_TEXT_LIMIT and cut.endswith("have all of it.*")


def test_expected_requests() -> None:
    assert [expected_requests(n) for n in (0, 1, 50, 51, 1000)] == [2, 2, 2, 3, 21]
