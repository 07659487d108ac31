"""JUnit XML: one test case per check, and findings no check claims as their own cases."""

from __future__ import annotations

from junitparser import JUnitXml

from gobaseline.formats import render
from gobaseline.model import Finding, Location, Severity, Stage
from tests.support.reports import report_of, sample_options, sample_report


def test_junit_parses_back_with_one_case_per_check() -> None:
    report = sample_report()
    xml = JUnitXml.fromstring(render("junit", report, options=sample_options()))
    suites = list(xml)
    assert [s.name for s in suites] == [f"gobaseline.{s.value}" for s in Stage]
    cases = [(s.name, c) for s in suites for c in s]
    names = [c.name for _, c in cases]
    for check in report.checks:
        assert check.name + (f" [{check.target}]" if check.target else "") in names
    # GB405 matches no check by name and gomod has two failed checks: its own test case. The GB707 warning
    # belongs to the only probe check for its target, which passed, and fails it.
    assert "GB405 replace-local-path" in names
    assert next(c for _, c in cases if c.name == "probe [linux/amd64]").is_failure
    assert len(cases) == len(report.checks) + 1
    skipped = [c for _, c in cases if c.is_skipped]
    assert [c.name for c in skipped] == ["pe-mitigations [windows/amd64]"]
    failure_types = {r.type for _, c in cases for r in c.result if c.is_failure}
    assert {"GB001", "GB103", "GB203", "GB402", "GB405", "GB501", "GB606"} <= failure_types
    passed = [c.name for _, c in cases if c.is_passed]
    assert "build [linux/amd64]" in passed and "policy-valid" in passed
    assert xml.tests == len(cases) and xml.skipped == 1


def test_junit_orphan_findings_and_notes() -> None:
    notes_only = Finding("GB106", Severity.NOTE, "a note\x00", None)
    orphan = Finding("GB402", Severity.ERROR, "first line\nsecond", Location("go.mod", 3))
    xml = JUnitXml.fromstring(render("junit", report_of(notes_only, orphan)))
    cases = {c.name: c for s in xml for c in s}
    assert cases["GB106 go-patch-outdated"].is_passed
    assert "a note" in (cases["GB106 go-patch-outdated"].system_out or "")
    (failure,) = cases["GB402 go-directive-outside-baseline"].result
    assert failure.message == "first line" and failure.type == "GB402"
    assert "second" in (failure.text or "")
