"""The JSON report: it round-trips, matches its schema, and a bad file is named when loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gobaseline.errors import ReportError
from gobaseline.formats import json_report
from tests.support.reports import sample_report


def test_json_round_trip_and_schema(tmp_path: Path) -> None:
    report = sample_report()
    text = json_report.dumps(report)
    json_report.validate(json.loads(text), path="x")
    path = tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    assert json_report.load(path) == report
    assert json.loads(text)["schema"] == 1
    assert list(json.loads(text)) == list(report.to_dict())


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{", "not valid JSON"),
        ('{"schema": 2}', "schema"),
        ("[]", "not a gobaseline report"),
    ],
)
def test_json_load_errors_name_the_file(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError, match=needle) as info:
        json_report.load(path)
    assert info.value.path == str(path)


def test_json_load_rejects_a_bad_finding_with_its_json_path(tmp_path: Path) -> None:
    data = sample_report().to_dict()
    data["findings"][2]["severity"] = "fatal"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ReportError, match=r"\$\.findings\[2\]\.severity"):
        json_report.load(path)


def test_json_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read"):
        json_report.load(tmp_path / "nope.json")
