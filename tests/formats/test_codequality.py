"""GitLab Code Quality: the fields GitLab reads and unique fingerprints."""

from __future__ import annotations

import json

from gobaseline.formats import render
from gobaseline.model import Finding, Location, Severity
from gobaseline.rules import is_code_alert
from tests.support.reports import report_of, sample_options, sample_report


def test_codequality_items() -> None:
    items = json.loads(render("codequality", sample_report(), options=sample_options()))
    code = [f for f in sample_report().findings if is_code_alert(f)]
    assert len(items) == len(code) == len(sample_report().findings) - 2  # GB106, GB303: facts about the runner
    assert len({i["fingerprint"] for i in items}) == len(items)
    for item in items:
        assert set(item) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert type(item["location"]["lines"]["begin"]) is int
        assert item["severity"] in {"info", "minor", "major", "critical", "blocker"}
    by_rule = {i["check_name"]: i for i in items}
    assert by_rule["GB203"]["severity"] == "critical"  # security_severity 8.0
    assert by_rule["GB402"]["severity"] == "major"
    assert by_rule["GB405"]["severity"] == "minor"
    assert by_rule["GB504"]["severity"] == "info"
    assert by_rule["GB103"]["location"] == {"path": "go.mod", "lines": {"begin": 1}}  # a runner fact, an error
    assert "GB106" not in by_rule and "GB303" not in by_rule


def test_codequality_has_runner_facts_only_when_raised_to_errors() -> None:
    disk = Finding("GB111", Severity.WARNING, "GOCACHE is on the system disk.")
    loader = Finding("GB604", Severity.NOTE, "needs /lib64/ld-linux-x86-64.so.2", Location("dist/hello"))
    assert json.loads(render("codequality", report_of(disk, loader))) == []
    (item,) = json.loads(render("codequality", report_of(disk.with_severity(Severity.ERROR), loader)))
    assert (item["check_name"], item["severity"]) == ("GB111", "major")


def test_codequality_fingerprints_unique_and_deterministic_for_duplicates() -> None:
    f = Finding("GB405", Severity.WARNING, "same", Location("go.mod", 7))
    text = render("codequality", report_of(f, f, f))
    assert not text.startswith("\ufeff")
    prints = [i["fingerprint"] for i in json.loads(text)]
    assert len(set(prints)) == 3 and prints[0] == f.fingerprint
    assert prints == [i["fingerprint"] for i in json.loads(render("codequality", report_of(f, f, f)))]
