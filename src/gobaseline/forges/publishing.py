"""What every forge's publisher shares: the options, the result, the errors, the log and the GB003 degrade.

The report files are written before publishing runs; publishing only reads them (the SARIF text, the summary
Markdown) and never changes or removes them. Whatever the forge says, the exit code stays the verdict's: a
refused or failed post becomes one notice line and one GB003 note, and every result is still in the
annotations, the job summary and the files.

The token is printed exactly once, inside `::add-mask::` on GitHub (GitHub then hides it in the log), and
nowhere else: a forge's answer is scrubbed (`scrub`) before it is cut to a reason (`reason_text`), so no piece
of the token survives a cut made in the middle of it, and the log scrubs every line again.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO
from urllib.parse import urlsplit

from gobaseline import console, safefs
from gobaseline.console import scrub
from gobaseline.errors import GobaselineError
from gobaseline.forges.context import CIContext, ForgeKind
from gobaseline.model import Finding, Report, Severity

Sleep = Callable[[float], None]

REASON_LIMIT = 200
"""A forge's own message is cut to this many characters (after the token is scrubbed out of it)."""


def reason_text(message: str, secret: str, limit: int = REASON_LIMIT) -> str:
    """A forge's message as part of a reason: the token scrubbed out first, then cut to `limit` characters."""
    return scrub(message, secret)[:limit]


class ForgeError(Exception):
    """A forge call failed after the retries the policy allows. The message never contains the token."""

    def __init__(
        self, what: str, reason: str, *, status: int | None = None, unclear: bool = False, partly: bool = False
    ) -> None:
        self.what = what
        """What we were doing: `check run`, `commit status`, `SARIF upload`, `merge request note`."""
        self.reason = reason
        self.status = status
        """The HTTP status, or None for a connection failure, a timeout or an answer that could not be read."""
        self.unclear = unclear
        """The forge answered success with something unreadable: the request may well have taken effect."""
        self.partly = partly
        """It was posted, but not all of it (`reason` says what is missing)."""
        super().__init__(f"{what}: {reason}")

    @property
    def failure(self) -> str:
        """`The commit status could not be posted (reason).`, or `may not have been posted` when unclear."""
        if self.partly:
            return f"The {self.what} was posted, but {self.reason}."
        verb = "may not have been posted" if self.unclear else "could not be posted"
        return f"The {self.what} {verb} ({self.reason})."

    @property
    def unauthorized(self) -> bool:
        """401: the token itself was not accepted (expired, revoked, for another host); nothing will work."""
        return self.status == 401

    @property
    def forbidden(self) -> bool:
        """403: the token is valid but may not do this (read-only token, fork, no Advanced Security)."""
        return self.status == 403


@dataclass(frozen=True)
class Posted:
    """One thing that reached the forge."""

    kind: str
    """`check-run`, `status`, `sarif`, `note`."""
    id: str = ""
    url: str = ""
    detail: str = ""
    """E.g. the check run's conclusion, the status state, the SARIF processing status."""


ANNOTATION_MODES = ("auto", "check-run", "workflow-commands", "none")
"""Where GitHub annotations go (PublishOptions.annotations)."""


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
    annotations: str = "auto"
    """GitHub: where the findings are annotated, in one place only (ANNOTATION_MODES): `auto` on the check run
    when it is posted, else as workflow commands in the log; `check-run`; `workflow-commands`; `none`."""
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
    sarif_poll_limit: float = 5.0
    """Seconds (waits and answers together) to keep asking whether the SARIF upload was processed; then
    publishing says so and goes on."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, fail_on: str = "error") -> PublishOptions:
        """Options from `GOBASELINE_*` variables (set by the action's inputs or the GitLab component).

        GOBASELINE_CHECK_RUN, _COMMIT_STATUS, _SARIF_UPLOAD, _SUMMARY: true|false (default true);
        GOBASELINE_ANNOTATIONS: one of ANNOTATION_MODES (true is `auto`, false `workflow-commands`: no
        annotations on the check run, as before); GOBASELINE_SARIF_CATEGORY, _STATUS_CONTEXT, _CHECK_NAME;
        GOBASELINE_TOKEN_VAR: the variable holding the token. Any other value is a user error naming the
        variable.
        """

        def flag(name: str) -> bool:
            raw = environ.get(f"GOBASELINE_{name}", "").strip().lower()
            if raw in ("", "true", "1", "yes", "on"):
                return True
            if raw in ("false", "0", "no", "off"):
                return False
            raise GobaselineError(f"GOBASELINE_{name}={raw!r}: expected true or false")

        def mode() -> str:
            raw = environ.get("GOBASELINE_ANNOTATIONS", "").strip().lower()
            if raw in ANNOTATION_MODES:
                return raw
            if raw in ("", "true", "1", "yes", "on"):
                return "auto"
            if raw in ("false", "0", "no", "off"):
                return "workflow-commands"
            raise GobaselineError(f"GOBASELINE_ANNOTATIONS={raw!r}: expected one of {', '.join(ANNOTATION_MODES)}")

        return cls(
            check_run=flag("CHECK_RUN"),
            commit_status=flag("COMMIT_STATUS"),
            sarif_upload=flag("SARIF_UPLOAD"),
            annotations=mode(),
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


class Translating(abc.ABC):
    """`with Translating(what, token):` turns whatever a forge call raised into a ForgeError; each forge says how
    in `forge_error` (status kept, no headers, the token scrubbed)."""

    def __init__(self, what: str, token: str) -> None:
        self.what = what
        self.token = token

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, ForgeError):
            return
        raise self.forge_error(exc) from None

    @abc.abstractmethod
    def forge_error(self, exc: Exception) -> ForgeError:
        """The ForgeError that stands for `exc`."""


def status_state(report: Report, fail_on: str, *, gitlab: bool) -> str:
    """The commit status state: pass is success, fail is failure (failed on GitLab), warn fails only on
    fail_on=warning."""
    if report.verdict.fails(fail_on):
        return "failed" if gitlab else "failure"
    return "success"


def counts_line(report: Report) -> str:
    """`2 errors, 1 warning, 0 notes`."""

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return ", ".join(
        [
            n(report.count(Severity.ERROR), "error"),
            n(report.count(Severity.WARNING), "warning"),
            n(report.count(Severity.NOTE), "note"),
        ]
    )


def status_description(report: Report) -> str:
    """The commit status description on both forges: `fail: 2 errors, 1 warning, 0 notes`."""
    return f"{report.verdict.value}: {counts_line(report)}"


class Log:
    """Prints notices to the job log and keeps them; scrubs the token out of anything that might echo it.

    `line` turns a message into the forge's notice line (a workflow command on GitHub, plain text elsewhere).
    """

    def __init__(self, token: str, stream: TextIO, line: Callable[[str], str]) -> None:
        self.token = token
        console.secret(token)
        self.stream = stream
        self.line = line
        self.lines: list[str] = []

    def scrub(self, text: str) -> str:
        """`text` with the token, and any piece of it, replaced by `***`."""
        return scrub(text, self.token)

    def notice(self, message: str) -> None:
        """Print and keep one notice line."""
        line = self.line(self.scrub(message))
        self.lines.append(line)
        console.commands(line, self.stream)


READ_LIMIT = 256 * 1024 * 1024
"""The largest report file publishing reads (a SARIF file GitHub takes gzips to 10 MB)."""


def url_problem(var: str, value: str) -> str | None:
    """Why `value`, the API base URL from `var`, cannot be used (`GITHUB_API_URL is empty`), or None."""
    if not value.strip():
        return f"{var} is empty"
    shown = repr(value if len(value) <= 80 else value[:80] + "...")
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return f"{var}={shown} is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        return f"{var}={shown} is not an http(s) URL with a host"
    if any(c.isspace() or not c.isprintable() for c in value):
        return f"{var}={shown} holds spaces or control characters"
    return None


def read_text(path: Path | None) -> str | None:
    """The file's text, or None when there is no such file or it cannot be read (a special file, too large, not
    UTF-8: publishing only reads what the run wrote)."""
    if path is None:
        return None
    try:
        return safefs.read_text(path, limit=READ_LIMIT, what="report file")
    except GobaselineError:
        return None


def summary_text(report: Report, files: Mapping[str, Path]) -> str:
    """The summary Markdown file's text, or a one-line summary when it was not written."""
    return read_text(files.get("summary")) or f"## gobaseline: {report.verdict.value}\n\n{counts_line(report)}.\n"


def finish(ctx: CIContext, log: Log, posted: list[Posted], failures: list[str]) -> PublishResult:
    """The result of one publish: when something failed, one notice line and one GB003 note saying all of it."""
    findings: tuple[Finding, ...] = ()
    if failures and ctx.event_problem:
        failures = [*failures, f"The CI event payload was not used: {ctx.event_problem}."]
    if failures:
        message = log.scrub(" ".join(failures))
        log.notice(message)
        from gobaseline.rules import rule

        findings = (rule("GB003").finding(message),)
    return PublishResult(ctx.forge, findings, tuple(log.lines), tuple(posted))


class Publisher(Protocol):
    """One forge: recognises its CI jobs and posts a report to them."""

    def detect(self, environ: Mapping[str, str], token_var: str | None = None) -> CIContext | None:
        """This forge's context when `environ` is one of its jobs, else None. No API calls."""
        ...

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
        """Post `report` for `ctx`; never raises for a forge failure (it becomes a GB003 note)."""
        ...
