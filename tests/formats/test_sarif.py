"""SARIF: valid against the schema, ready for GitHub code scanning, within its size limits."""

from __future__ import annotations

import gzip
from pathlib import Path

from gobaseline import __version__
from gobaseline.formats import RenderOptions, render, sources_under
from gobaseline.formats.linehash import line_hashes
from gobaseline.model import Finding, Location, Report, Severity
from tests.support.reports import SOURCES, report_of, sample_options, sample_report
from tests.support.sarif import assert_valid_sarif


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
    # GB106 (a note) and GB303 (a warning) are facts about the runner: not code alerts.
    assert len(results) == len(sample_report().findings) - 2
    assert {"GB106", "GB303"}.isdisjoint(r["ruleId"] for r in results)
    assert {"GB106", "GB303"}.isdisjoint(rules)
    # Every result is placed and fingerprinted; the level is always explicit.
    for result in results:
        assert result["level"] in ("error", "warning", "note")
        assert result["partialFingerprints"]["gobaseline/v2"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    machine = [r for r in results if r.get("properties", {}).get("machine")]
    assert {r["ruleId"] for r in machine} == {"GB103", "GB504", "GB707"}
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


def test_sarif_has_runner_facts_only_when_raised_to_errors() -> None:
    disk = Finding("GB305", Severity.WARNING, "gobaseline-out is on the system disk.", Location("gobaseline-out"))
    loader = Finding("GB604", Severity.WARNING, "needs /lib64/ld-linux-x86-64.so.2", None, "linux/amd64")
    log = assert_valid_sarif(render("sarif", report_of(disk, loader)))
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
    log = assert_valid_sarif(render("sarif", report_of(disk, loader.with_severity(Severity.ERROR))))
    (result,) = log["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("GB604", "error")


def test_sarif_help_links_the_released_rule_page() -> None:
    f = Finding("GB404", Severity.ERROR, "replaced", Location("go.mod", 5))
    (rule,) = assert_valid_sarif(render("sarif", report_of(f)))["runs"][0]["tool"]["driver"]["rules"]
    page = f"https://github.com/gobaseline/gobaseline/blob/v{__version__}/docs/rules.md#gb404-replace-public-module"
    assert rule["helpUri"] == page
    assert rule["help"]["markdown"].endswith(f"({page})")
    assert "Protects against: " in rule["help"]["markdown"]


def test_sarif_keeps_a_warning_level_that_overrides_an_error_rule() -> None:
    f = Finding("GB402", Severity.WARNING, "downgraded by policy", Location("go.mod", 3))
    log = assert_valid_sarif(render("sarif", report_of(f)))
    assert log["runs"][0]["results"][0]["level"] == "warning"
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "error"


def test_sarif_empty_report_relative_root_and_unknown_rule() -> None:
    empty = Report(tool_version="0.1.0", root="")
    log = assert_valid_sarif(render("sarif", empty))
    assert log["runs"][0]["results"] == []
    assert "uri" not in log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    f = Finding("GB999", Severity.ERROR, "from a newer release", Location("/abs/a b%.go", 2, 3))
    log = assert_valid_sarif(render("sarif", report_of(f)))
    (result,) = log["runs"][0]["results"]
    assert "ruleIndex" not in result
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///abs/a%20b%25.go"}


def test_sarif_category_and_uri_encoding() -> None:
    f = Finding("GB501", Severity.ERROR, "x", Location("cmd/ü n#i/main.go", 1, 1))
    text = render("sarif", report_of(f), options=RenderOptions(sarif_category="go/linux-amd64"))
    log = assert_valid_sarif(text)
    assert log["runs"][0]["automationDetails"]["id"] == "go/linux-amd64/"
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "cmd/%C3%BC%20n%23i/main.go"


def test_sarif_cuts_at_the_result_limit_keeping_errors() -> None:
    findings = [Finding("GB405", Severity.WARNING, f"w{i}", Location("go.mod", i + 1)) for i in range(5)]
    findings.insert(3, Finding("GB402", Severity.ERROR, "the error", Location("go.mod", 1)))
    log = assert_valid_sarif(render("sarif", report_of(*findings), options=RenderOptions(sarif_max_results=3)))
    run = log["runs"][0]
    assert [r["message"]["text"] for r in run["results"]] == ["w0", "w1", "the error"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("3 of 6 results are not in this file")


def test_sarif_stays_under_the_gzip_limit() -> None:
    findings = [Finding("GB405", Severity.WARNING, f"{i} " + "x" * 40 + str(i * 7919), None) for i in range(400)]
    options = RenderOptions(sarif_max_gzip_bytes=6000)
    text = render("sarif", report_of(*findings), options=options)
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
    log = assert_valid_sarif(render("sarif", report_of(f), options=RenderOptions(source_reader=reader)))
    hashes = line_hashes("module x\n\ngo 1.26\n")
    assert log["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"] == hashes[3]
