"""Checkstyle XML: it parses back, whatever the findings hold."""

from __future__ import annotations

from gobaseline.formats import render
from gobaseline.model import Finding, Location, Severity
from tests.support.reports import parse_xml, report_of, sample_options, sample_report


def test_checkstyle_parses_back() -> None:
    root = parse_xml(render("checkstyle", sample_report(), options=sample_options()))
    assert root.tag == "checkstyle" and root.get("version") == "4.3"
    errors = [(f.get("name"), e) for f in root for e in f]
    assert len(errors) == len(sample_report().findings)
    assert [f.get("name") for f in root] == sorted(f.get("name") or "" for f in root)
    sources = {e.get("source") for _, e in errors}
    assert "gobaseline.GB501" in sources
    gb405 = next(e for _, e in errors if e.get("source") == "gobaseline.GB405")
    assert gb405.get("message", "").startswith("replace example.com/lib => ../lib\n::error")
    assert {e.get("severity") for _, e in errors} == {"error", "warning", "info"}


def test_checkstyle_survives_any_control_character() -> None:
    nasty = "".join(chr(c) for c in range(32)) + "\x7f\ud800\ufffe\uffff]]>&<\"'"
    # An explicit fingerprint: Finding cannot hash a lone surrogate itself.
    f = Finding("GB501", Severity.ERROR, nasty, Location(nasty, 1), fingerprint="f")
    root = parse_xml(render("checkstyle", report_of(f)))
    assert root[0][0].get("message", "").endswith("]]>&<\"'")
