"""No piece of the token survives anywhere: forges that echo it back in long error bodies are scrubbed before the
message is cut, on GitHub and GitLab, in the log, the job files and every report file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobaseline.commands.run import Options, execute
from gobaseline.console import FRAGMENT, scrub
from gobaseline.forges.publishing import REASON_LIMIT, reason_text
from tests.support.canned import canned_module, canned_pipeline
from tests.support.github_api import FakeGitHub, Fault, github_api, github_env, sample_report
from tests.support.gitlab_api import FakeGitLab, gitlab_api, gitlab_env

__all__ = ["github_api", "gitlab_api"]

TOKEN = "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB"


def pieces(token: str) -> list[str]:
    """Every FRAGMENT-long piece of the token: text holding any of them holds a piece worth hiding."""
    return [token[i : i + FRAGMENT] for i in range(len(token) - FRAGMENT + 1)]


def leaks(token: str, *texts: str) -> list[str]:
    return [p for p in pieces(token) if any(p in t for t in texts)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"before {TOKEN} after", "before *** after"),
        (f"cut {TOKEN[:14]}", "cut ***"),
        (f"{TOKEN[20:29]} tail", "*** tail"),
        (f"x{TOKEN[5:25]}y{TOKEN}z", "x***y***z"),
        (f"seven {TOKEN[:7]} stays", f"seven {TOKEN[:7]} stays"),
        ("nothing here", "nothing here"),
    ],
)
def test_scrub_removes_the_token_and_every_long_piece_of_it(text: str, expected: str) -> None:
    assert scrub(text, TOKEN) == expected


def test_scrub_without_a_token_or_with_a_short_one() -> None:
    assert scrub("abc", "") == "abc"
    assert scrub("a short b", "short") == "a *** b"


def test_a_reason_is_scrubbed_before_it_is_cut() -> None:
    # Cut first, 200 characters would end 14 characters into the token.
    message = "x" * (REASON_LIMIT - 14) + TOKEN + " and more"
    reason = reason_text(message, TOKEN)
    assert len(reason) <= REASON_LIMIT and leaks(TOKEN, reason) == []
    assert reason.endswith("***") or "***" in reason


def echo(token: str, status: int, keep: int = 14) -> Fault:
    """An error whose message is long enough that a cut at 200 characters lands `keep` characters into the
    token, followed by the whole token again."""
    return Fault("status", status, body={"message": "x" * (REASON_LIMIT - keep) + token + " " + token[3:20]})


def test_github_echoing_the_token_leaves_no_piece_of_it_anywhere(
    github_api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    github_api.sarif_pending_polls = 0
    token = github_api.token
    github_api.inject_always("list-check-runs", echo(token, 422, keep=14))
    github_api.inject_always("create-status", echo(token, 403, keep=21))
    github_api.inject_always("upload-sarif", echo(token, 400, keep=9))
    module = canned_module(tmp_path)
    canned_pipeline(monkeypatch, module, sample_report())
    env = github_env(github_api, tmp_path)

    outcome = execute(Options(module, environ=env, formats=("text",)))

    captured = capsys.readouterr()
    assert [f.rule_id for f in outcome.report.findings if f.rule_id == "GB003"] == ["GB003"]
    assert "HTTP 422" in captured.err and "(403, missing permission)" in captured.err and "HTTP 400" in captured.err
    masked = f"::add-mask::{token}"
    assert captured.err.count(masked) == 1
    texts = [captured.out, captured.err.replace(masked, "")]
    texts += [Path(env["GITHUB_OUTPUT"]).read_text(), Path(env["GITHUB_STEP_SUMMARY"]).read_text()]
    texts += [p.read_text(encoding="utf-8") for p in outcome.files.values()]
    assert len(texts) > 8
    assert leaks(token, *texts) == []


def test_gitlab_echoing_the_token_leaves_no_piece_of_it_anywhere(
    gitlab_api: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = gitlab_api.token
    gitlab_api.inject_always("create-status", echo(token, 403, keep=14))
    gitlab_api.inject_always("list-notes", echo(token, 400, keep=20))
    module = canned_module(tmp_path)
    canned_pipeline(monkeypatch, module, sample_report())

    outcome = execute(Options(module, environ=gitlab_env(gitlab_api), formats=("text",)))

    captured = capsys.readouterr()
    assert "(HTTP 403" in captured.err and "HTTP 400" in captured.err
    texts = [captured.out, captured.err, *(p.read_text(encoding="utf-8") for p in outcome.files.values())]
    assert leaks(token, *texts) == []
