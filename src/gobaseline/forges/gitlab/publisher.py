"""Publishing to GitLab: a commit status and, on merge requests, one note with the summary.

A fork's merge request pipeline cannot see the project's token, so nothing is tried there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from gobaseline.forges.context import CIContext
from gobaseline.forges.gitlab.context import read
from gobaseline.forges.publishing import (
    ForgeError,
    Log,
    Posted,
    PublishOptions,
    PublishResult,
    Sleep,
    finish,
    status_description,
    status_state,
    summary_text,
    url_problem,
)
from gobaseline.model import Report


def notice_line(message: str) -> str:
    """A notice in the job log (GitLab has no workflow commands)."""
    return f"gobaseline: notice: {message}"


class GitLabPublisher:
    """The `Publisher` for GitLab CI."""

    def detect(self, environ: Mapping[str, str], token_var: str | None = None) -> CIContext | None:
        """The GitLab CI context, or None outside GitLab CI."""
        return read(environ, token_var)

    def publish(
        self,
        report: Report,
        files: Mapping[str, Path],
        ctx: CIContext,
        *,
        environ: Mapping[str, str],
        options: PublishOptions,
        stream: TextIO,
        sleep: Sleep,
    ) -> PublishResult:
        """Post what `options` asks for."""
        log = Log(ctx.token, stream, notice_line)
        posted, failures = _post_gitlab(report, ctx=ctx, options=options, summary=summary_text(report, files))
        return finish(ctx, log, posted, failures)


def _post_gitlab(
    report: Report,
    *,
    ctx: CIContext,
    options: PublishOptions,
    summary: str,
) -> tuple[list[Posted], list[str]]:
    posted: list[Posted] = []
    failures: list[str] = []
    want_note = options.summary and ctx.is_change_request
    if not (options.commit_status or want_note):
        return posted, failures
    if ctx.is_fork:
        failures.append(
            "Nothing was posted to GitLab: this merge request comes from a fork, whose pipelines cannot see "
            "the "
            f"project's ${ctx.token_var}. Results are in the job log and the report artifacts."
        )
        return posted, failures
    if not ctx.token:
        failures.append(
            f"Nothing was posted to GitLab: ${ctx.token_var} is empty (a project access token with `api` "
            f"scope in "
            "a masked CI/CD variable is needed; CI_JOB_TOKEN may not post). Results are in the job log and "
            "the "
            "report artifacts."
        )
        return posted, failures
    problem = url_problem("CI_API_V4_URL", ctx.api_url)
    if problem:
        failures.append(f"Nothing was posted to GitLab: {problem}.")
        return posted, failures
    if not ctx.repo or not ctx.head_sha:
        failures.append("Nothing was posted to GitLab: CI_PROJECT_ID or CI_COMMIT_SHA is not set.")
        return posted, failures

    from gobaseline.forges.gitlab.client import GitLab

    try:
        client = GitLab(ctx, timeout=float(options.http_timeout))
    except Exception as e:  # a client that cannot even be set up posts nothing; the results stay where they are
        failures.append(f"Nothing was posted to GitLab: the API client could not be set up ({type(e).__name__}).")
        return posted, failures
    try:
        steps: list[tuple[str, Callable[[], Posted]]] = []
        if options.commit_status:
            state = status_state(report, options.fail_on, gitlab=True)
            description = status_description(report)
            steps.append(("commit status", lambda: client.commit_status(options.status_context, state, description)))
        if want_note:
            steps.append(("merge request note", lambda: client.upsert_note(summary)))
        for what, step in steps:
            try:
                posted.append(step())
            except ForgeError as e:
                if e.unauthorized:
                    failures.append(
                        f"The {what} was refused (401, bad credentials): ${ctx.token_var} is not a token GitLab "
                        "accepts (expired, revoked, or for another GitLab instance); nothing else was tried."
                    )
                    break
                if e.forbidden:
                    failures.append(
                        f"The {what} was refused ({e.reason}, missing permission): the token is valid but needs "
                        "the `api` scope and at least the Developer role (Reporter for notes)."
                    )
                else:
                    failures.append(e.failure)
            except Exception as e:  # whatever happened, the results stay where they are
                failures.append(f"The {what} could not be posted (an unexpected {type(e).__name__}).")
    finally:
        client.close()
    if failures:
        failures.append("Results are in the job log and the report artifacts; the exit code is unchanged.")
    return posted, failures
