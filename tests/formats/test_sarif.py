"""SARIF: valid against the schema, ready for GitHub code scanning, within its size limits."""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import pytest

from gobaseline import __version__
from gobaseline.formats import RenderOptions, render, sarif, sources_under
from gobaseline.formats.linehash import line_hashes
from gobaseline.formats.options import files_under, heads_under
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


@pytest.mark.parametrize("size", [0, 1, 100, 65_535, 65_536, 200_000, 1 << 20])
def test_gzip_bound_holds_for_incompressible_bytes(size: int) -> None:
    data = random.Random(size).randbytes(size)  # the worst case for deflate
    assert len(gzip.compress(data, mtime=0)) <= sarif._gzip_bound(size)


def test_sarif_near_the_gzip_limit_is_compressed_and_cut_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = [Finding("GB405", Severity.WARNING, f"{i} " + "q" * (i % 97), None) for i in range(300)]
    report = report_of(*findings)
    whole = render("sarif", report)
    zipped = len(gzip.compress(whole.encode(), mtime=0))
    assert sarif._gzip_bound(len(whole)) > zipped  # the test is only worth it when the two differ
    # At the limit exactly: compressed to check, kept whole. One byte less: cut, and under the limit.
    assert render("sarif", report, options=RenderOptions(sarif_max_gzip_bytes=zipped)) == whole
    cut = render("sarif", report, options=RenderOptions(sarif_max_gzip_bytes=zipped - 1))
    assert len(gzip.compress(cut.encode(), mtime=0)) <= zipped - 1
    assert 0 < len(assert_valid_sarif(cut)["runs"][0]["results"]) < 300

    # Where the text cannot gzip above the limit, it is not compressed at all.
    def no_gzip(data: bytes, mtime: int | None = None) -> bytes:
        raise AssertionError("compressed")

    monkeypatch.setattr(gzip, "compress", no_gzip)
    assert render("sarif", report, options=RenderOptions(sarif_max_gzip_bytes=sarif._gzip_bound(len(whole)))) == whole


def test_whole_file_locations_are_hashed_from_the_head(tmp_path: Path) -> None:
    binary = "".join(chr(33 + i % 90) for i in range(5000)) + "\n" + "tail\n" * 10
    (tmp_path / "svc").write_text(binary)
    (tmp_path / "sparse").write_text(" \t" * 5000 + "x\n")  # the head is all blanks: read in full
    (tmp_path / "both").write_text("a\nb\nc\n")
    full, head = sources_under(tmp_path), heads_under(tmp_path)
    reads: list[str] = []

    def reader(path: str) -> str | None:
        reads.append(path)
        return full(path)

    findings = [Finding("GB606", Severity.NOTE, "x", Location(p)) for p in ("svc", "sparse", "both")]
    findings.append(Finding("GB402", Severity.ERROR, "y", Location("both", 3)))
    options = RenderOptions(source_reader=reader, source_head=head, source_is_file=files_under(tmp_path))
    results = assert_valid_sarif(render("sarif", report_of(*findings), options=options))["runs"][0]["results"]
    got = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert got == [
        line_hashes(binary)[1],
        line_hashes((tmp_path / "sparse").read_text())[1],
        line_hashes("a\nb\nc\n")[1],
        line_hashes("a\nb\nc\n")[3],
    ]
    assert sorted(reads) == ["both", "sparse"]  # never all of svc


def test_files_inside_the_root_only_and_never_through_a_link_or_pipe(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    (root / "cmd").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.go").write_text("secret\n")
    (root / "cmd" / "main.go").write_text("package main\n")
    (root / "cmd" / "leak.go").symlink_to(outside / "secret.go")
    (root / "cmd" / "same.go").symlink_to(root / "cmd" / "main.go")
    (root / "out").symlink_to(outside, target_is_directory=True)
    os.mkfifo(root / "cmd" / "pipe.go")
    read, head, is_file = sources_under(root), heads_under(root), files_under(root)
    assert read("cmd/main.go") == head("cmd/main.go") == "package main\n"
    assert read("cmd/same.go") == "package main\n"  # a link that stays inside
    assert read("cmd/./main.go") == read("./cmd/main.go") == "package main\n"
    for path in (
        "cmd/leak.go",
        "out/secret.go",
        "cmd/pipe.go",
        "cmd",
        "cmd/",
        "cmd/..",
        str(outside / "secret.go"),
        "../outside/secret.go",
        "cmd/../../outside/secret.go",
        "missing.go",
        "bad\x00name",
    ):
        assert read(path) is None and head(path) is None and not is_file(path), path
