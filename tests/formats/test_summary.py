"""The Markdown summary: verdict first, table cells that cannot break the table, a size limit."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given, settings

from gobaseline.commands.output import render_options
from gobaseline.formats import RenderOptions, render
from gobaseline.formats.summary import cell
from gobaseline.model import Finding, Location, Severity, Stage
from tests.support.reports import any_text, report_of, sample_options, sample_report


def test_summary_verdict_first_then_blocking_errors_by_rule() -> None:
    md = render("summary", sample_report(), options=sample_options())
    assert md.startswith("## ❌ gobaseline: fail\n")
    assert "**5 errors, 4 warnings, 2 notes**" in md
    blocking = md.index("### 🔴 Blocking: 5 errors\n")
    warnings = md.index("<details><summary>🟡 4 warnings</summary>\n\n")
    notes = md.index("<details><summary>🔵 2 notes</summary>\n\n")
    assert blocking < warnings < notes < md.index("### Artifacts")
    errors = [line for line in md.splitlines() if line.startswith("| 🔴")]
    assert [row.split("](")[0].split("[")[-1] for row in errors] == ["GB103", "GB203", "GB402", "GB501", "GB606"]
    assert md[blocking:warnings].count("| 🟡") == 0
    assert "| 🔴 error | [GB501](" in md and "| linux/arm64 | cmd/hello/main.go:6:2: undefined" in md
    assert "| linux/amd64 | dist/hello-linux-amd64 | 1.8 MiB |" in md
    assert "| verify | 2 checks: 0 passed, 1 failed, 1 skipped |" in md
    for stage in Stage:
        assert f"| {stage.value} | " in md
    assert "](https://github.com/" not in md.replace("/gobaseline/gobaseline/blob/v", "")  # no forge: no file links


def test_summary_one_row_per_finding_across_targets() -> None:
    findings = [
        Finding("GB604", Severity.WARNING, "needs a loader", Location("dist/hello"), t)
        for t in ("linux/arm64", "linux/amd64")
    ]
    findings.append(Finding("GB604", Severity.WARNING, "needs another loader", Location("dist/hello"), "linux/386"))
    md = render("summary", report_of(*findings))
    rows = [line for line in md.splitlines() if line.startswith("| 🟡")]
    assert len(rows) == 2
    assert rows[0].endswith("| dist/hello | linux/amd64, linux/arm64 | needs a loader |")
    assert "<summary>🟡 2 warnings</summary>" in md


def test_summary_cells_cannot_break_the_table() -> None:
    md = render("summary", sample_report(), options=sample_options())
    rows = [line for line in md.splitlines() if line.startswith(("| 🔴", "| 🟡"))]
    for row in rows:
        assert row.count("|") == 6, row
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
    assert md.count("<details>") == md.count("</details>")  # the cut never leaves a fold open
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


class _FirstTable(HTMLParser):
    """The cells of the first table's first body row, and the links in them."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.done = False
        self.cells: list[str] = []
        self.links: list[str] = []
        self._in_body_row = False
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "tbody":
            self._in_body_row = True
        elif tag == "td" and self._in_body_row:
            self.cells.append("")
            self._in_cell = True
        elif tag == "a" and self.cells:
            self.links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_cell = self._in_cell and tag != "td"
        if tag == "tr" and self.cells:
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_cell and not self.done:
            self.cells[-1] += data


GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.example.com",
    "GITHUB_REPOSITORY": "acme/hello",
    "GITHUB_SHA": "1234abcd" * 5,
    "GITHUB_EVENT_NAME": "push",
}
GITLAB = {
    "GITLAB_CI": "true",
    "CI_PROJECT_URL": "https://gitlab.example.com/platform/go/hello",
    "CI_COMMIT_SHA": "feedbeef" * 5,
}


@pytest.mark.parametrize(
    ("environ", "base"),
    [
        (GITHUB, "https://github.example.com/acme/hello/blob/" + "1234abcd" * 5 + "/"),
        (GITLAB, "https://gitlab.example.com/platform/go/hello/-/blob/" + "feedbeef" * 5 + "/"),
    ],
    ids=["github", "gitlab"],
)
def test_summary_html_first_row_is_a_blocking_error_linked_to_its_line(environ: dict[str, str], base: str) -> None:
    options = replace(render_options(sample_report(), environ=environ), source_reader=sample_options().source_reader)
    assert options.blob_url == base
    page = markdown.markdown(render("summary", sample_report(), options=options), extensions=["tables"])
    first = _FirstTable()
    first.feed(page)
    severity, rule, place, targets, message = first.cells
    assert severity == "🔴 error"
    assert rule.startswith("GB103 go-version-unsupported")
    assert (place, targets) == ("go.mod", "")  # a machine fact: no file, no line to link to
    assert "Go 1.22.10 is out of support" in message
    # The rows that have a line link to it on the forge.
    assert f'<a href="{base}go.mod#L3">go.mod:3:1</a>' in page
    assert f'<a href="{base}cmd/hello/main.go#L6">cmd/hello/main.go:6:2</a>' in page
    assert f'<a href="{base}go.sum#L1">go.sum:1:1</a>' in page
    assert page.index(f"{base}go.mod#L3") < page.index("<details>") < page.index(f"{base}go.mod#L7")


def test_summary_links_only_places_inside_the_repository() -> None:
    options = RenderOptions(blob_url="https://github.com/o/r/blob/abc/")
    outside = Finding("GB501", Severity.ERROR, "x", Location("/abs/main.go", 3))
    up = Finding("GB501", Severity.ERROR, "y", Location("../lib/lib.go", 4))
    odd = Finding("GB501", Severity.ERROR, "z", Location("cmd/a b)/main.go", 5))
    md = render("summary", report_of(outside, up, odd), options=options)
    assert "/abs/main.go:3 |" in md and "../lib/lib.go:4 |" in md
    assert "(https://github.com/o/r/blob/abc/cmd/a%20b%29/main.go#L5)" in md


def test_with_fail_on_warning_the_warnings_are_blocking_and_the_headline_says_fail() -> None:
    warned = report_of(Finding("GB405", Severity.WARNING, "a local replace", Location("go.mod", 7)))
    folded = render("summary", warned, options=sample_options())
    assert folded.startswith("## ⚠️ gobaseline: pass with warnings\n") and "<details><summary>🟡 1 warning" in folded
    md = render("summary", warned, options=replace(sample_options(), fail_on="warning"))
    assert md.startswith("## ❌ gobaseline: fail (warnings fail this run: fail-on warning)\n")
    assert "### 🟡 Blocking: 1 warning\n" in md and "<details>" not in md.split("### Checks")[0]


def test_with_fail_on_never_errors_come_first_but_are_not_called_blocking() -> None:
    md = render("summary", sample_report(), options=replace(sample_options(), fail_on="never"))
    assert md.startswith("## ❌ gobaseline: fail (fail-on never: the run passes)\n")
    assert "### 🔴 5 errors (not blocking: fail-on never)\n" in md and "Blocking" not in md
