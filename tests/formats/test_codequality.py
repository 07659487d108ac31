"""GitLab Code Quality: the fields GitLab reads and unique fingerprints."""

from __future__ import annotations

import json

from gobaseline.formats import render
from gobaseline.model import Finding, Location, Severity
from tests.support.reports import report_of, sample_options, sample_report


def test_codequality_items() -> None:
    items = json.loads(render("codequality", sample_report(), options=sample_options()))
    assert len(items) == len(sample_report().findings)
    assert len({i["fingerprint"] for i in items}) == len(items)
    for item in items:
        assert set(item) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert type(item["location"]["lines"]["begin"]) is int
        assert item["severity"] in {"info", "minor", "major", "critical", "blocker"}
    by_rule = {i["check_name"]: i for i in items}
    assert by_rule["GB203"]["severity"] == "critical"  # security_severity 8.0
    assert by_rule["GB402"]["severity"] == "major"
    assert by_rule["GB405"]["severity"] == "minor"
    assert by_rule["GB106"]["severity"] == "info"
    assert by_rule["GB103"]["location"] == {"path": "go.mod", "lines": {"begin": 1}}


def test_codequality_fingerprints_unique_and_deterministic_for_duplicates() -> None:
    f = Finding("GB405", Severity.WARNING, "same", Location("go.mod", 7))
    text = render("codequality", report_of(f, f, f))
    assert not text.startswith("\ufeff")
    prints = [i["fingerprint"] for i in json.loads(text)]
    assert len(set(prints)) == 3 and prints[0] == f.fingerprint
    assert prints == [i["fingerprint"] for i in json.loads(render("codequality", report_of(f, f, f)))]
