"""`gobaseline run` end to end through the CLI: real Go builds, the bundled examples, the contract-checked fake
GitHub and GitLab APIs, and the probe of a real service."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gobaseline.cli import main
from gobaseline.model import ExitCode
from tests.support.examples import LEFT_BY_RUNS
from tests.support.github_api import BASE_SHA, HEAD_SHA, MERGE_SHA, FakeGitHub, forbidden, github_api, github_env
from tests.support.gitlab_api import FakeGitLab, gitlab_api
from tests.support.sarif import assert_valid_sarif

__all__ = ["github_api", "gitlab_api"]

REPO = Path(__file__).resolve().parents[2]
PROBE_FIXTURES = REPO / "tests" / "fixtures" / "probe"


def git_repo(src: Path, dst: Path) -> Path:
    """A git repository holding a copy of `src` (without what a local run left in it), committed."""
    shutil.copytree(src, dst, ignore=LEFT_BY_RUNS)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}  # fmt: skip
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=dst, check=True, env=env)
    return dst


@pytest.fixture
def ci_env(monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]) -> pytest.MonkeyPatch:
    """The process environment of a CI job: the isolated Go environment, no CI variables of this machine."""
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "GITLAB_", "CI_", "GOBASELINE_", "GO", "INPUT_")) or key in ("CI",):
            monkeypatch.delenv(key, raising=False)
    for key, value in go_env.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def report_of(module: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((module / "gobaseline-out" / "reports" / "report.json").read_text())
    return data


def test_run_on_a_github_push_posts_check_run_status_and_sarif(
    tmp_path: Path, ci_env: pytest.MonkeyPatch, github_api: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = git_repo(REPO / "examples" / "hello", tmp_path / "hello")
    for key, value in github_env(github_api, tmp_path).items():
        ci_env.setenv(key, value)

    code = main(["run", str(repo), "--targets", "linux/amd64"])

    out, err = capfd.readouterr()
    assert code == ExitCode.WARNINGS, err  # system-disk and loader warnings only: a clean repository passes
    [run] = github_api.check_runs.values()
    assert run["head_sha"] == HEAD_SHA and run["status"] == "completed" and run["conclusion"] == "neutral"
    report = report_of(repo)
    assert len(github_api.annotations[run["id"]]) == len(report["findings"])  # type: ignore[arg-type]
    assert [s["state"] for s in github_api.statuses] == ["success"]
    [sarif] = github_api.sarifs.values()
    assert sarif["commit_sha"] == HEAD_SHA and sarif["ref"] == "refs/heads/main"
    assert_valid_sarif((repo / "gobaseline-out" / "reports" / "gobaseline.sarif").read_text())
    assert "verdict<<" in (tmp_path / "github_output").read_text()
    assert "gobaseline" in (tmp_path / "step_summary.md").read_text()
    assert "::warning " not in out  # annotated once: on the check run, which was posted, not in the log too
    manifest = json.loads((repo / "gobaseline-out" / "manifest.json").read_text())
    assert [a["target"] for a in manifest["artifacts"]] == ["linux/amd64"]
    for text in (out, err, *(p.read_text() for p in (repo / "gobaseline-out" / "reports").iterdir())):
        assert github_api.token not in text.replace(f"::add-mask::{github_api.token}", "")


def test_run_on_a_pull_request_posts_to_the_head_and_sarif_to_the_merge_ref(
    tmp_path: Path, ci_env: pytest.MonkeyPatch, github_api: FakeGitHub
) -> None:
    repo = git_repo(REPO / "examples" / "hello", tmp_path / "hello")
    for key, value in github_env(github_api, tmp_path, event="pull_request").items():
        ci_env.setenv(key, value)

    # The base commit is not in this clone and cannot be fetched: the run fails closed (GB002).
    assert main(["run", str(repo), "--no-build"]) == ExitCode.ERRORS

    [run] = github_api.check_runs.values()
    assert run["head_sha"] == HEAD_SHA
    [sarif] = github_api.sarifs.values()
    assert sarif["commit_sha"] == MERGE_SHA and sarif["ref"] == "refs/pull/7/merge"
    # The report says why, and the change's own policy was not used in place of the target's.
    findings = [(f["rule_id"], f["severity"]) for f in report_of(repo)["findings"]]  # type: ignore[attr-defined]
    assert BASE_SHA not in (repo / ".git" / "HEAD").read_text()
    assert ("GB002", "error") in findings and report_of(repo)["policy_source"] == "default"


def test_a_fork_pull_request_degrades_to_files_and_keeps_the_verdict(
    tmp_path: Path, ci_env: pytest.MonkeyPatch, github_api: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = git_repo(REPO / "examples" / "broken", tmp_path / "broken")
    for route in ("list-check-runs", "create-check-run", "create-status", "upload-sarif"):
        github_api.inject_always(route, forbidden())
    for key, value in github_env(github_api, tmp_path, event="pull_request", fork=True).items():
        ci_env.setenv(key, value)

    code = main(["run", str(repo), "--no-build"])

    _, err = capfd.readouterr()
    assert code == ExitCode.ERRORS  # the verdict of the findings, not of the API
    assert github_api.check_runs == {} and github_api.statuses == []
    report = report_of(repo)
    assert "GB003" in [f["rule_id"] for f in report["findings"]]  # type: ignore[attr-defined]
    assert (repo / "gobaseline-out" / "reports" / "gl-code-quality-report.json").is_file()
    assert github_api.token not in err.replace(f"::add-mask::{github_api.token}", "")


def test_run_in_a_gitlab_merge_request_posts_a_status_and_one_note(
    tmp_path: Path, ci_env: pytest.MonkeyPatch, gitlab_api: FakeGitLab
) -> None:
    repo = git_repo(REPO / "examples" / "broken", tmp_path / "broken")
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": gitlab_api.api_url,
        "CI_PROJECT_ID": str(gitlab_api.project_id),
        "CI_COMMIT_SHA": MERGE_SHA,
        "CI_JOB_URL": "https://gitlab.example.com/octo/hello/-/jobs/99",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "3",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": HEAD_SHA,
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": BASE_SHA,
        "CI_MERGE_REQUEST_PROJECT_ID": str(gitlab_api.project_id),
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": str(gitlab_api.project_id),
        "GOBASELINE_GITLAB_TOKEN": gitlab_api.token,
    }
    for key, value in env.items():
        ci_env.setenv(key, value)

    assert main(["run", str(repo), "--no-build"]) == ExitCode.ERRORS
    assert main(["run", str(repo), "--no-build"]) == ExitCode.ERRORS  # a second push

    assert [s["status"] for s in gitlab_api.statuses] == ["failed"]
    assert gitlab_api.statuses[0]["sha"] == HEAD_SHA
    assert len(gitlab_api.notes[3]) == 1  # updated, not added again
    codequality = json.loads((repo / "gobaseline-out" / "reports" / "gl-code-quality-report.json").read_text())
    assert codequality and all(isinstance(i["location"]["lines"]["begin"], int) for i in codequality)


def test_run_probes_the_compliant_example_service(tmp_path: Path, ci_env: pytest.MonkeyPatch) -> None:
    repo = git_repo(REPO / "examples" / "hello", tmp_path / "hello")
    policy = tmp_path / "probe.yml"
    policy.write_text(
        (PROBE_FIXTURES / "hello-probe.yml").read_text() + "build:\n  ldflags: ['-X main.version=1.2.3']\n"
    )

    code = main(["run", str(repo), "--targets", "linux/amd64", "--policy", str(policy)])

    report = report_of(repo)
    probe = [c for c in report["checks"] if c["stage"] == "probe"]  # type: ignore[attr-defined]
    assert code == ExitCode.WARNINGS
    assert probe and all(c["status"] == "passed" for c in probe), probe


@pytest.mark.parametrize(
    ("service", "rule_id"),
    [("plainlog", "GB703"), ("jsonmetrics", "GB706"), ("crash", "GB701"), ("neverlisten", "GB702")],
)
def test_run_reports_a_non_compliant_service(
    tmp_path: Path, ci_env: pytest.MonkeyPatch, service: str, rule_id: str
) -> None:
    repo = git_repo(PROBE_FIXTURES, tmp_path / "svc")
    policy = tmp_path / "probe.yml"
    policy.write_text(
        f"build:\n  packages: [./cmd/{service}]\n"
        f"probe:\n  enabled: true\n  package: ./cmd/{service}\n  port_flag: -listen\n"
        "  startup_timeout: 3\n  shutdown_grace: 1\n"
    )

    assert main(["run", str(repo), "--targets", "linux/amd64", "--policy", str(policy)]) == ExitCode.ERRORS

    findings = report_of(repo)["findings"]
    hits = [f for f in findings if f["rule_id"] == rule_id]  # type: ignore[attr-defined]
    assert hits and hits[0]["location"]["path"] == f"cmd/{service}/main.go"


def test_publish_posts_a_saved_report_for_the_triggering_run(
    tmp_path: Path, ci_env: pytest.MonkeyPatch, github_api: FakeGitHub
) -> None:
    # The fork pattern (docs/forks.md): the report comes from an artifact, a workflow_run job posts it.
    repo = git_repo(REPO / "examples" / "broken", tmp_path / "broken")
    assert main(["check", str(repo), "--format", "json", "--output-dir", str(tmp_path / "artifact")]) == 1
    for key, value in github_env(github_api, tmp_path).items():
        ci_env.setenv(key, value)
    event = {"workflow_run": {"id": 99, "event": "pull_request", "head_sha": HEAD_SHA, "pull_requests": []}}
    (tmp_path / "run.json").write_text(json.dumps(event))
    ci_env.setenv("GITHUB_EVENT_NAME", "workflow_run")
    ci_env.setenv("GITHUB_EVENT_PATH", str(tmp_path / "run.json"))

    code = main(["publish", str(tmp_path / "artifact" / "report.json")])

    assert code == ExitCode.ERRORS  # the saved verdict
    [run] = github_api.check_runs.values()
    assert run["head_sha"] == HEAD_SHA and run["conclusion"] == "failure"
    assert [s["state"] for s in github_api.statuses] == ["failure"]


@pytest.mark.parametrize(
    ("args", "code", "conclusion", "state"),
    [
        ([], ExitCode.WARNINGS, "neutral", "success"),
        (["--fail-on", "warning"], ExitCode.ERRORS, "failure", "failure"),
        (["--fail-on", "never"], ExitCode.PASS, "neutral", "success"),
    ],
)
def test_publish_posts_under_the_fail_on_it_is_given(
    tmp_path: Path,
    ci_env: pytest.MonkeyPatch,
    github_api: FakeGitHub,
    args: list[str],
    code: ExitCode,
    conclusion: str,
    state: str,
) -> None:
    # A run that fails on warnings is published as failing too, not as the default (errors only).
    from gobaseline.formats.json_report import dumps
    from gobaseline.model import Finding, Report, Severity

    saved = tmp_path / "artifact" / "report.json"
    saved.parent.mkdir()
    saved.write_text(dumps(Report("0", str(tmp_path), (Finding("GB111", Severity.WARNING, "one disk"),))))
    for key, value in github_env(github_api, tmp_path).items():
        ci_env.setenv(key, value)

    assert main(["publish", str(saved), *args]) == code
    [run] = github_api.check_runs.values()
    assert run["conclusion"] == conclusion
    assert [s["state"] for s in github_api.statuses] == [state]


def test_verify_checks_any_binary_and_its_manifest(tmp_path: Path, ci_env: pytest.MonkeyPatch) -> None:
    repo = git_repo(REPO / "examples" / "hello", tmp_path / "hello")
    assert main(["build", str(repo), "--targets", "linux/amd64", "--fail-on", "error"]) == ExitCode.PASS
    out = repo / "gobaseline-out"
    binary = out / "linux_amd64" / "hello"

    assert main(["verify", str(binary), "--manifest", str(out / "manifest.json"), "--fail-on", "error"]) == 0

    with binary.open("ab") as f:  # the file is no longer the one the manifest records
        f.write(b"\0")
    assert main(["verify", str(binary), "--manifest", str(out / "manifest.json"), "--format", "json",
                 "--output-dir", str(tmp_path / "r")]) == ExitCode.ERRORS  # fmt: skip
    rules = {f["rule_id"] for f in json.loads((tmp_path / "r" / "report.json").read_text())["findings"]}
    assert "GB610" in rules


def test_a_second_identical_build_in_the_checkout_gives_the_same_binary(
    tmp_path: Path, ci_env: pytest.MonkeyPatch
) -> None:
    repo = git_repo(REPO / "examples" / "hello", tmp_path / "hello")

    def build_once() -> dict[str, object]:
        assert main(["build", str(repo), "--targets", "linux/amd64"]) in (ExitCode.PASS, ExitCode.WARNINGS)
        [entry] = json.loads((repo / "gobaseline-out" / "manifest.json").read_text())["artifacts"]
        return dict(entry)

    first, second = build_once(), build_once()
    assert first.get("vcs_modified") == second.get("vcs_modified") == "false"  # the output dir ignores itself
    assert first["sha256"] == second["sha256"]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True)
    assert status.stdout == ""


def test_check_writes_nothing(tmp_path: Path, ci_env: pytest.MonkeyPatch) -> None:
    repo = git_repo(REPO / "examples" / "hello", tmp_path / "hello")
    before = sorted(p for p in repo.rglob("*") if ".git" not in p.parts)
    assert main(["check", str(repo), "--targets", "linux/amd64"]) in (ExitCode.PASS, ExitCode.WARNINGS)
    assert sorted(p for p in repo.rglob("*") if ".git" not in p.parts) == before
