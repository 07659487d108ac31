"""The plain text format: one line per finding, then the verdict."""

from __future__ import annotations

from gobaseline.formats import render
from gobaseline.model import CheckRecord, CheckStatus, Finding, Location, Severity, Stage
from tests.support.reports import report_of, sample_options, sample_report


def test_text_lines_and_verdict() -> None:
    out = render("text", sample_report(), options=sample_options()).splitlines()
    assert out[0] == ".gobaseline.yml:3:1: GB001 [warning] The policy file changed in this pull request."
    assert out[1].startswith("go.mod: GB103 [error] ")  # no location: the fallback file, without a line
    assert out[-1] == "gobaseline: FAIL — 5 errors, 4 warnings, 2 notes (13 checks)"


def test_text_verdict_pass_singular() -> None:
    report = report_of(checks=(CheckRecord(Stage.GOMOD, "x", CheckStatus.PASSED),))
    assert render("text", report) == "gobaseline: PASS — 0 errors, 0 warnings, 0 notes (1 check)\n"


def test_text_keeps_one_line_per_finding_and_defuses_commands() -> None:
    f = Finding("GB405", Severity.WARNING, "a\n::error::x\r\n##[stop-commands]t", Location("  ::warning::p", 1))
    lines = render("text", report_of(f)).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("./  ::warning::p:1: GB405 [warning] a\\n::error::x\\r\\n##\\[stop-commands]t")
