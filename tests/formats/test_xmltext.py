"""Text for XML: whatever a finding holds, the XML formats parse."""

from __future__ import annotations

from hypothesis import given, settings
from junitparser import JUnitXml

from gobaseline.formats import render
from gobaseline.model import CheckRecord, CheckStatus, Finding, Location, Severity, Stage
from tests.support.reports import any_text, parse_xml, report_of


@settings(max_examples=100, deadline=None)
@given(message=any_text, path=any_text.filter(bool))
def test_xml_formats_always_parse(message: str, path: str) -> None:
    f = Finding("GB501", Severity.ERROR, message, Location(path, 2, 1), "linux/arm64")
    report = report_of(f, checks=(CheckRecord(Stage.BUILD, "build", CheckStatus.FAILED, target="linux/arm64"),))
    root = parse_xml(render("checkstyle", report))
    assert root[0][0].get("source") == "gobaseline.GB501"
    (suite,) = JUnitXml.fromstring(render("junit", report))
    (case,) = suite
    assert case.is_failure and case.result[0].type == "GB501"
