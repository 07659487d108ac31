"""GitHub's API through PyGithub: check runs, commit statuses, and SARIF uploads (through PyGithub's requester).

PyGithub runs with `GithubRetry` set up not to repeat POSTs (`forges.github.retry`). Creating a
check
run is not idempotent, so a failed or timed-out create is followed by a look-up before any second attempt; an
annotation batch (PATCH appends) is resent only when the run's `annotations_count` shows it did not land.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from gobaseline import __version__, console
from gobaseline.forges.context import CIContext
from gobaseline.forges.github.retry import forge_retry
from gobaseline.forges.publishing import ForgeError, Posted, counts_line, reason_text
from gobaseline.model import Finding, Location, Report, Severity

if TYPE_CHECKING:
    from github.CheckRun import CheckRun
    from github.Repository import Repository

ANNOTATIONS_PER_REQUEST = 50
OUTPUT_TEXT_LIMIT = 65535
MESSAGE_LIMIT_BYTES = 64 * 1024
TITLE_LIMIT = 255
STATUS_DESCRIPTION_LIMIT = 140
STATUS_CONTEXT_LIMIT = 255
SARIF_GZIP_LIMIT = 10 * 1024 * 1024
SUMMARY_CUT_NOTE = (
    "\n\n*This summary was cut to GitHub's 65,535-character limit; "
    "the job summary and the report files have all of it.*"
)
_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def cut_summary(text: str) -> str:
    """`text` cut to the check run output limit, with a note saying so when it was cut."""
    if len(text) <= OUTPUT_TEXT_LIMIT:
        return text
    return text[: OUTPUT_TEXT_LIMIT - len(SUMMARY_CUT_NOTE)] + SUMMARY_CUT_NOTE


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def annotation(finding: Finding) -> dict[str, Any]:
    """The check run annotation for a finding; findings without a place go to go.mod line 1."""
    from gobaseline.rules import catalogue

    loc = finding.location or Location("go.mod", 1)
    start = loc.line or 1
    end = max(loc.end_line or start, start)
    rule = catalogue().resolve(finding.rule_id)
    title = f"{finding.rule_id} {rule.title}" if rule else finding.rule_id
    if finding.target:
        title += f" ({finding.target})"
    out: dict[str, Any] = {
        "path": loc.path,
        "start_line": start,
        "end_line": end,
        "annotation_level": _LEVELS[finding.severity],
        "message": _cut_bytes(finding.message, MESSAGE_LIMIT_BYTES),
        "title": title[:TITLE_LIMIT],
    }
    if start == end and loc.column is not None:
        out["start_column"] = loc.column
        out["end_column"] = max(loc.end_column or loc.column, loc.column)
    return out


def conclusion(report: Report, fail_on: str) -> str:
    """success with no errors or warnings; failure for errors (warnings too with fail_on=warning); else
    neutral."""
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if errors and fail_on != "never":
        return "failure"
    if warnings and fail_on == "warning":
        return "failure"
    return "neutral" if errors or warnings else "success"


def _batches(items: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True)
class SarifResult:
    """What happened to a SARIF upload."""

    id: str
    processing_status: str
    """`complete`, `failed`, or `pending` when the poll bound ran out first."""
    errors: tuple[str, ...] = ()


class GitHub:
    """Posts to one repository's API for one CI context."""

    def __init__(
        self,
        ctx: CIContext,
        *,
        retry: Any = None,
        timeout: int = 15,
        write_interval: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        poll_limit: float = 120.0,
    ) -> None:
        from github import Auth, Github

        console.route_library_logs()
        self.ctx = ctx
        self.retry = retry or forge_retry(sleep=sleep)
        self.timeout = timeout
        self.sleep = sleep
        self.poll_limit = poll_limit
        self._gh = Github(
            base_url=ctx.api_url,
            auth=Auth.Token(ctx.token),
            retry=self.retry,
            timeout=timeout,
            user_agent=f"gobaseline/{__version__}",
            seconds_between_requests=None,
            seconds_between_writes=write_interval or None,
            lazy=True,
        )

    def close(self) -> None:
        """Release connections."""
        self._gh.close()

    @property
    def _repo(self) -> Repository:
        return self._gh.get_repo(self.ctx.repo)

    @property
    def external_id(self) -> str:
        """Identifies the check run this job attempt created, so a retry finds it instead of creating
        another."""
        run = self.ctx.run_url.rsplit("/", 1)[-1] if self.ctx.run_url else "local"
        return f"gobaseline:{run}:{self.ctx.run_attempt or '1'}:{self.ctx.head_sha}"

    # --- check runs -----------------------------------------------------------------------------------------

    def find_check_run(self, name: str) -> CheckRun | None:
        """Our check run for this head commit and job attempt, if one exists."""
        with _translate("check run", self.ctx.token):
            runs = self._repo.get_commit(self.ctx.head_sha).get_check_runs(check_name=name)
            for run in runs:
                if run.name == name and run.external_id == self.external_id:
                    return run
        return None

    def _create_check_run(self, name: str, title: str, summary: str) -> CheckRun:
        output: dict[str, Any] = {"title": title, "summary": summary}

        def create() -> CheckRun:
            with _translate("check run", self.ctx.token):
                return self._repo.create_check_run(
                    name=name,
                    head_sha=self.ctx.head_sha,
                    status="in_progress",
                    external_id=self.external_id,
                    details_url=self.ctx.run_url or _unset(),
                    output=output,
                )

        try:
            return create()
        except ForgeError as e:
            if e.forbidden or (e.status is not None and e.status < 500):
                raise
            # The create may have landed before the failure: look before creating again.
            found = self.find_check_run(name)
            return found if found is not None else create()

    def check_run(self, name: str, report: Report, summary: str, *, fail_on: str, annotations: bool = True) -> Posted:
        """Create (or find) the check run, add the annotations 50 at a time, complete it with the conclusion.

        Requests: 1 look-up + 1 create + max(1, ceil(n/50)) updates; the last update carries the conclusion.
        """
        title = f"gobaseline: {counts_line(report)}"
        summary = cut_summary(summary)
        run = self.find_check_run(name) or self._create_check_run(name, title, summary)
        items = [annotation(f) for f in report.findings] if annotations else []
        # A run we found again may already hold the first batches (a retried job step): send only the rest.
        already = _annotations_count(run)
        pending = items[already:] if already <= len(items) else []
        batches = list(_batches(pending, ANNOTATIONS_PER_REQUEST)) or [[]]
        final = conclusion(report, fail_on)
        sent = already
        for i, batch in enumerate(batches):
            output: dict[str, Any] = {"title": title, "summary": summary}
            if batch:
                output["annotations"] = list(batch)
            last = i == len(batches) - 1
            extra: dict[str, Any] = {"status": "completed", "conclusion": final} if last else {}
            self._patch(run, output, extra, expect=sent + len(batch))
            sent += len(batch)
        return Posted("check-run", str(run.id), run.html_url or "", final)

    def _patch(self, run: CheckRun, output: dict[str, Any], extra: dict[str, Any], *, expect: int) -> None:
        """PATCH the run; after a failure, send again only if its annotation count shows the batch is
        missing."""
        for attempt in range(3):
            try:
                with _translate("check run", self.ctx.token):
                    run.edit(output=output, **extra)
                return
            except ForgeError as e:
                if e.forbidden or (e.status is not None and e.status < 500) or attempt == 2:
                    raise
                with _translate("check run", self.ctx.token):
                    fresh = self._repo.get_check_run(run.id)
                    count = _annotations_count(fresh)
                if count >= expect and not extra:
                    return
                if count >= expect:
                    output = {k: v for k, v in output.items() if k != "annotations"}
                self.sleep(self.retry.backoff_factor * (2**attempt))
        # The loop returns or raises.

    # --- commit status --------------------------------------------------------------------------------------

    def commit_status(self, context: str, state: str, description: str) -> Posted:
        """Set the commit status `context` on the head commit. Repeating it is harmless, so one resend is
        allowed."""
        commit = self._repo.get_commit(self.ctx.head_sha)
        desc = description if len(description) <= STATUS_DESCRIPTION_LIMIT else description[:139] + "…"
        for attempt in range(2):
            try:
                with _translate("commit status", self.ctx.token):
                    status = commit.create_status(
                        state=state,
                        target_url=self.ctx.run_url or _unset(),
                        description=desc,
                        context=context[:STATUS_CONTEXT_LIMIT],
                    )
                return Posted("status", str(status.id), status.target_url or "", state)
            except ForgeError as e:
                if e.forbidden or (e.status is not None and e.status < 500) or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    # --- SARIF ----------------------------------------------------------------------------------------------

    def upload_sarif(self, sarif_text: str, *, category: str = "", started_at: str = "") -> SarifResult:
        """Upload SARIF for the SARIF commit and ref, then poll until it is processed or the poll bound runs
        out."""
        payload = _prepare_sarif(sarif_text, category)
        if len(payload) > SARIF_GZIP_LIMIT * 4 // 3 + 4:
            raise ForgeError("SARIF upload", "the gzipped SARIF is larger than GitHub's 10 MB limit")
        body: dict[str, Any] = {
            "commit_sha": self.ctx.sarif_sha,
            "ref": self.ctx.sarif_ref,
            "sarif": payload,
            "tool_name": "gobaseline",
        }
        if started_at:
            body["started_at"] = started_at
        with _translate("SARIF upload", self.ctx.token):
            _, receipt = self._gh.requester.requestJsonAndCheck(
                "POST", f"/repos/{self.ctx.repo}/code-scanning/sarifs", input=body
            )
        return self._poll_sarif(str(receipt.get("id", "")))

    def _poll_sarif(self, sarif_id: str) -> SarifResult:
        url = f"/repos/{self.ctx.repo}/code-scanning/sarifs/{sarif_id}"
        waited, delay = 0.0, 1.0
        while True:
            try:
                with _translate("SARIF upload", self.ctx.token):
                    _, data = self._gh.requester.requestJsonAndCheck("GET", url)
            except ForgeError as e:
                # 404 for a moment after the upload is normal: the receipt exists before the analysis does.
                if e.status != 404:
                    raise
            else:
                state = str(data.get("processing_status", "pending"))
                if state != "pending":
                    return SarifResult(sarif_id, state, tuple(str(e) for e in data.get("errors") or ()))
            if waited + delay > self.poll_limit:
                return SarifResult(sarif_id, "pending")
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, 30.0)


def _prepare_sarif(text: str, category: str) -> str:
    """gzip + base64 of the SARIF, with `automationDetails.id` set to the category (the API has no field for
    it)."""
    if category:
        data = json.loads(text)
        for run in data.get("runs", []):
            details = run.setdefault("automationDetails", {})
            details.setdefault("id", category if category.endswith("/") else f"{category}/")
        text = json.dumps(data, ensure_ascii=False)
    return base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")


def _annotations_count(run: CheckRun) -> int:
    try:
        count = run.output.annotations_count
    except AttributeError:  # No output on the object: nothing was sent.
        return 0
    return int(count or 0)


def _unset() -> Any:
    from github.GithubObject import NotSet

    return NotSet


def _describe_response(status: int, data: Any, token: str) -> str:
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    message = reason_text(message, token)
    return f"HTTP {status}" + (f" ({message})" if message else "")


def _describe_exception(e: BaseException) -> str:
    name = type(e).__name__
    if isinstance(e, requests.Timeout):
        return f"no answer in time ({name})"
    if isinstance(e, requests.ConnectionError):
        return f"connection failed ({name})"
    return name


class _translate:
    """Turn PyGithub and requests failures into ForgeError (status kept, no headers or token in the
    message)."""

    def __init__(self, what: str, token: str) -> None:
        self.what = what
        self.token = token

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            return
        from github import GithubException

        if isinstance(exc, GithubException):
            reason = _describe_response(exc.status, exc.data, self.token)
            raise ForgeError(self.what, reason, status=exc.status) from None
        if isinstance(exc, requests.RequestException):
            raise ForgeError(self.what, _describe_exception(exc)) from None


def expected_requests(findings: int) -> int:
    """Requests a check run with `findings` annotations takes: look-up, create, ceil(n/50) updates (at least
    1)."""
    return 2 + max(1, math.ceil(findings / ANNOTATIONS_PER_REQUEST))
