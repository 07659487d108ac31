"""The Markdown summary: verdict first, table cells that cannot break the table, a size limit."""

from __future__ import annotations

from hypothesis import given, settings

from gobaseline.formats import RenderOptions, render
from gobaseline.formats.summary import cell
from gobaseline.model import Finding, Location, Severity, Stage
from tests.support.reports import any_text, report_of, sample_options, sample_report


def test_summary_verdict_first_and_sections() -> None:
    md = render("summary", sample_report(), options=sample_options())
    assert md.startswith("## ❌ gobaseline: fail\n")
    assert "**5 errors, 4 warnings, 2 notes**" in md
    for stage in Stage:
        assert f"### {stage.value}\n" in md
    assert "### Artifacts" in md and "| linux/amd64 | dist/hello-linux-amd64 | 1.8 MiB |" in md
    assert "### verify\n\n2 checks: 0 passed, 1 failed, 1 skipped\n" in md


def test_summary_cells_cannot_break_the_table() -> None:
    md = render("summary", sample_report(), options=sample_options())
    rows = [line for line in md.splitlines() if line.startswith(("| 🔴", "| 🟡"))]
    for row in rows:
        assert row.count("|") == 5, row
    assert "<b>" not in md and "@channel" not in md and "`code`" not in md
    assert "&lt;b&gt;bold&lt;/b&gt;" in md


def test_summary_respects_the_size_limit() -> None:
    findings = [
        Finding("GB405", Severity.WARNING, f"finding {i} " + "y" * 200, Location("go.mod", i + 1)) for i in range(300)
    ]
    options = RenderOptions(summary_limit_bytes=20_000)
    md = render("summary", report_of(*findings), options=options)
    assert len(md.encode()) <= 20_000
    shown = md.count("| 🟡 warning |")
    assert 0 < shown < 300
    assert f"**{300 - shown} more findings not shown**" in md


def test_summary_pass() -> None:
    assert render("summary", report_of()).startswith("## ✅ gobaseline: pass\n")


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_a_summary_cell_is_inert(value: str) -> None:
    out = cell(value)
    assert "|" not in out and "`" not in out and "@" not in out
    assert out.replace("<br>", "").count("<") == 0
    assert len(out.splitlines()) <= 1
