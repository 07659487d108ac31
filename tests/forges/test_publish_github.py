"""Publishing to GitHub against a fake API that checks every request against GitHub's OpenAPI description."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gobaseline.forges import PublishOptions, PublishResult, publish
from gobaseline.model import Report
from tests.support.github_api import (
    HEAD_SHA,
    MERGE_SHA,
    FakeGitHub,
    Fault,
    expected_requests,
    forbidden,
    github_api,
    github_env,
    rate_limited,
    sample_report,
    too_many,
    write_files,
)

__all__ = ["github_api"]


def run(
    fake: FakeGitHub, tmp_path: Path, report: Report | None = None, **env_kw: Any
) -> tuple[PublishResult, str, dict[str, Path], dict[str, str]]:
    report = report or sample_report()
    files = write_files(tmp_path / "out", report)
    env = github_env(fake, tmp_path, **env_kw)
    log = io.StringIO()
    result = publish(report, files, env, options=PublishOptions(), stream=log, sleep=fake.clock.sleep)
    return result, log.getvalue(), files, env


def test_push_posts_check_run_status_and_sarif(github_api: FakeGitHub, tmp_path: Path) -> None:
    result, log, _, _ = run(github_api, tmp_path)
    assert result.findings == ()
    assert [p.kind for p in result.posted] == ["check-run", "status", "sarif"]
    (run_,) = github_api.check_runs.values()
    assert run_["head_sha"] == HEAD_SHA and run_["conclusion"] == "failure"
    assert len(github_api.annotations[run_["id"]]) == 3
    assert github_api.statuses[0]["state"] == "failure"
    assert github_api.statuses[0]["context"] == "gobaseline"
    assert github_api.statuses[0]["target_url"] == "https://github.com/octo/hello/actions/runs/4242"
    (upload,) = github_api.sarifs.values()
    assert upload["commit_sha"] == HEAD_SHA and upload["ref"] == "refs/heads/main"
    assert log.splitlines()[0] == f"::add-mask::{github_api.token}"


def test_pull_request_posts_to_head_and_sarif_to_merge_commit(github_api: FakeGitHub, tmp_path: Path) -> None:
    result, _, _, _ = run(github_api, tmp_path, event="pull_request")
    assert result.findings == ()
    (run_,) = github_api.check_runs.values()
    assert run_["head_sha"] == HEAD_SHA
    assert github_api.statuses[0]["sha"] == HEAD_SHA
    (upload,) = github_api.sarifs.values()
    assert upload["commit_sha"] == MERGE_SHA and upload["ref"] == "refs/pull/7/merge"


def test_fork_pull_request_degrades_with_one_notice(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.inject_always("*", forbidden())
    result, log, _, _ = run(github_api, tmp_path, event="pull_request", fork=True)
    assert [f.rule_id for f in result.findings] == ["GB003"]
    notices = [line for line in log.splitlines() if line.startswith("::notice")]
    assert len(notices) == 1 and "fork" in notices[0] and "docs/forks.md" in notices[0]
    assert result.posted == ()
    # The read-only token is not tried again after the first refusal.
    assert github_api.count() == 1


def test_thousand_findings_take_two_plus_ceil_n_over_50_requests(github_api: FakeGitHub, tmp_path: Path) -> None:
    report = sample_report(errors=1000, warnings=0, notes=0)
    result, _, _, _ = run(github_api, tmp_path, report=report)
    assert result.findings == ()
    checks = sum(github_api.count(r) for r in ("list-check-runs", "create-check-run", "update-check-run"))
    assert checks == expected_requests(1000) == 2 + 19
    (run_,) = github_api.check_runs.values()
    assert len(github_api.annotations[run_["id"]]) == 1000
    assert github_api.count("create-status") == 1
    assert github_api.count("upload-sarif") == 1
    assert github_api.count("get-sarif") == 2  # one pending, then complete


def test_outputs_and_step_summary(github_api: FakeGitHub, tmp_path: Path) -> None:
    _, _, files, env = run(github_api, tmp_path)
    text = Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")
    assert "verdict<<ghadelimiter_" in text and f"\n{files['sarif']}\n" in text
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8").startswith("## gobaseline: fail")
    assert json.loads(files["json"].read_text(encoding="utf-8"))["verdict"] == "fail"


# --- faults -------------------------------------------------------------------------------------------------


FAULTS: dict[str, tuple[str, list[Fault]]] = {
    "create 500 before acting": ("create-check-run", [Fault("status", 500)]),
    "create 502 after acting": ("create-check-run", [Fault("status-after", 502)]),
    "create reset before acting": ("create-check-run", [Fault("reset")]),
    "create reset after acting": ("create-check-run", [Fault("reset-after")]),
    "create read timeout after acting": ("create-check-run", [Fault("timeout", delay=1.6)]),
    "create 429 Retry-After": ("create-check-run", [too_many(2)]),
    "create secondary rate limit": ("create-check-run", [rate_limited(3)]),
    "update 500 after acting": ("update-check-run", [Fault("status-after", 500)]),
    "update reset before acting": ("update-check-run", [Fault("reset")]),
    "update read timeout after acting": ("update-check-run", [Fault("timeout", delay=1.6)]),
    "update rate limited": ("update-check-run", [rate_limited(1), too_many(1)]),
    "list 502 twice": ("list-check-runs", [Fault("status", 502), Fault("status", 502)]),
    "list reset": ("list-check-runs", [Fault("reset")]),
    "status 500 before acting": ("create-status", [Fault("status", 500)]),
    "sarif poll 503": ("get-sarif", [Fault("status", 503, {"Retry-After": "1"})]),
    "slow server": ("update-check-run", [Fault("slow", delay=0.3)] * 3),
}


def _snapshot(files: dict[str, Path]) -> dict[str, bytes]:
    return {k: p.read_bytes() for k, p in files.items()}


@pytest.mark.parametrize("case", list(FAULTS))
def test_fault_leaves_one_check_run_and_files_intact(github_api: FakeGitHub, tmp_path: Path, case: str) -> None:
    route, faults = FAULTS[case]
    report = sample_report(errors=60, warnings=5, notes=2)  # two annotation batches
    clean_files = write_files(tmp_path / "clean", report)
    files = write_files(tmp_path / "out", report)
    before = _snapshot(files)
    github_api.inject(route, *faults)
    env = github_env(github_api, tmp_path)
    log = io.StringIO()
    result = publish(
        report, files, env, options=PublishOptions(http_timeout=1), stream=log, sleep=github_api.clock.sleep
    )

    assert _snapshot(files) == before == _snapshot(clean_files)
    assert result.findings == (), log.getvalue()
    (run_,) = github_api.check_runs.values()
    assert run_["conclusion"] == "failure"
    assert len(github_api.annotations[run_["id"]]) == 67  # none lost, none twice
    assert len(github_api.statuses) == 1
    # Bounded: at most a couple of extra requests per fault, and waits only as long as the server asked.
    assert github_api.count() <= 2 + 2 + 1 + 1 + 2 + 3 * len(faults)
    asked = sum(float(f.headers.get("Retry-After", 0)) for f in faults)
    assert github_api.clock.total <= asked + 2


def test_server_error_forever_is_bounded_and_degrades(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.inject_always("list-check-runs", Fault("status", 502))
    result, _, _, _ = run(github_api, tmp_path)
    assert [f.rule_id for f in result.findings] == ["GB003"]
    assert "check run could not be posted (HTTP 502" in result.findings[0].message
    assert github_api.count("list-check-runs") == 5  # the first try and 4 retries
    assert github_api.count("create-check-run") == 0
    assert [p.kind for p in result.posted] == ["status", "sarif"]


def test_rate_limit_longer_than_the_bound_is_not_waited_for(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.inject_always("create-status", too_many(3600))
    result, _, _, _ = run(github_api, tmp_path)
    assert github_api.count("create-status") == 1
    assert github_api.clock.total < 60
    assert "commit status could not be posted (HTTP 429" in result.findings[0].message


def test_primary_rate_limit_waits_for_reset(github_api: FakeGitHub, tmp_path: Path) -> None:
    import time

    reset = str(int(time.time()) + 5)
    github_api.inject(
        "create-status",
        Fault(
            "status",
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
            {"message": "API rate limit exceeded"},
        ),
    )
    result, _, _, _ = run(github_api, tmp_path)
    assert result.findings == ()
    assert github_api.count("create-status") == 2
    assert 3 <= github_api.clock.total <= 8


def test_unprocessable_create_is_not_repeated(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.inject("create-check-run", Fault("status", 422, body={"message": "Validation Failed"}))
    result, _, _, _ = run(github_api, tmp_path)
    assert github_api.count("create-check-run") == 1
    assert "HTTP 422 (Validation Failed)" in result.findings[0].message
    assert github_api.check_runs == {}


def test_sarif_forbidden_without_advanced_security_is_a_note(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.inject_always("upload-sarif", forbidden())
    result, log, _, _ = run(github_api, tmp_path)
    assert [p.kind for p in result.posted] == ["check-run", "status"]
    (finding,) = result.findings
    assert finding.rule_id == "GB003" and finding.severity.value == "note"
    assert "Advanced Security" in finding.message and "security-events: write" in finding.message
    assert len([line for line in log.splitlines() if line.startswith("::notice")]) == 1


def test_sarif_processing_failure_is_reported(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.sarif_processing = "failed"
    result, _, _, _ = run(github_api, tmp_path)
    assert "could not process the SARIF upload (locationFromSarifResult" in result.findings[0].message


def test_sarif_polling_is_bounded(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.sarif_pending_polls = 10_000
    result, _, _, _ = run(github_api, tmp_path)
    assert result.posted[-1].detail == "pending"
    assert github_api.clock.total <= 120
    assert github_api.count("get-sarif") <= 10


def test_sarif_category_goes_into_automation_details(github_api: FakeGitHub, tmp_path: Path) -> None:
    report = sample_report()
    files = write_files(tmp_path / "out", report)
    env = github_env(github_api, tmp_path)
    publish(
        report,
        files,
        env,
        options=PublishOptions(sarif_category="linux"),
        stream=io.StringIO(),
        sleep=github_api.clock.sleep,
    )
    (upload,) = github_api.sarifs.values()
    assert upload["sarif"]["runs"][0]["automationDetails"] == {"id": "linux/"}


def test_missing_token_posts_nothing_with_one_notice(github_api: FakeGitHub, tmp_path: Path) -> None:
    result, log, _, env = run(github_api, tmp_path, token=False)
    assert github_api.count() == 0
    assert "::add-mask::" not in log
    assert [f.rule_id for f in result.findings] == ["GB003"] and "$GITHUB_TOKEN is empty" in result.findings[0].message
    assert Path(env["GITHUB_STEP_SUMMARY"]).exists()


def test_a_second_publish_reuses_the_check_run_without_repeating_annotations(
    github_api: FakeGitHub, tmp_path: Path
) -> None:
    run(github_api, tmp_path)
    run(github_api, tmp_path)
    (run_,) = github_api.check_runs.values()
    assert len(github_api.annotations[run_["id"]]) == 3


def test_the_token_is_never_written_outside_the_mask_command(
    github_api: FakeGitHub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    github_api.inject("create-check-run", Fault("timeout", delay=1.6))
    github_api.inject("create-status", forbidden())
    github_api.inject("upload-sarif", Fault("status", 500, body={"message": f"echo {github_api.token}"}))
    report = sample_report()
    files = write_files(tmp_path / "out", report)
    env = github_env(github_api, tmp_path)
    log = io.StringIO()
    result = publish(
        report, files, env, options=PublishOptions(http_timeout=1), stream=log, sleep=github_api.clock.sleep
    )
    token = github_api.token
    lines = log.getvalue().splitlines()
    assert lines[0] == f"::add-mask::{token}"
    haystacks = ["\n".join(lines[1:]), *result.notices, *(f.message for f in result.findings), caplog.text]
    captured = capsys.readouterr()
    haystacks += [captured.out, captured.err]
    haystacks += [p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert result.findings  # the faults did happen
    assert [h for h in haystacks if token in h] == []


def test_files_rendered_by_the_real_formats_publish(github_api: FakeGitHub, tmp_path: Path) -> None:
    from gobaseline.formats import default_filename, render

    report = sample_report(errors=3, warnings=2, notes=1)
    out = tmp_path / "out"
    out.mkdir()
    files = {}
    for fmt in ("json", "sarif", "summary"):
        files[fmt] = out / default_filename(fmt)
        files[fmt].write_text(render(fmt, report), encoding="utf-8")
    env = github_env(github_api, tmp_path, event="pull_request")
    result = publish(report, files, env, options=PublishOptions(), stream=io.StringIO(), sleep=github_api.clock.sleep)
    assert result.findings == ()
    (upload,) = github_api.sarifs.values()
    assert upload["sarif"] == json.loads(files["sarif"].read_text(encoding="utf-8"))
    (run_,) = github_api.check_runs.values()
    assert run_["output"]["summary"] == files["summary"].read_text(encoding="utf-8")


def test_a_rerun_attempt_gets_its_own_check_run(github_api: FakeGitHub, tmp_path: Path) -> None:
    report = sample_report()
    files = write_files(tmp_path / "out", report)
    for attempt in ("1", "2"):
        env = github_env(github_api, tmp_path) | {"GITHUB_RUN_ATTEMPT": attempt}
        publish(report, files, env, options=PublishOptions(), stream=io.StringIO(), sleep=github_api.clock.sleep)
    assert [len(a) for a in github_api.annotations.values()] == [3, 3]
    assert github_api.count("create-check-run") == 2
