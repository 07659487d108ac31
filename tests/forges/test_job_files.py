"""Job files that cannot be written and API URLs that cannot be used: one line naming the variable, a GB003 note,
and the run's verdict, exit code and report files as they were. Nothing hangs on a FIFO."""

from __future__ import annotations

import errno
import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gobaseline.commands.run import Options, execute
from gobaseline.forges import PublishOptions, PublishResult, detect, publish
from gobaseline.forges.github.commands import append_outputs, append_step_summary
from gobaseline.safefs import FileAccessError, RefusedPath
from tests.support.canned import canned_module, canned_pipeline, report_files
from tests.support.github_api import FakeGitHub, github_api, github_env, sample_report, write_files
from tests.support.gitlab_api import FakeGitLab, gitlab_api, gitlab_env

__all__ = ["github_api", "gitlab_api"]


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """`fn()`, failing the test (instead of hanging it) when it takes longer than `seconds`."""
    box: list[Any] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            box.append(fn())
        except BaseException as e:  # handed to the test's thread below
            errors.append(e)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if errors:
        raise errors[0]
    return box[0]


def unwritable(kind: str, tmp_path: Path) -> str:
    """A path of `kind` where a job file should be."""
    if kind == "/dev/full":
        return "/dev/full"
    if kind == "directory":
        (tmp_path / "a-directory").mkdir()
        return str(tmp_path / "a-directory")
    if kind == "FIFO":
        os.mkfifo(tmp_path / "a-fifo")
        return str(tmp_path / "a-fifo")
    if kind == "symbolic link":
        (tmp_path / "elsewhere").write_text("")
        (tmp_path / "a-link").symlink_to(tmp_path / "elsewhere")
        return str(tmp_path / "a-link")
    if kind == "missing directory":
        return str(tmp_path / "no-such-dir" / "file")
    raise AssertionError(kind)


KINDS = ["/dev/full", "directory", "FIFO", "symbolic link", "missing directory"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("var", ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"])
def test_an_unwritable_job_file_is_one_line_naming_it(
    github_api: FakeGitHub, tmp_path: Path, var: str, kind: str
) -> None:
    report = sample_report()
    files = write_files(tmp_path / "out", report)
    before = {k: p.read_bytes() for k, p in files.items()}
    env = github_env(github_api, tmp_path) | {var: unwritable(kind, tmp_path)}
    log = io.StringIO()

    result: PublishResult = within(
        30, lambda: publish(report, files, env, options=PublishOptions(), stream=log, sleep=github_api.clock.sleep)
    )

    (finding,) = result.findings
    assert finding.rule_id == "GB003" and finding.message.startswith(f"{var} (")
    assert "not written" in finding.message
    notices = [line for line in log.getvalue().splitlines() if line.startswith("::notice")]
    assert len(notices) == 1 and var in notices[0]
    assert [p.kind for p in result.posted] == ["check-run", "status", "sarif"]  # the rest still happened
    assert {k: p.read_bytes() for k, p in files.items()} == before
    other = "GITHUB_STEP_SUMMARY" if var == "GITHUB_OUTPUT" else "GITHUB_OUTPUT"
    assert Path(env[other]).read_text()  # the other file was written
    if kind == "symbolic link":
        assert (tmp_path / "elsewhere").read_text() == ""  # never written through the link


def test_a_full_disk_is_a_file_access_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(FileAccessError, match="No space left on device"):
        append_outputs(tmp_path / "out", {"verdict": "pass"})
    with pytest.raises(FileAccessError, match="No space left on device"):
        append_step_summary(tmp_path / "summary.md", "## gobaseline")


def test_a_fifo_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(RefusedPath, match="is a FIFO, not a regular file"):
        within(10, lambda: append_outputs(tmp_path / "fifo", {"verdict": "pass"}))


def test_an_event_payload_that_is_a_fifo_is_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "event.json")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(tmp_path / "event.json")}
    ctx = within(10, lambda: detect(env))
    assert ctx.event == {}


def test_a_run_keeps_its_exit_code_and_reports_when_the_outputs_file_is_dev_full(
    github_api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    github_api.sarif_pending_polls = 0
    report = sample_report()
    clean = canned_module(tmp_path / "clean")
    canned_pipeline(monkeypatch, clean, report)
    expected = execute(Options(clean, environ={}, formats=("text",), publish=False))
    module = canned_module(tmp_path / "full")
    canned_pipeline(monkeypatch, module, report)
    env = github_env(github_api, tmp_path) | {"GITHUB_OUTPUT": "/dev/full", "GITHUB_STEP_SUMMARY": str(tmp_path)}

    outcome = within(60, lambda: execute(Options(module, environ=env, formats=("text",))))

    assert outcome.code == expected.code and outcome.report.verdict is expected.report.verdict
    (note,) = [f for f in outcome.report.findings if f.rule_id == "GB003"]
    assert "GITHUB_OUTPUT (/dev/full)" in note.message and "GITHUB_STEP_SUMMARY (" in note.message
    assert report_files(module).keys() == report_files(clean).keys()


BAD_URLS = {
    "empty": "",
    "blank": "   ",
    "no scheme": "api.github.example",
    "ftp": "ftp://api.github.example",
    "no host": "https://",
    "broken IPv6": "http://[::1",
    "bad port": "http://api.github.example:99999",
    "port zero": "http://api.github.example:0",
    "a space": "https://api.git hub.example",
    "a newline": "https://api.github.example\n::error::x",
}


@pytest.mark.parametrize("case", list(BAD_URLS))
def test_a_bad_github_api_url_is_one_line_naming_it(github_api: FakeGitHub, tmp_path: Path, case: str) -> None:
    report = sample_report()
    files = write_files(tmp_path / "out", report)
    env = github_env(github_api, tmp_path) | {"GITHUB_API_URL": BAD_URLS[case]}
    log = io.StringIO()
    result = publish(report, files, env, options=PublishOptions(), stream=log, sleep=github_api.clock.sleep)
    (finding,) = result.findings
    assert finding.message.startswith("Nothing was posted to GitHub: GITHUB_API_URL")
    assert len([line for line in log.getvalue().splitlines() if line.startswith("::notice")]) == 1
    assert result.posted == () and github_api.count() == 0
    assert "verdict<<" in Path(env["GITHUB_OUTPUT"]).read_text()  # the job files do not need the API


@pytest.mark.parametrize("case", list(BAD_URLS))
def test_a_bad_gitlab_api_url_is_one_line_naming_it(gitlab_api: FakeGitLab, tmp_path: Path, case: str) -> None:
    report = sample_report()
    env = gitlab_env(gitlab_api) | {"CI_API_V4_URL": BAD_URLS[case]}
    log = io.StringIO()
    result = publish(
        report, write_files(tmp_path, report), env, options=PublishOptions(), stream=log, sleep=gitlab_api.clock.sleep
    )
    (finding,) = result.findings
    assert finding.message.startswith("Nothing was posted to GitLab: CI_API_V4_URL")
    assert len(log.getvalue().splitlines()) == 1
    assert gitlab_api.count() == 0


def test_a_run_with_an_empty_api_url_keeps_its_exit_code(
    github_api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = sample_report()
    module = canned_module(tmp_path)
    canned_pipeline(monkeypatch, module, report)
    expected = execute(Options(module, environ={}, formats=("text",), publish=False)).code
    env = github_env(github_api, tmp_path) | {"GITHUB_API_URL": ""}
    outcome = execute(Options(module, environ=env, formats=("text",)))
    assert outcome.code == expected
    assert [f.rule_id for f in outcome.report.findings].count("GB003") == 1
