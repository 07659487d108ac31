"""The format registry, the golden files, and what each format must guarantee whatever the report holds."""

from __future__ import annotations

import gzip
import json
import typing
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from junitparser import JUnitXml
from tests.support.reports import SOURCES, sample_options, sample_report
from tests.support.sarif import assert_valid_sarif

from gobaseline import formats
from gobaseline.errors import ReportError
from gobaseline.formats import (
    FORMAT_NAMES,
    Format,
    RenderOptions,
    default_filename,
    json_report,
    render,
    sources_under,
)
from gobaseline.formats.linehash import line_hashes
from gobaseline.formats.summary import cell
from gobaseline.model import CheckRecord, CheckStatus, Finding, Location, Report, Severity, Stage

GOLDEN = Path(__file__).parent / "golden"


def _report(*findings: Finding, checks: tuple[CheckRecord, ...] = ()) -> Report:
    return Report(tool_version="0.1.0", root="/src", findings=findings, checks=checks)


def _parse_xml(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))  # noqa: S314  # our own output, parsed to prove it is well formed


# Registry


def test_format_names_are_the_enum_in_cli_order() -> None:
    assert FORMAT_NAMES == (
        "text",
        "json",
        "sarif",
        "github",
        "summary",
        "codequality",
        "junit",
        "checkstyle",
    )
    assert tuple(f.value for f in Format) == FORMAT_NAMES


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_has_a_renderer_and_a_file_name(fmt: Format) -> None:
    assert callable(formats.renderer(fmt))
    assert formats.renderer(fmt.value) is formats.renderer(fmt)
    assert default_filename(fmt)
    out = render(fmt, _report())
    assert out.endswith("\n")


def test_file_names_are_distinct_and_the_ones_the_forges_expect() -> None:
    names = [default_filename(f) for f in Format]
    assert len(set(names)) == len(names)
    assert default_filename("codequality") == "gl-code-quality-report.json"
    assert default_filename("sarif") == "gobaseline.sarif"


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="yaml"):
        render("yaml", _report())


def test_dispatch_is_exhaustive_for_the_type_checker() -> None:
    # mypy proves the match exhaustive (assert_never); this keeps enum and functions in step at run time.
    source = Path(formats.__file__).read_text(encoding="utf-8")
    for fmt in Format:
        assert source.count(f"case Format.{fmt.name}:") == 2
    assert source.count("assert_never(fmt)") == 2
    assert typing.get_type_hints(formats.render)["return"] is str


# Golden files (regenerate with scripts/regen-golden)


@pytest.mark.parametrize("fmt", list(Format))
def test_golden(fmt: Format) -> None:
    expected = (GOLDEN / default_filename(fmt)).read_bytes().decode("utf-8")
    assert render(fmt, sample_report(), options=sample_options()) == expected, (
        "run scripts/regen-golden and review the diff"
    )


def test_rendering_is_pure() -> None:
    report, options = sample_report(), sample_options()
    for fmt in Format:
        assert render(fmt, report, options=options) == render(fmt, report, options=options)


# text


def test_text_lines_and_verdict() -> None:
    out = render("text", sample_report(), options=sample_options()).splitlines()
    assert out[0] == ".gobaseline.yml:3:1: GB001 [warning] The policy file changed in this pull request."
    assert out[1].startswith("go.mod: GB103 [error] ")  # no location: the fallback file, without a line
    assert out[-1] == "gobaseline: FAIL — 5 errors, 4 warnings, 2 notes (13 checks)"


def test_text_verdict_pass_singular() -> None:
    report = _report(checks=(CheckRecord(Stage.GOMOD, "x", CheckStatus.PASSED),))
    assert render("text", report) == "gobaseline: PASS — 0 errors, 0 warnings, 0 notes (1 check)\n"


def test_text_keeps_one_line_per_finding_and_defuses_commands() -> None:
    f = Finding("GB405", Severity.WARNING, "a\n::error::x\r\n##[stop-commands]t", Location("  ::warning::p", 1))
    lines = render("text", _report(f)).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("./  ::warning::p:1: GB405 [warning] a\\n::error::x\\r\\n##\\[stop-commands]t")


# json


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


# SARIF


def test_sarif_sample_is_valid_and_github_ready() -> None:
    log = assert_valid_sarif(render("sarif", sample_report(), options=sample_options()))
    (run,) = log["runs"]
    assert run["automationDetails"]["id"] == "gobaseline/"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///work/src/example/"
    assert run["invocations"][0]["executionSuccessful"] is True
    driver = run["tool"]["driver"]
    assert driver["name"] == "gobaseline" and driver["version"] == "0.1.0"
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["GB203"]["properties"]["security-severity"] == "8.0"
    assert rules["GB203"]["properties"]["precision"] == "very-high"
    assert rules["GB405"]["defaultConfiguration"]["level"] == "warning"
    results = run["results"]
    assert len(results) == len(sample_report().findings)
    # Every result is placed and fingerprinted; the level is always explicit.
    for result in results:
        assert result["level"] in ("error", "warning", "note")
        assert result["partialFingerprints"]["gobaseline/v1"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    machine = [r for r in results if r.get("properties", {}).get("machine")]
    assert {r["ruleId"] for r in machine} == {"GB103", "GB106", "GB504", "GB707"}
    assert all(r["locations"][0]["physicalLocation"]["region"] == {"startLine": 1} for r in machine)
    go_mod = line_hashes(SOURCES["go.mod"])
    gb402 = next(r for r in results if r["ruleId"] == "GB402")
    assert gb402["partialFingerprints"]["primaryLocationLineHash"] == go_mod[3]
    assert gb402["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 1,
        "endLine": 3,
        "endColumn": 8,
    }


def test_sarif_keeps_a_warning_level_that_overrides_an_error_rule() -> None:
    f = Finding("GB402", Severity.WARNING, "downgraded by policy", Location("go.mod", 3))
    log = assert_valid_sarif(render("sarif", _report(f)))
    assert log["runs"][0]["results"][0]["level"] == "warning"
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "error"


def test_sarif_empty_report_relative_root_and_unknown_rule() -> None:
    empty = Report(tool_version="0.1.0", root="")
    log = assert_valid_sarif(render("sarif", empty))
    assert log["runs"][0]["results"] == []
    assert "uri" not in log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    f = Finding("GB999", Severity.ERROR, "from a newer release", Location("/abs/a b%.go", 2, 3))
    log = assert_valid_sarif(render("sarif", _report(f)))
    (result,) = log["runs"][0]["results"]
    assert "ruleIndex" not in result
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///abs/a%20b%25.go"}


def test_sarif_category_and_uri_encoding() -> None:
    f = Finding("GB501", Severity.ERROR, "x", Location("cmd/ü n#i/main.go", 1, 1))
    text = render("sarif", _report(f), options=RenderOptions(sarif_category="go/linux-amd64"))
    log = assert_valid_sarif(text)
    assert log["runs"][0]["automationDetails"]["id"] == "go/linux-amd64/"
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "cmd/%C3%BC%20n%23i/main.go"


def test_sarif_cuts_at_the_result_limit_keeping_errors() -> None:
    findings = [Finding("GB405", Severity.WARNING, f"w{i}", Location("go.mod", i + 1)) for i in range(5)]
    findings.insert(3, Finding("GB402", Severity.ERROR, "the error", Location("go.mod", 1)))
    log = assert_valid_sarif(render("sarif", _report(*findings), options=RenderOptions(sarif_max_results=3)))
    run = log["runs"][0]
    assert [r["message"]["text"] for r in run["results"]] == ["w0", "w1", "the error"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("3 of 6 results are not in this file")


def test_sarif_stays_under_the_gzip_limit() -> None:
    findings = [Finding("GB405", Severity.WARNING, f"{i} " + "x" * 40 + str(i * 7919), None) for i in range(400)]
    options = RenderOptions(sarif_max_gzip_bytes=6000)
    text = render("sarif", _report(*findings), options=options)
    assert len(gzip.compress(text.encode())) <= 6000
    log = assert_valid_sarif(text)
    kept = len(log["runs"][0]["results"])
    assert 0 < kept < 400
    assert (
        f"{400 - kept} of 400 results"
        in log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )


def test_sarif_reads_sources_under_the_root_only(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_bytes(b"module x\n\ngo 1.26\n")
    (tmp_path.parent / "outside.txt").write_text("secret\n")
    reader = sources_under(tmp_path)
    assert reader("go.mod") == "module x\n\ngo 1.26\n"
    assert reader("../outside.txt") is None
    assert reader("missing") is None
    assert reader(".") is None
    f = Finding("GB402", Severity.ERROR, "x", Location("go.mod", 3, 1))
    log = assert_valid_sarif(render("sarif", _report(f), options=RenderOptions(source_reader=reader)))
    hashes = line_hashes("module x\n\ngo 1.26\n")
    assert log["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"] == hashes[3]


# The test vectors of github/codeql-action src/fingerprints.test.ts.
LINE_HASH_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    *[
        (
            text,
            [
                "e9496ae3ebfced30:1",
                "fb7c023a8b9ccb3f:1",
                "ce8ba1a563dcdaca:1",
                "e20e36e16fcb0cc8:1",
                "b3edc88f2938467e:1",
                "c8e28b0b4002a3a0:1",
                "c129715d7a2bc9a3:1",
            ],
        )
        for text in (
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        )
    ],
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            *(f"a7f2ff13bc495cf2:{i}" for i in range(1, 7)),
            *("a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1"),
            "c129715d7a2bc9a3:1",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), LINE_HASH_VECTORS)
def test_line_hash_matches_githubs_uploader(text: str, expected: list[str]) -> None:
    hashes = line_hashes(text)
    assert [hashes[i] for i in sorted(hashes)] == expected
    assert sorted(hashes) == list(range(1, len(expected) + 1))


def test_line_hash_counts_utf16_units() -> None:
    # Characters outside the BMP are two UTF-16 code units, as in JavaScript.
    assert line_hashes("\U0001d53e\n") != line_hashes("G\n")
    assert len(line_hashes("\U0001d53e\nx")) == 2


# codequality


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
    text = render("codequality", _report(f, f, f))
    assert not text.startswith("\ufeff")
    prints = [i["fingerprint"] for i in json.loads(text)]
    assert len(set(prints)) == 3 and prints[0] == f.fingerprint
    assert prints == [i["fingerprint"] for i in json.loads(render("codequality", _report(f, f, f)))]


# checkstyle and JUnit


def test_checkstyle_parses_back() -> None:
    root = _parse_xml(render("checkstyle", sample_report(), options=sample_options()))
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
    root = _parse_xml(render("checkstyle", _report(f)))
    assert root[0][0].get("message", "").endswith("]]>&<\"'")


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
    xml = JUnitXml.fromstring(render("junit", _report(notes_only, orphan)))
    cases = {c.name: c for s in xml for c in s}
    assert cases["GB106 go-patch-outdated"].is_passed
    assert "a note" in (cases["GB106 go-patch-outdated"].system_out or "")
    (failure,) = cases["GB402 go-directive-outside-baseline"].result
    assert failure.message == "first line" and failure.type == "GB402"
    assert "second" in (failure.text or "")


# summary


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
    md = render("summary", _report(*findings), options=options)
    assert len(md.encode()) <= 20_000
    shown = md.count("| 🟡 warning |")
    assert 0 < shown < 300
    assert f"**{300 - shown} more findings not shown**" in md


def test_summary_pass() -> None:
    assert render("summary", _report()).startswith("## ✅ gobaseline: pass\n")


# Any text at all


any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("|<>&`\n\r\x00"))


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_a_summary_cell_is_inert(value: str) -> None:
    out = cell(value)
    assert "|" not in out and "`" not in out and "@" not in out
    assert out.replace("<br>", "").count("<") == 0
    assert len(out.splitlines()) <= 1


@settings(max_examples=100, deadline=None)
@given(message=any_text, path=any_text.filter(bool))
def test_xml_formats_always_parse(message: str, path: str) -> None:
    f = Finding("GB501", Severity.ERROR, message, Location(path, 2, 1), "linux/arm64")
    report = _report(f, checks=(CheckRecord(Stage.BUILD, "build", CheckStatus.FAILED, target="linux/arm64"),))
    root = _parse_xml(render("checkstyle", report))
    assert root[0][0].get("source") == "gobaseline.GB501"
    (suite,) = JUnitXml.fromstring(render("junit", report))
    (case,) = suite
    assert case.is_failure and case.result[0].type == "GB501"
