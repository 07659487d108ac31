"""Publishing to GitHub: the job files (step summary, outputs), then a check run, a commit status and SARIF.

A refused or failed call degrades to a notice (see `forges.publishing`); on a fork's pull request the token is
read-only, so after the first refusal nothing else is tried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gobaseline import console
from gobaseline.forges.context import CIContext
from gobaseline.forges.github import commands
from gobaseline.forges.github.context import read
from gobaseline.forges.publishing import (
    ForgeError,
    Log,
    Posted,
    PublishOptions,
    PublishResult,
    Sleep,
    finish,
    read_text,
    status_description,
    status_state,
    summary_text,
    url_problem,
)
from gobaseline.model import Report
from gobaseline.safefs import FileAccessError

if TYPE_CHECKING:
    from gobaseline.forges.github.client import GitHub

FORKS_DOC = "docs/forks.md"
RESULTS_IN = "the annotations, the job summary and the report files"


def annotate_in_log(mode: str, posted: Sequence[Posted]) -> bool:
    """Whether the findings go to the log as workflow commands: annotations are made in one place only, the
    check run when `auto` could post it (a fork's read-only token cannot), else the log."""
    if mode == "auto":
        return not any(p.kind == "check-run" for p in posted)
    return mode == "workflow-commands"


def notice_line(message: str) -> str:
    """A notice in the job log, as a workflow command."""
    return commands.command("notice", message, {"title": "gobaseline publish"})


class GitHubPublisher:
    """The `Publisher` for GitHub Actions."""

    def detect(self, environ: Mapping[str, str], token_var: str | None = None) -> CIContext | None:
        """The GitHub Actions context, or None outside GitHub Actions."""
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
        """Mask the token, write the job files, post what `options` asks for."""
        # First, before any call can fail and print: GitHub hides the value everywhere in the log after this.
        console.mask(ctx.token, stream)
        log = Log(ctx.token, stream, notice_line)
        summary = summary_text(report, files)
        problems = _github_files(report, files=files, environ=environ, options=options, summary=summary, log=log)
        posted, failures = _post_github(
            report, files=files, ctx=ctx, options=options, summary=summary, sleep=sleep, log=log
        )
        failures[:0] = problems
        if failures:
            where = "the annotations and the report files" if any("SUMMARY" in p for p in problems) else RESULTS_IN
            failures.append(f"Results are in {where}; the exit code is unchanged.")
        return finish(ctx, log, posted, failures)


def _github_files(
    report: Report,
    *,
    files: Mapping[str, Path],
    environ: Mapping[str, str],
    options: PublishOptions,
    summary: str,
    log: Log,
) -> list[str]:
    """Append to the job summary and the step outputs; what could not be written, one sentence each."""
    problems: list[str] = []
    step_summary = environ.get("GITHUB_STEP_SUMMARY")
    if options.summary and step_summary:
        try:
            if commands.append_step_summary(Path(step_summary), summary):
                log.notice("The job summary was cut to GitHub's 1 MiB limit; the report files have everything.")
        except FileAccessError as e:
            problems.append(f"GITHUB_STEP_SUMMARY ({e.path}) {e.message}; the job summary was not written.")
    step_output = environ.get("GITHUB_OUTPUT")
    if step_output:
        try:
            commands.append_outputs(Path(step_output), commands.step_outputs(report, files))
        except FileAccessError as e:
            problems.append(f"GITHUB_OUTPUT ({e.path}) {e.message}; the step outputs were not written.")
    return problems


def _why_refused(ctx: CIContext, what: str, e: ForgeError) -> str:
    if e.unauthorized:
        return (
            f"The {what} was refused (401, bad credentials): ${ctx.token_var} is not a token GitHub accepts "
            "(expired, revoked, or for another GitHub host); nothing else was tried."
        )
    if "rate limit" in e.reason.lower():
        return f"The {what} was refused by GitHub's rate limit ({e.reason}); try the job again later."
    if ctx.is_fork:
        return (
            f"The {what} was refused (403): this pull request comes from a fork, so its token is read-only; "
            f"post the results afterwards with the workflow_run pattern in {FORKS_DOC}."
        )
    if what == "SARIF upload":
        return (
            "The SARIF upload was refused (403): code scanning needs GitHub Advanced Security on a private "
            "repository and `security-events: write` for the token; the SARIF file is still in the report "
            "files."
        )
    perm = "checks: write" if what == "check run" else "statuses: write"
    return (
        f"The {what} was refused (403, missing permission): the token is valid but may not do this; give the "
        f"workflow token `{perm}` in the workflow's `permissions:`."
    )


def _post_github(
    report: Report,
    *,
    files: Mapping[str, Path],
    ctx: CIContext,
    options: PublishOptions,
    summary: str,
    sleep: Sleep,
    log: Log,
) -> tuple[list[Posted], list[str]]:
    posted: list[Posted] = []
    failures: list[str] = []
    wanted = options.check_run or options.commit_status or options.sarif_upload
    if not wanted:
        return posted, failures
    if not ctx.token:
        failures.append(f"Nothing was posted to GitHub: ${ctx.token_var} is empty.")
        return posted, failures
    if not ctx.repo or not ctx.head_sha:
        failures.append("Nothing was posted to GitHub: GITHUB_REPOSITORY or the commit SHA is not set.")
        return posted, failures
    problem = url_problem("GITHUB_API_URL", ctx.api_url)
    if problem:
        failures.append(f"Nothing was posted to GitHub: {problem}.")
        return posted, failures

    from gobaseline.forges.github.client import GitHub

    try:
        client = GitHub(ctx, timeout=options.http_timeout, sleep=sleep, poll_limit=options.sarif_poll_limit)
    except Exception as e:  # a client that cannot even be set up posts nothing; the results stay where they are
        failures.append(f"Nothing was posted to GitHub: the API client could not be set up ({type(e).__name__}).")
        return posted, failures
    stop = False
    steps: list[tuple[str, Callable[[], Posted | None]]] = []
    if options.check_run:
        steps.append(
            (
                "check run",
                lambda: client.check_run(
                    options.check_name,
                    report,
                    summary,
                    fail_on=options.fail_on,
                    annotations=options.annotations in ("auto", "check-run"),
                ),
            )
        )
    if options.commit_status:
        state = status_state(report, options.fail_on, gitlab=False)
        description = status_description(report)
        steps.append(("commit status", lambda: client.commit_status(options.status_context, state, description)))
    if options.sarif_upload:
        steps.append(
            ("SARIF upload", lambda: _sarif(client, report, files=files, options=options, failures=failures, log=log))
        )
    try:
        for what, step in steps:
            if stop:
                continue  # A rejected or read-only token: the rest would be refused the same way.
            try:
                result = step()
            except ForgeError as e:
                if e.unauthorized or e.forbidden:
                    stop = e.unauthorized or ctx.is_fork
                    failures.append(_why_refused(ctx, what, e))
                else:
                    failures.append(e.failure)
                continue
            except Exception as e:  # whatever happened, the results stay where they are
                failures.append(f"The {what} could not be posted (an unexpected {type(e).__name__}).")
                continue
            if result is not None:
                posted.append(result)
    finally:
        client.close()
    return posted, failures


def _sarif(
    client: GitHub,
    report: Report,
    *,
    files: Mapping[str, Path],
    options: PublishOptions,
    failures: list[str],
    log: Log,
) -> Posted | None:
    if not client.ctx.sarif_ref or not client.ctx.sarif_sha:
        failures.append(
            "The SARIF file was not uploaded: no pull request or branch of this repository to file it under "
            "(a fork's run without its pull request number)."
        )
        return None
    text = read_text(files.get("sarif"))
    if text is None:
        failures.append("No SARIF file was written, so nothing was uploaded to code scanning.")
        return None
    result = client.upload_sarif(text, category=options.sarif_category, started_at=report.started_at)
    if result.processing_status == "failed":
        errors = "; ".join(result.errors[:3]) or "no reason given"
        failures.append(f"Code scanning could not process the SARIF upload ({errors}).")
    elif result.problem is not None:
        failures.append(_sarif_unknown(client.ctx, result.problem))
    elif result.processing_status == "pending":
        log.notice(
            f"Code scanning had not finished processing the SARIF upload after {client.poll_limit:g} s; it goes "
            "on without waiting for it (its result shows in the repository's Security tab)."
        )
    return Posted("sarif", result.id, "", result.processing_status)


def _sarif_unknown(ctx: CIContext, e: ForgeError) -> str:
    if e.unauthorized:
        return _why_refused(ctx, "SARIF processing status", e)
    if e.forbidden:
        return (
            "The SARIF file was uploaded, but reading its processing status was refused (403, missing "
            "permission): give the workflow token `security-events: read`."
        )
    return f"The SARIF file was uploaded, but whether code scanning processed it could not be read ({e.reason})."
