"""Facts about the runner are not code alerts: a clean module built on a hosted-runner-like machine (one disk, a
PIE that names glibc's loader) has its machine warnings in the log, the summary, JSON and JUnit, and none in SARIF
or Code Quality, until the policy raises them to errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gobaseline.cli import main
from gobaseline.rules import Subject, catalogue
from tests.support.gitrepo import git

GO_MOD = "module example.com/clean\n\ngo 1.27.0\n"
MAIN_GO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("clean") }\n'


def _clean_module(root: Path, policy: str | None = None) -> Path:
    root.mkdir()
    (root / "go.mod").write_text(GO_MOD)
    (root / "main.go").write_text(MAIN_GO)
    if policy is not None:
        (root / ".gobaseline.yml").write_text(policy)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "clean module")
    return root


def _runner(rule_id: str) -> bool:
    found = catalogue().get(rule_id)
    return found is not None and found.subject is Subject.RUNNER


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]) -> tuple[int, dict[str, str]]:
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "GITLAB_", "CI_", "GOBASELINE_", "GO", "INPUT_")) or key == "CI":
            monkeypatch.delenv(key, raising=False)
    for key, value in go_env.items():
        monkeypatch.setenv(key, value)
    code = main(["run", str(root), "--targets", "linux/amd64", "--no-publish"])
    reports = root / "gobaseline-out" / "reports"
    return code, {p.name: p.read_text(encoding="utf-8") for p in reports.iterdir()}


def _code_alerts(files: dict[str, str]) -> tuple[set[str], set[str]]:
    sarif = {r["ruleId"] for r in json.loads(files["gobaseline.sarif"])["runs"][0]["results"]}
    quality = {i["check_name"] for i in json.loads(files["gl-code-quality-report.json"])}
    return sarif, quality


def test_runner_warnings_stay_out_of_code_scanning_and_code_quality(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]
) -> None:
    code, files = _run(_clean_module(tmp_path / "clean"), monkeypatch, go_env)
    findings = json.loads(files["report.json"])["findings"]
    runner = {f["rule_id"] for f in findings if _runner(f["rule_id"])}
    assert "GB604" in runner  # a linux/amd64 PIE names glibc's loader: a runner fact on every machine
    assert all(f["severity"] != "error" for f in findings), findings
    assert code == 2  # warnings only
    sarif, quality = _code_alerts(files)
    assert sarif == quality == set()  # a clean module: no code alert at go.mod:1
    assert all(rule in files["summary.md"] and rule in files["junit.xml"] for rule in runner)
    assert all(rule in files["report.txt"] for rule in runner)


def test_runner_facts_raised_to_errors_are_code_alerts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]
) -> None:
    # Only the loader: raising the system-disk rules too would stop the run before the build.
    policy = "version: 1\nseverity:\n  GB604: error    # our images are FROM scratch\n"
    code, files = _run(_clean_module(tmp_path / "strict", policy), monkeypatch, go_env)
    findings = json.loads(files["report.json"])["findings"]
    raised = {f["rule_id"] for f in findings if _runner(f["rule_id"]) and f["severity"] == "error"}
    assert raised == {"GB604"} and code == 1
    sarif, quality = _code_alerts(files)
    assert sarif == quality == {"GB604"}  # the runner warnings that are left stay out
