"""The CI context comes from the environment and the event payload alone."""

from __future__ import annotations

import json
from pathlib import Path

from gobaseline.forges import ForgeKind, detect


def _event(tmp_path: Path, payload: dict) -> str:  # type: ignore[type-arg]
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_outside_ci_there_is_no_forge() -> None:
    assert detect({}).forge is ForgeKind.NONE


def test_github_push(tmp_path: Path) -> None:
    ctx = detect(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "octo/hello",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_SHA": "1" * 40,
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_RUN_ID": "9",
            "GITHUB_EVENT_PATH": _event(tmp_path, {}),
            "GITHUB_TOKEN": "t0k",
        }
    )
    assert ctx.forge is ForgeKind.GITHUB and ctx.api_url == "https://api.github.com"
    assert ctx.head_sha == ctx.sarif_sha == "1" * 40 and ctx.sarif_ref == "refs/heads/main"
    assert not ctx.is_change_request and not ctx.is_fork and ctx.base_sha == ""
    assert ctx.run_url == "https://github.com/octo/hello/actions/runs/9"
    assert ctx.blob_url == "https://github.com/octo/hello/blob/" + "1" * 40 + "/"
    assert ctx.token == "t0k" and "t0k" not in repr(ctx)


def test_github_pull_request_from_a_fork(tmp_path: Path) -> None:
    payload = {
        "pull_request": {
            "number": 12,
            "head": {"sha": "2" * 40, "repo": {"full_name": "mallory/hello"}},
            "base": {"sha": "3" * 40, "repo": {"full_name": "octo/hello"}},
        }
    }
    ctx = detect(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_API_URL": "https://ghe.example/api/v3/",
            "GITHUB_REPOSITORY": "octo/hello",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_SHA": "4" * 40,
            "GITHUB_REF": "refs/pull/12/merge",
            "GITHUB_EVENT_PATH": _event(tmp_path, payload),
            "MY_TOKEN": "x",
        },
        token_var="MY_TOKEN",
    )
    assert ctx.api_url == "https://ghe.example/api/v3"
    assert ctx.head_sha == "2" * 40 and ctx.base_sha == "3" * 40
    assert ctx.sarif_sha == "4" * 40 and ctx.sarif_ref == "refs/pull/12/merge"
    assert ctx.is_fork and ctx.change_number == 12 and ctx.token == "x"
    # Links name the commit that was checked out and checked: the merge commit.
    assert ctx.blob_url == "https://github.com/octo/hello/blob/" + "4" * 40 + "/"


def test_deleted_fork_counts_as_a_fork(tmp_path: Path) -> None:
    payload = {"pull_request": {"number": 1, "head": {"sha": "2" * 40, "repo": None}, "base": {"sha": "3" * 40}}}
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_NAME": "pull_request"}
    assert detect(env | {"GITHUB_EVENT_PATH": _event(tmp_path, payload)}).is_fork


def test_workflow_run_publishes_for_the_triggering_run(tmp_path: Path) -> None:
    payload = {"workflow_run": {"head_sha": "5" * 40, "head_branch": "topic", "pull_requests": []}}
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_EVENT_NAME": "workflow_run",
        "GITHUB_SHA": "6" * 40,
    }
    ctx = detect(env | {"GITHUB_EVENT_PATH": _event(tmp_path, payload)})
    assert ctx.head_sha == ctx.sarif_sha == "5" * 40 and ctx.sarif_ref == "refs/heads/topic"
    assert ctx.blob_url == "https://github.com/o/r/blob/" + "5" * 40 + "/"  # the report is the triggering run's


def test_gitlab_merged_results_pipeline() -> None:
    ctx = detect(
        {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
            "CI_PROJECT_ID": "42",
            "CI_COMMIT_SHA": "7" * 40,
            "CI_MERGE_REQUEST_IID": "3",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "8" * 40,
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": "9" * 40,
            "CI_MERGE_REQUEST_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "42",
            "CI_JOB_URL": "https://gitlab.example.com/o/r/-/jobs/1",
            "CI_PROJECT_URL": "https://gitlab.example.com/group/sub/r/",
            "GOBASELINE_GITLAB_TOKEN": "glpat",
        }
    )
    # The merge result's lines are the ones reported.
    assert ctx.blob_url == "https://gitlab.example.com/group/sub/r/-/blob/" + "7" * 40 + "/"
    assert ctx.forge is ForgeKind.GITLAB and ctx.repo == "42"
    assert ctx.head_sha == "8" * 40 and ctx.base_sha == "9" * 40 and ctx.change_number == 3
    assert not ctx.is_fork and ctx.run_url.endswith("/jobs/1") and ctx.token == "glpat"


def test_gitlab_fork_and_branch_pipelines() -> None:
    base = {"GITLAB_CI": "true", "CI_COMMIT_SHA": "7" * 40}
    fork = detect(
        base
        | {
            "CI_MERGE_REQUEST_IID": "3",
            "CI_MERGE_REQUEST_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "43",
        }
    )
    assert fork.is_fork and fork.head_sha == "7" * 40
    branch = detect(base)
    assert not branch.is_change_request and branch.base_sha == "" and not branch.is_fork
    assert branch.blob_url == ""  # no CI_PROJECT_URL: no links rather than wrong ones


def test_workflow_run_from_a_fork_without_pull_request_has_no_sarif_ref(tmp_path: Path) -> None:
    payload = {
        "workflow_run": {
            "head_sha": "5" * 40,
            "head_branch": "main",
            "head_repository": {"full_name": "mallory/r"},
            "pull_requests": [],
        }
    }
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_NAME": "workflow_run"}
    ctx = detect(env | {"GITHUB_EVENT_PATH": _event(tmp_path, payload)})
    assert ctx.head_sha == "5" * 40 and ctx.sarif_ref == ""
