"""The bundled examples through the CLI: the clean one passes, the broken one gives every format, all valid."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from junitparser import JUnitXml

from gobaseline.cli import main
from gobaseline.formats import FORMAT_NAMES, default_filename
from gobaseline.formats.json_report import load
from gobaseline.model import ExitCode, Severity
from gobaseline.rules import is_code_alert
from tests.support.examples import copy_example
from tests.support.sarif import assert_valid_sarif

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def in_go_env(monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]) -> None:
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "GITLAB_", "CI_", "GO")):
            monkeypatch.delenv(key, raising=False)
    for key, value in go_env.items():
        monkeypatch.setenv(key, value)


def test_the_clean_example_passes_with_the_default_policy(tmp_path: Path, in_go_env: None) -> None:
    module = copy_example("hello", tmp_path / "hello")
    code = main(["check", str(module), "--format", "json", "--output-dir", str(tmp_path / "r")])
    report = load(tmp_path / "r" / "report.json")
    # Nothing blocks; what warns is the single disk of this machine, as on a hosted runner, and (without smartctl)
    # one note says the disks' SMART health was not read.
    assert code in (ExitCode.PASS, ExitCode.WARNINGS)
    assert report.count(Severity.ERROR) == 0
    assert {f.rule_id for f in report.findings} <= {"GB111", "GB305", "GB119"}
    assert all(f.severity is Severity.NOTE for f in report.findings if f.rule_id == "GB119")


def test_the_broken_example_renders_every_format_and_each_is_valid(tmp_path: Path, in_go_env: None) -> None:
    module = copy_example("broken", tmp_path / "broken")
    out = tmp_path / "reports"

    code = main(["check", str(module), "--format", ",".join(FORMAT_NAMES), "--output-dir", str(out)])

    assert code == ExitCode.ERRORS
    files = {fmt: out / default_filename(fmt) for fmt in FORMAT_NAMES}
    assert all(p.is_file() for p in files.values())
    report = load(files["json"])
    at = {(f.rule_id, str(f.location)) for f in report.findings if f.location}
    assert {("GB402", "go.mod:4:1"), ("GB404", "go.mod:13:1"), ("GB408", "go.mod:7:2")} <= at
    assert ("GB406", ".gobaseline.yml:4") in at

    sarif = assert_valid_sarif(files["sarif"].read_text())
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"GB402", "GB404", "GB406"} <= set(rules)
    assert all(r["help"]["markdown"] and r["helpUri"] for r in rules.values())
    assert all("primaryLocationLineHash" in r["partialFingerprints"] for r in run["results"])

    quality = json.loads(files["codequality"].read_text())
    code_alerts = [f for f in report.findings if is_code_alert(f)]
    assert len({i["fingerprint"] for i in quality}) == len(quality) == len(code_alerts)
    assert len(run["results"]) == len(code_alerts) < len(report.findings)  # the system-disk warnings are left out
    assert all(isinstance(i["location"]["lines"]["begin"], int) for i in quality)
    assert not files["codequality"].read_bytes().startswith(b"\xef\xbb\xbf")

    junit = JUnitXml.fromfile(str(files["junit"]))
    assert sum(suite.tests for suite in junit) >= len(report.checks)  # every check ran is a test case

    import xml.etree.ElementTree as ET  # our own output, parsed back

    root = ET.parse(files["checkstyle"]).getroot()  # noqa: S314
    assert root.tag == "checkstyle" and root.findall("file")

    assert "::error " in files["github"].read_text()
    assert files["summary"].read_text().startswith("## ")
    assert "FAIL" in files["text"].read_text()


def test_a_saved_report_renders_again_and_merges(tmp_path: Path, in_go_env: None) -> None:
    module = copy_example("broken", tmp_path / "broken")
    main(["check", str(module), "--format", "json", "--output-dir", str(tmp_path / "a")])
    saved = tmp_path / "a" / "report.json"

    assert main(["report", str(saved), "--format", "sarif", "--output-dir", str(tmp_path / "b")]) == ExitCode.ERRORS
    assert_valid_sarif((tmp_path / "b" / "gobaseline.sarif").read_text())

    merged = tmp_path / "merged.json"
    assert main(["merge", str(saved), str(saved), "-o", str(merged)]) == ExitCode.ERRORS
    assert set(load(merged).findings) == set(load(saved).findings)  # duplicates removed


def test_without_any_go_the_run_says_so_and_skips_the_cache(
    tmp_path: Path, in_go_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    module = copy_example("hello", tmp_path / "hello")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # nor one beside gobaseline

    code = main(["check", str(module), "--format", "json", "--output-dir", str(tmp_path / "r")])

    report = load(tmp_path / "r" / "report.json")
    assert code == ExitCode.ERRORS
    assert "GB112" in {f.rule_id for f in report.findings}
    assert [c.status.value for c in report.checks if c.stage.value == "modcache"] == ["skipped"]


def test_a_blocking_admission_builds_nothing(tmp_path: Path, in_go_env: None) -> None:
    module = copy_example("broken", tmp_path / "broken")

    code = main(["build", str(module), "--format", "json", "--output-dir", str(tmp_path / "r")])

    report = load(tmp_path / "r" / "report.json")
    assert code == ExitCode.ERRORS
    assert report.artifacts == ()
    assert [(c.name, c.status.value) for c in report.checks if c.stage.value == "build"] == [("build", "skipped")]
    assert not any((module / "gobaseline-out").glob("*_*/*"))  # no binary for any target
