"""Post a finished report to the forge the job runs on, and degrade instead of failing.

The report files are written before this runs; publishing only reads them (the SARIF text, the summary
Markdown)
and never changes or removes them. Whatever the forge says, the exit code stays the verdict's: a refused or
failed
post becomes one notice line and one GB003 note, and every result is still in the annotations, the job summary
and
the files.

The token is printed exactly once, inside `::add-mask::` (GitHub then hides it in the log), and nowhere else.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gobaseline.errors import GobaselineError
from gobaseline.forges import ForgeError, Posted
from gobaseline.forges.context import CIContext, ForgeKind, detect
from gobaseline.model import Finding, Report, Severity, Verdict

if TYPE_CHECKING:
    from gobaseline.forges.github import GitHub

FORKS_DOC = "docs/forks.md"


@dataclass(frozen=True)
class PublishOptions:
    """What to post. Everything is on by default; each can be turned off by an input of the action or
    component."""

    check_run: bool = True
    """GitHub: a check run with the summary and annotations."""
    commit_status: bool = True
    """A commit status on the head commit (GitHub and GitLab)."""
    sarif_upload: bool = True
    """GitHub: upload the SARIF file to code scanning."""
    sarif_category: str = ""
    """Code scanning category (SARIF `automationDetails.id`), to keep several analyses of one commit apart."""
    annotations: bool = True
    """GitHub: attach one annotation per finding to the check run."""
    summary: bool = True
    """GitHub: append the summary to the job summary; GitLab: keep the merge request note."""
    fail_on: str = "error"
    """error | warning | never: which findings make the check run and status fail."""
    status_context: str = "gobaseline"
    """The commit status context (GitHub) or name (GitLab)."""
    token_var: str | None = None
    """The variable holding the token; None means GITHUB_TOKEN on GitHub and GOBASELINE_GITLAB_TOKEN on
    GitLab."""
    check_name: str = "gobaseline"
    """The check run's name."""
    http_timeout: int = 15
    """Seconds to wait for one API answer."""
    sarif_poll_limit: float = 120.0
    """Seconds to keep asking whether the SARIF upload was processed."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, fail_on: str = "error") -> PublishOptions:
        """Options from `GOBASELINE_*` variables (set by the action's inputs or the GitLab component).

        GOBASELINE_CHECK_RUN, _COMMIT_STATUS, _SARIF_UPLOAD, _ANNOTATIONS, _SUMMARY: true|false (default true);
        GOBASELINE_SARIF_CATEGORY, _STATUS_CONTEXT, _CHECK_NAME; GOBASELINE_TOKEN_VAR: the variable holding the
        token. A value that is not a boolean is a user error naming the variable.
        """

        def flag(name: str) -> bool:
            raw = environ.get(f"GOBASELINE_{name}", "").strip().lower()
            if raw in ("", "true", "1", "yes", "on"):
                return True
            if raw in ("false", "0", "no", "off"):
                return False
            raise GobaselineError(f"GOBASELINE_{name}={raw!r}: expected true or false")

        return cls(
            check_run=flag("CHECK_RUN"),
            commit_status=flag("COMMIT_STATUS"),
            sarif_upload=flag("SARIF_UPLOAD"),
            annotations=flag("ANNOTATIONS"),
            summary=flag("SUMMARY"),
            sarif_category=environ.get("GOBASELINE_SARIF_CATEGORY", ""),
            fail_on=fail_on,
            status_context=environ.get("GOBASELINE_STATUS_CONTEXT") or "gobaseline",
            check_name=environ.get("GOBASELINE_CHECK_NAME") or "gobaseline",
            token_var=environ.get("GOBASELINE_TOKEN_VAR") or None,
        )


@dataclass(frozen=True)
class PublishResult:
    """What publishing did."""

    forge: ForgeKind
    findings: tuple[Finding, ...] = ()
    """GB003 notes to add to the report when something could not be posted."""
    notices: tuple[str, ...] = ()
    """The lines printed to the job log (never the mask command)."""
    posted: tuple[Posted, ...] = ()
    """Everything that reached the forge."""

    @property
    def degraded(self) -> bool:
        """Something could not be posted."""
        return bool(self.findings)


def status_state(report: Report, fail_on: str, *, gitlab: bool) -> str:
    """The commit status state: pass is success, fail is failure (failed on GitLab), warn fails only on
    fail_on=warning."""
    failing = {Verdict.PASS: False, Verdict.WARN: fail_on == "warning", Verdict.FAIL: fail_on != "never"}
    if failing[report.verdict]:
        return "failed" if gitlab else "failure"
    return "success"


def _counts(report: Report) -> str:
    from gobaseline.forges.github import counts_line

    return counts_line(report)


def _escape_command_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


class _Log:
    """Prints notices to the job log and keeps them; scrubs the token out of anything that might echo it."""

    def __init__(self, ctx: CIContext, stream: TextIO) -> None:
        self.ctx = ctx
        self.stream = stream
        self.lines: list[str] = []

    def scrub(self, text: str) -> str:
        token = self.ctx.token
        return text.replace(token, "***") if token else text

    def notice(self, message: str) -> None:
        message = self.scrub(message)
        if self.ctx.forge is ForgeKind.GITHUB:
            line = f"::notice title=gobaseline publish::{_escape_command_data(message)}"
        else:
            line = f"gobaseline: notice: {message}"
        self.lines.append(line)
        self.stream.write(line + "\n")
        self.stream.flush()


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _fallback_summary(report: Report) -> str:
    return f"## gobaseline: {report.verdict.value}\n\n{_counts(report)}.\n"


def publish(
    report: Report,
    files: Mapping[str, Path],
    environ: Mapping[str, str],
    *,
    options: PublishOptions,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishResult:
    """Post `report` to the forge named by `environ`. `files` maps format names (`sarif`, `summary`, `json`,
    `manifest`, ...) to the report files already written. Never raises for a forge failure."""
    ctx = detect(environ, token_var=options.token_var)
    out = stream if stream is not None else sys.stdout
    if ctx.forge is ForgeKind.GITHUB and ctx.token:
        # First, before any call can fail and print: GitHub hides the value everywhere in the log after this.
        out.write(f"::add-mask::{ctx.token}\n")
        out.flush()
    log = _Log(ctx, out)
    summary = _read(files.get("summary")) or _fallback_summary(report)
    if ctx.forge is ForgeKind.GITHUB:
        _github_files(report, files=files, environ=environ, options=options, summary=summary, log=log)
        posted, failures = _post_github(
            report, files=files, ctx=ctx, options=options, summary=summary, log=log, sleep=sleep
        )
    elif ctx.forge is ForgeKind.GITLAB:
        posted, failures = _post_gitlab(report, ctx=ctx, options=options, summary=summary, log=log, sleep=sleep)
    else:
        return PublishResult(ForgeKind.NONE)
    findings: tuple[Finding, ...] = ()
    if failures:
        message = log.scrub(" ".join(failures))
        log.notice(message)
        from gobaseline.rules import rule

        findings = (rule("GB003").finding(message),)
    return PublishResult(ctx.forge, findings, tuple(log.lines), tuple(posted))


def _github_files(
    report: Report,
    *,
    files: Mapping[str, Path],
    environ: Mapping[str, str],
    options: PublishOptions,
    summary: str,
    log: _Log,
) -> None:
    from gobaseline.forges import outputs

    step_summary = environ.get("GITHUB_STEP_SUMMARY")
    if options.summary and step_summary and outputs.append_step_summary(Path(step_summary), summary):
        log.notice("The job summary was cut to GitHub's 1 MiB limit; the report files have everything.")
    step_output = environ.get("GITHUB_OUTPUT")
    if step_output:
        values = {
            "verdict": report.verdict.value,
            "errors": str(report.count(Severity.ERROR)),
            "warnings": str(report.count(Severity.WARNING)),
            "notes": str(report.count(Severity.NOTE)),
            "report": str(files.get("json", "")),
            "sarif": str(files.get("sarif", "")),
            "manifest": str(files.get("manifest", "")),
        }
        outputs.append_outputs(Path(step_output), values)


def _why_forbidden(ctx: CIContext, what: str) -> str:
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
    return f"The {what} was refused (403): give the workflow token `{perm}` in the workflow's `permissions:`."


def _post_github(
    report: Report,
    *,
    files: Mapping[str, Path],
    ctx: CIContext,
    options: PublishOptions,
    summary: str,
    log: _Log,
    sleep: Callable[[float], None],
) -> tuple[list[Posted], list[str]]:
    posted: list[Posted] = []
    failures: list[str] = []
    wanted = options.check_run or options.commit_status or options.sarif_upload
    if not wanted:
        return posted, failures
    if not ctx.token:
        failures.append(
            f"Nothing was posted to GitHub: ${ctx.token_var} is empty. Results are in the annotations, "
            "the job summary and the report files."
        )
        return posted, failures
    if not ctx.repo or not ctx.head_sha:
        failures.append("Nothing was posted to GitHub: GITHUB_REPOSITORY or the commit SHA is not set.")
        return posted, failures

    from gobaseline.forges.github import GitHub

    client = GitHub(ctx, timeout=options.http_timeout, sleep=sleep, poll_limit=options.sarif_poll_limit)
    forbidden = False
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
                    annotations=options.annotations,
                ),
            )
        )
    if options.commit_status:
        state = status_state(report, options.fail_on, gitlab=False)
        description = f"{report.verdict.value}: {_counts(report)}"
        steps.append(("commit status", lambda: client.commit_status(options.status_context, state, description)))
    if options.sarif_upload:
        steps.append(("SARIF upload", lambda: _sarif(client, report, files, options, failures)))
    try:
        for what, step in steps:
            if forbidden and ctx.is_fork:
                continue  # The token is read-only: the rest would be refused the same way.
            try:
                result = step()
            except ForgeError as e:
                if e.forbidden:
                    forbidden = True
                    failures.append(_why_forbidden(ctx, what))
                else:
                    failures.append(f"The {what} could not be posted ({e.reason}).")
                continue
            if result is not None:
                posted.append(result)
    finally:
        client.close()
    if failures:
        failures.append(
            "Results are in the annotations, the job summary and the report files; the exit code is unchanged."
        )
    return posted, failures


def _sarif(
    client: GitHub, report: Report, files: Mapping[str, Path], options: PublishOptions, failures: list[str]
) -> Posted | None:
    if not client.ctx.sarif_ref or not client.ctx.sarif_sha:
        failures.append(
            "The SARIF file was not uploaded: no pull request or branch of this repository to file it under "
            "(a fork's run without its pull request number)."
        )
        return None
    text = _read(files.get("sarif"))
    if text is None:
        failures.append("No SARIF file was written, so nothing was uploaded to code scanning.")
        return None
    result = client.upload_sarif(text, category=options.sarif_category, started_at=report.started_at)
    if result.processing_status == "failed":
        errors = "; ".join(result.errors[:3]) or "no reason given"
        failures.append(f"Code scanning could not process the SARIF upload ({errors}).")
    return Posted("sarif", result.id, "", result.processing_status)


def _post_gitlab(
    report: Report,
    *,
    ctx: CIContext,
    options: PublishOptions,
    summary: str,
    log: _Log,
    sleep: Callable[[float], None],
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
    if not ctx.api_url or not ctx.repo or not ctx.head_sha:
        failures.append("Nothing was posted to GitLab: CI_API_V4_URL, CI_PROJECT_ID or CI_COMMIT_SHA is not set.")
        return posted, failures

    from gobaseline.forges.gitlab import GitLab

    client = GitLab(ctx, timeout=float(options.http_timeout), sleep=sleep)
    try:
        steps: list[tuple[str, Callable[[], Posted]]] = []
        if options.commit_status:
            state = status_state(report, options.fail_on, gitlab=True)
            description = f"{report.verdict.value}: {_counts(report)}"
            steps.append(("commit status", lambda: client.commit_status(options.status_context, state, description)))
        if want_note:
            steps.append(("merge request note", lambda: client.upsert_note(summary)))
        for what, step in steps:
            try:
                posted.append(step())
            except ForgeError as e:
                if e.forbidden:
                    failures.append(
                        f"The {what} was refused ({e.reason}): the token needs the `api` scope and at least "
                        f"the "
                        "Developer role (Reporter for notes)."
                    )
                else:
                    failures.append(f"The {what} could not be posted ({e.reason}).")
    finally:
        client.close()
    if failures:
        failures.append("Results are in the job log and the report artifacts; the exit code is unchanged.")
    return posted, failures
