"""Publishing to GitLab against a fake API checked against the hand-written GitLab OpenAPI description."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gobaseline.forges import PublishOptions, PublishResult, publish
from gobaseline.forges.gitlab.client import NOTE_MARKER
from gobaseline.model import Report
from tests.support.github_api import HEAD_SHA, MERGE_SHA, Fault, sample_report, write_files
from tests.support.gitlab_api import FakeGitLab, gitlab_api, gitlab_env

__all__ = ["gitlab_api"]


def run(
    fake: FakeGitLab, tmp_path: Path, report: Report | None = None, options: PublishOptions | None = None, **kw: bool
) -> tuple[PublishResult, str]:
    report = report or sample_report()
    files = write_files(tmp_path / "out", report)
    log = io.StringIO()
    result = publish(
        report,
        files,
        gitlab_env(fake, **kw),
        options=options or PublishOptions(),
        stream=log,
        sleep=fake.clock.sleep,
    )
    return result, log.getvalue()


def test_merge_request_gets_a_status_on_the_source_head_and_one_note(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    result, log = run(gitlab_api, tmp_path)
    assert result.findings == (), log
    (status,) = gitlab_api.statuses
    assert status["sha"] == HEAD_SHA and status["status"] == "failed" and status["name"] == "gobaseline"
    assert status["target_url"] == "https://gitlab.example.com/octo/hello/-/jobs/99"
    (note,) = gitlab_api.notes[3]
    assert note["body"].startswith(NOTE_MARKER) and "gobaseline: fail" in note["body"]


def test_a_second_push_updates_the_note_instead_of_adding_one(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    gitlab_api.add_notes(3, 150)  # the list spans two pages of 100
    run(gitlab_api, tmp_path / "1")
    first = gitlab_api.notes[3][-1]
    result, _ = run(gitlab_api, tmp_path / "2", report=sample_report(errors=0, warnings=0, notes=1))
    ours = [n for n in gitlab_api.notes[3] if n["body"].startswith(NOTE_MARKER)]
    assert len(ours) == 1 and ours[0]["id"] == first["id"]
    assert "gobaseline: pass" in ours[0]["body"]
    assert [p.detail for p in result.posted] == ["success", "updated"]
    assert gitlab_api.count("update-note") == 1 and gitlab_api.count("create-note") == 1
    assert gitlab_api.statuses[-1]["status"] == "success"


def test_repeating_the_same_status_is_not_an_error(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    run(gitlab_api, tmp_path / "1")
    result, _ = run(gitlab_api, tmp_path / "2")
    assert result.findings == ()
    assert len(gitlab_api.statuses) == 1


@pytest.mark.parametrize(("fail_on", "state"), [("error", "success"), ("warning", "failed")])
def test_warnings_fail_the_status_only_with_fail_on_warning(
    gitlab_api: FakeGitLab, tmp_path: Path, fail_on: str, state: str
) -> None:
    run(gitlab_api, tmp_path, report=sample_report(errors=0), options=PublishOptions(fail_on=fail_on))
    assert gitlab_api.statuses[0]["status"] == state


def test_fork_merge_request_posts_nothing_with_one_notice(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    result, log = run(gitlab_api, tmp_path, fork=True)
    assert gitlab_api.count() == 0
    assert [f.rule_id for f in result.findings] == ["GB003"]
    assert len(log.splitlines()) == 1 and "fork" in log


def test_missing_token_posts_nothing_with_one_notice(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    result, log = run(gitlab_api, tmp_path, token=False)
    assert gitlab_api.count() == 0
    assert "GOBASELINE_GITLAB_TOKEN is empty" in result.findings[0].message
    assert len(log.splitlines()) == 1


def test_branch_pipeline_posts_a_status_and_no_note(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    result, _ = run(gitlab_api, tmp_path, mr=False)
    assert [p.kind for p in result.posted] == ["status"]
    assert gitlab_api.statuses[0]["sha"] == MERGE_SHA  # CI_COMMIT_SHA outside merge requests
    assert gitlab_api.statuses[0]["pipeline_id"] == 1234  # this pipeline's, not the newest on the commit


def test_a_merged_results_pipeline_names_no_pipeline(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    # The pipeline runs on a merge commit; the status goes to the source head, which that pipeline does not run.
    run(gitlab_api, tmp_path)
    (request,) = [r for r in gitlab_api.requests if r.route == "create-status"]
    assert "pipeline_id" not in request.body


def test_a_merge_request_pipeline_on_the_source_head_names_its_pipeline(gitlab_api: FakeGitLab, tmp_path: Path) -> None:
    from gobaseline.forges.gitlab.context import read

    env = gitlab_env(gitlab_api)
    del env["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"]  # GitLab sets it in merged-results pipelines only
    ctx = read(env)
    assert ctx is not None and ctx.head_sha == MERGE_SHA and ctx.pipeline_id == 1234
    assert read({**env, "CI_PIPELINE_ID": "x"}).pipeline_id is None  # type: ignore[union-attr]


FAULTS = {
    "note create 502 after acting": ("create-note", [Fault("status-after", 502)]),
    "note create timeout after acting": ("create-note", [Fault("timeout", delay=1.6)]),
    "note create 500 before acting": ("create-note", [Fault("status", 500)]),
    "note create 429": ("create-note", [Fault("status", 429, {"Retry-After": "2"})]),
    "note list 503 twice": ("list-notes", [Fault("status", 503), Fault("status", 503)]),
    "note list reset": ("list-notes", [Fault("reset")]),
    "status reset before acting": ("create-status", [Fault("reset")]),
    "status 502 after acting": ("create-status", [Fault("status-after", 502)]),
}


@pytest.mark.parametrize("case", list(FAULTS))
def test_fault_leaves_exactly_one_note_and_files_intact(gitlab_api: FakeGitLab, tmp_path: Path, case: str) -> None:
    route, faults = FAULTS[case]
    gitlab_api.inject(route, *faults)
    report = sample_report()
    files = write_files(tmp_path / "out", report)
    before = {k: p.read_bytes() for k, p in files.items()}
    log = io.StringIO()
    result = publish(
        report,
        files,
        gitlab_env(gitlab_api),
        options=PublishOptions(http_timeout=1),
        stream=log,
        sleep=gitlab_api.clock.sleep,
    )
    assert {k: p.read_bytes() for k, p in files.items()} == before
    assert result.findings == (), log.getvalue()
    assert len([n for n in gitlab_api.notes[3] if n["body"].startswith(NOTE_MARKER)]) == 1
    assert len(gitlab_api.statuses) == 1
    assert gitlab_api.count() <= 3 + 3 * len(faults)
    assert gitlab_api.clock.total <= sum(float(f.headers.get("Retry-After", 0)) for f in faults) + 2


def test_forbidden_degrades_and_never_leaks_the_token(
    gitlab_api: FakeGitLab, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    gitlab_api.inject_always("*", Fault("status", 403, body={"message": "403 Forbidden"}))
    result, log = run(gitlab_api, tmp_path)
    assert [f.rule_id for f in result.findings] == ["GB003"]
    assert len(log.splitlines()) == 1 and "api` scope" in log
    texts = [log, caplog.text, *(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file())]
    assert [t for t in texts if gitlab_api.token in t] == []
