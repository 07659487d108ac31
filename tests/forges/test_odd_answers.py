"""Whatever the forge answers, on any route, publishing returns: the verdict, the exit code and the report files
stay as they are, and a problem is at most one GB003 note and one notice saying what came back. A check run
that was created is always completed. Every route of both fake APIs, times every kind of wrong answer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gobaseline.commands.run import Options, execute
from gobaseline.forges import PublishOptions, PublishResult, publish
from gobaseline.forges.gitlab.client import NOTE_MARKER
from gobaseline.model import Report, Severity
from tests.support.canned import canned_module, canned_pipeline, report_files
from tests.support.github_api import (
    ODD_BODIES,
    FakeGitHub,
    Fault,
    forbidden,
    github_api,
    github_env,
    odd,
    sample_report,
    unauthorized,
    write_files,
)
from tests.support.gitlab_api import FakeGitLab, gitlab_api, gitlab_env

__all__ = ["github_api", "gitlab_api"]

TIMEOUT = 1
FAULTS: dict[str, Fault] = {
    **{f"200 {name}": odd(name) for name in ODD_BODIES if name != "JSON number"},
    "201 JSON number": odd("JSON number", 201),
    "200 HTML page, not acted on": odd("HTML page", after=False),
    "502 HTML page": odd("HTML page", 502, after=False),
    "401 bad credentials": unauthorized(),
    "403 missing permission": forbidden(),
    "reset": Fault("reset"),
    "answer dripping in slowly": Fault("drip", delay=0.1),
    "answer stalling half way": Fault("stall", delay=TIMEOUT + 0.5),
}
GITHUB_ROUTES = [
    "list-check-runs",
    "create-check-run",
    "update-check-run",
    "get-check-run",
    "create-status",
    "upload-sarif",
    "get-sarif",
]
GITLAB_ROUTES = ["create-status", "list-notes", "create-note", "update-note"]
WHAT = {"check-run": "check run", "status": "status", "sarif": "SARIF", "note": "note"}


def _verdict_kept(report: Report, result: PublishResult) -> None:
    assert len(result.findings) <= 1
    for finding in result.findings:
        assert finding.rule_id == "GB003" and finding.severity is Severity.NOTE
    with_notes = Report(tool_version=report.tool_version, root=report.root, findings=report.findings + result.findings)
    assert with_notes.verdict is report.verdict


def _what(route: str) -> str:
    return next(word for key, word in WHAT.items() if key in route)


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("route", GITHUB_ROUTES)
def test_github_any_answer_on_any_route_degrades_to_one_note(
    github_api: FakeGitHub, tmp_path: Path, route: str, fault: str
) -> None:
    report = sample_report(errors=60, warnings=5, notes=2)  # two annotation batches
    files = write_files(tmp_path / "out", report)
    before = {k: p.read_bytes() for k, p in files.items()}
    github_api.inject_always(route, FAULTS[fault])
    if route == "get-check-run":
        github_api.inject("update-check-run", Fault("status", 502))  # so the run is looked at again
    env = github_env(github_api, tmp_path)
    log = io.StringIO()

    result = publish(
        report, files, env, options=PublishOptions(http_timeout=TIMEOUT), stream=log, sleep=github_api.clock.sleep
    )

    assert {k: p.read_bytes() for k, p in files.items()} == before
    _verdict_kept(report, result)
    printed = log.getvalue().splitlines()
    assert len([line for line in printed if line.startswith("::notice")]) == len(result.notices) <= 2
    for run in github_api.check_runs.values():
        assert run["status"] == "completed" and run["conclusion"] == "failure", run
        assert len(github_api.annotations[run["id"]]) <= 67  # none twice
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text().startswith("## gobaseline")
    assert "verdict<<" in Path(env["GITHUB_OUTPUT"]).read_text()
    if result.findings:
        message = result.findings[0].message
        assert _what(route) in message and "exit code is unchanged" in message
        if fault.startswith("401"):
            assert "(401, bad credentials)" in message and "GITHUB_TOKEN" in message
        if fault.startswith("403"):
            assert "(403" in message and "401" not in message
        if "HTML" in fault and route not in ("get-check-run",):
            assert "HTML page" in message
    # Bounded: no route is asked more than the retries allow.
    assert github_api.count() <= 40
    assert github_api.clock.total <= 60


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.startswith(("200", "201"))])
def test_github_create_answered_oddly_after_acting_is_found_and_kept_completed(
    github_api: FakeGitHub, tmp_path: Path, fault: str
) -> None:
    github_api.inject("create-check-run", FAULTS[fault])
    report = sample_report(errors=60, warnings=5, notes=2)
    result = publish(
        report,
        write_files(tmp_path / "out", report),
        github_env(github_api, tmp_path),
        options=PublishOptions(http_timeout=TIMEOUT),
        stream=io.StringIO(),
        sleep=github_api.clock.sleep,
    )
    assert result.findings == () or "not acted on" in fault
    runs = list(github_api.check_runs.values())
    assert len(runs) == 1 and runs[0]["conclusion"] == "failure"
    assert len(github_api.annotations[runs[0]["id"]]) == 67


def test_github_a_created_run_stays_completed_when_every_update_fails(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.inject_always("update-check-run", Fault("status", 500))
    github_api.inject_always("get-check-run", odd("HTML page"))
    report = sample_report(errors=120, warnings=0, notes=0)
    result = publish(
        report,
        write_files(tmp_path / "out", report),
        github_env(github_api, tmp_path),
        options=PublishOptions(),
        stream=io.StringIO(),
        sleep=github_api.clock.sleep,
    )
    (run,) = github_api.check_runs.values()
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert len(github_api.annotations[run["id"]]) == 50
    (finding,) = result.findings
    assert "check run was posted, but only 50 of its 120 annotations were added" in finding.message


def test_github_401_stops_after_the_first_refusal_and_says_the_token_is_bad(
    github_api: FakeGitHub, tmp_path: Path
) -> None:
    github_api.inject_always("*", unauthorized())
    report = sample_report()
    result = publish(
        report,
        write_files(tmp_path / "out", report),
        github_env(github_api, tmp_path),
        options=PublishOptions(),
        stream=io.StringIO(),
        sleep=github_api.clock.sleep,
    )
    assert github_api.count() == 1
    (finding,) = result.findings
    assert "(401, bad credentials)" in finding.message and "$GITHUB_TOKEN" in finding.message


def test_github_403_names_the_missing_permission_and_tries_the_rest(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.inject_always("create-status", forbidden())
    report = sample_report()
    result = publish(
        report,
        write_files(tmp_path / "out", report),
        github_env(github_api, tmp_path),
        options=PublishOptions(),
        stream=io.StringIO(),
        sleep=github_api.clock.sleep,
    )
    assert [p.kind for p in result.posted] == ["check-run", "sarif"]
    (finding,) = result.findings
    assert "(403, missing permission)" in finding.message and "statuses: write" in finding.message
    assert "401" not in finding.message


def test_github_sarif_polling_has_a_time_budget_and_says_when_it_gives_up(
    github_api: FakeGitHub, tmp_path: Path
) -> None:
    github_api.sarif_pending_polls = 10_000
    report = sample_report()
    log = io.StringIO()
    result = publish(
        report,
        write_files(tmp_path / "out", report),
        github_env(github_api, tmp_path),
        options=PublishOptions(sarif_poll_limit=5.0),
        stream=log,
        sleep=github_api.clock.sleep,
    )
    assert result.posted[-1].detail == "pending" and result.findings == ()
    assert github_api.clock.total <= 5.0 and github_api.count("get-sarif") <= 4
    (notice,) = result.notices
    assert "had not finished processing the SARIF upload after 5 s" in notice


def test_github_slow_poll_answers_count_against_the_budget(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.sarif_pending_polls = 10_000
    github_api.inject_always("get-sarif", Fault("slow", delay=0.4))
    report = sample_report()
    result = publish(
        report,
        write_files(tmp_path / "out", report),
        github_env(github_api, tmp_path),
        options=PublishOptions(sarif_poll_limit=1.5),
        stream=io.StringIO(),
        sleep=github_api.clock.sleep,
    )
    assert result.posted[-1].detail == "pending"
    assert github_api.count("get-sarif") == 2  # 0.4 s + 1 s waited + 0.4 s: a third would pass 1.5 s


@pytest.mark.parametrize("fault", ["200 HTML page", "401 bad credentials", "403 missing permission"])
def test_a_run_keeps_its_exit_code_and_report_whatever_github_answers(
    github_api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    github_api.sarif_pending_polls = 0
    report = sample_report()
    clean = canned_module(tmp_path / "clean")
    canned_pipeline(monkeypatch, clean, report)
    expected = execute(Options(clean, environ={}, formats=("text",), publish=False))

    github_api.inject_always("*", FAULTS[fault])
    module = canned_module(tmp_path / "odd")
    canned_pipeline(monkeypatch, module, report)
    outcome = execute(Options(module, environ=github_env(github_api, tmp_path), formats=("text",)))

    assert outcome.code == expected.code and outcome.report.verdict is expected.report.verdict
    added = [f for f in outcome.report.findings if f not in expected.report.findings]
    assert [f.rule_id for f in added] == ["GB003"]
    assert report_files(module).keys() == report_files(clean).keys()


# --- GitLab ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("route", GITLAB_ROUTES)
def test_gitlab_any_answer_on_any_route_degrades_to_one_note(
    gitlab_api: FakeGitLab, tmp_path: Path, route: str, fault: str
) -> None:
    if route == "update-note":
        gitlab_api._store_note(3, f"{NOTE_MARKER}\nold", {"id": 77, "username": "bot"})
    report = sample_report()
    files = write_files(tmp_path / "out", report)
    before = {k: p.read_bytes() for k, p in files.items()}
    gitlab_api.inject_always(route, FAULTS[fault])
    log = io.StringIO()

    result = publish(
        report,
        files,
        gitlab_env(gitlab_api),
        options=PublishOptions(http_timeout=TIMEOUT),
        stream=log,
        sleep=gitlab_api.clock.sleep,
    )

    assert {k: p.read_bytes() for k, p in files.items()} == before
    _verdict_kept(report, result)
    assert len(log.getvalue().splitlines()) == len(result.notices) <= 1
    ours = [n for n in gitlab_api.notes.get(3, []) if n["body"].startswith(NOTE_MARKER)]
    assert len(ours) <= 1  # never a second note
    if result.findings:
        message = result.findings[0].message
        assert _what(route) in message and "exit code is unchanged" in message
        if fault.startswith("401"):
            assert "(401, bad credentials)" in message and "GOBASELINE_GITLAB_TOKEN" in message
        if fault.startswith("403"):
            assert "missing permission" in message and "401" not in message
    assert gitlab_api.count() <= 20
