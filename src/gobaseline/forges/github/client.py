"""GitHub's API through PyGithub's requester: check runs, commit statuses and SARIF uploads.

PyGithub runs with `GithubRetry` set up not to repeat POSTs (`forges.github.retry`). Every answer is checked
for the shape it must have before anything is read from it (`forges.github.answers`): a proxy's HTML page, a
list, a string or a body cut short is a `ForgeError` with a reason, never a crash.

A check run is created completed, its conclusion and first 50 annotations in the create, so a run that exists
is never left in progress whatever fails later; the other annotations follow 50 per PATCH (PATCHes append).
Creating is not idempotent, so a failed or unreadable create is followed by a look-up before any second
attempt; a batch is resent only when the run's `annotations_count` shows it did not land.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gobaseline import __version__, console
from gobaseline.forges.context import CIContext
from gobaseline.forges.github.answers import annotations_count, field, json_object, run_id, translate
from gobaseline.forges.github.retry import forge_retry
from gobaseline.forges.publishing import ForgeError, Posted, counts_line
from gobaseline.model import Finding, Location, Report, Severity, Verdict

ANNOTATIONS_PER_REQUEST = 50
OUTPUT_TEXT_LIMIT = 65535
MESSAGE_LIMIT_BYTES = 64 * 1024
TITLE_LIMIT = 255
STATUS_DESCRIPTION_LIMIT = 140
STATUS_CONTEXT_LIMIT = 255
SARIF_GZIP_LIMIT = 10 * 1024 * 1024
SARIF_POLL_LIMIT = 5.0
"""Seconds (waits and answers together) to keep asking whether code scanning has processed an upload."""
LIST_PAGES = 10
"""Pages of 100 check runs to look through for ours."""
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
    if report.verdict.fails(fail_on):
        return "failure"
    return "success" if report.verdict is Verdict.PASS else "neutral"


def _batches(items: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True)
class SarifResult:
    """What happened to a SARIF upload."""

    id: str
    processing_status: str
    """`complete`, `failed`, `pending` when the poll budget ran out first, `unknown` when the status could not
    be read (`problem` says why)."""
    errors: tuple[str, ...] = ()
    problem: ForgeError | None = None


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
        poll_limit: float = SARIF_POLL_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from github import Auth, Github

        console.route_library_logs()
        self.ctx = ctx
        self.retry = retry or forge_retry(sleep=sleep)
        self.timeout = timeout
        self.sleep = sleep
        self.poll_limit = poll_limit
        self.clock = clock
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
        self._repo_path = f"/repos/{quote(ctx.repo, safe='/')}"

    def close(self) -> None:
        """Release connections."""
        self._gh.close()

    def _call(
        self, what: str, verb: str, path: str, *, body: Any = None, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One request; its answer, which must be a JSON object."""
        with translate(what, self.ctx.token):
            _, data = self._gh.requester.requestJsonAndCheck(
                verb, self._repo_path + path, parameters=params, input=body
            )
        return json_object(what, data)

    @property
    def external_id(self) -> str:
        """Identifies the check run this job attempt created, so a retry finds it instead of creating
        another."""
        run = self.ctx.run_url.rsplit("/", 1)[-1] if self.ctx.run_url else "local"
        return f"gobaseline:{run}:{self.ctx.run_attempt or '1'}:{self.ctx.head_sha}"

    # --- check runs -----------------------------------------------------------------------------------------

    def find_check_run(self, name: str) -> dict[str, Any] | None:
        """Our check run for this head commit and job attempt, if one exists."""
        path = f"/commits/{quote(self.ctx.head_sha, safe='')}/check-runs"
        for page in range(1, LIST_PAGES + 1):
            data = self._call("check run", "GET", path, params={"check_name": name, "per_page": 100, "page": page})
            runs = field("check run", data, "check_runs", list)
            for run in runs:
                if isinstance(run, dict) and run.get("name") == name and run.get("external_id") == self.external_id:
                    run_id("check run", run)
                    return run
            if len(runs) < 100:
                break
        return None

    def _create_check_run(self, name: str, output: dict[str, Any], final: str) -> tuple[dict[str, Any], bool]:
        """The run created (its conclusion set), and whether it was found by a look-up after an unclear create."""
        body: dict[str, Any] = {
            "name": name,
            "head_sha": self.ctx.head_sha,
            "status": "completed",
            "conclusion": final,
            "external_id": self.external_id,
            "output": output,
        }
        if self.ctx.run_url:
            body["details_url"] = self.ctx.run_url

        def create() -> dict[str, Any]:
            run = self._call("check run", "POST", "/check-runs", body=body)
            run_id("check run", run)
            return run

        try:
            return create(), False
        except ForgeError as e:
            if e.status is not None and e.status < 500:
                raise
            # The create may have landed before the failure or the unreadable answer: look before creating again.
            found = self.find_check_run(name)
            return (found, True) if found is not None else (create(), False)

    def check_run(self, name: str, report: Report, summary: str, *, fail_on: str, annotations: bool = True) -> Posted:
        """Create (or find) the check run, completed with its conclusion, then add the other annotations 50 at a
        time.

        Requests: 1 look-up + 1 create + ceil(n/50) - 1 updates (a run found again: 1 update at least).
        """
        title = f"gobaseline: {counts_line(report)}"
        summary = cut_summary(summary)
        final = conclusion(report, fail_on)
        items = [annotation(f) for f in report.findings] if annotations else []
        run = self.find_check_run(name)
        if run is None:
            first = items[:ANNOTATIONS_PER_REQUEST]
            output: dict[str, Any] = {"title": title, "summary": summary}
            if first:
                output["annotations"] = first
            run, found = self._create_check_run(name, output, final)
            # A run found after an unclear create holds what its listing counts; a created one, the first batch.
            already = annotations_count(run) if found else len(first)
            updates_needed = False
        else:
            already = annotations_count(run)
            updates_needed = True  # a run from an earlier try of this job: bring its conclusion up to date
        # A run found again may already hold the first batches (a retried job step): send only the rest.
        pending = items[already:] if already <= len(items) else []
        batches = list(_batches(pending, ANNOTATIONS_PER_REQUEST)) or ([[]] if updates_needed else [])
        rid = run_id("check run", run)
        sent = already
        try:
            for batch in batches:
                output = {"title": title, "summary": summary}
                if batch:
                    output["annotations"] = list(batch)
                self._patch(rid, output, final, expect=sent + len(batch))
                sent += len(batch)
        except ForgeError as e:
            if e.unauthorized or e.forbidden:
                raise
            missing = (
                f"only {sent} of its {len(items)} annotations were added"
                if pending
                else "its summary and conclusion could not be brought up to date"
            )
            raise ForgeError("check run", f"{missing} ({e.reason})", status=e.status, partly=True) from None
        html_url = run.get("html_url")
        return Posted("check-run", str(rid), html_url if isinstance(html_url, str) else "", final)

    def _patch(self, rid: int, output: dict[str, Any], final: str, *, expect: int) -> None:
        """PATCH the run (the conclusion with every batch); after a failure, send again only if the run shows
        the batch or the conclusion missing."""
        body = {"output": output, "status": "completed", "conclusion": final}
        for attempt in range(3):
            try:
                self._call("check run", "PATCH", f"/check-runs/{rid}", body=body)
                return
            except ForgeError as e:
                if (e.status is not None and e.status < 500) or attempt == 2:
                    raise
                fresh = self._call("check run", "GET", f"/check-runs/{rid}")
                if annotations_count(fresh) >= expect and fresh.get("conclusion") == final:
                    return
                self.sleep(self.retry.backoff_factor * (2**attempt))
        # The loop returns or raises.

    # --- commit status --------------------------------------------------------------------------------------

    def commit_status(self, context: str, state: str, description: str) -> Posted:
        """Set the commit status `context` on the head commit. Repeating it is harmless, so one resend is
        allowed."""
        body: dict[str, Any] = {
            "state": state,
            "description": description if len(description) <= STATUS_DESCRIPTION_LIMIT else description[:139] + "…",
            "context": context[:STATUS_CONTEXT_LIMIT],
        }
        if self.ctx.run_url:
            body["target_url"] = self.ctx.run_url
        path = f"/statuses/{quote(self.ctx.head_sha, safe='')}"
        for attempt in range(2):
            try:
                status = self._call("commit status", "POST", path, body=body)
                url = status.get("target_url")
                return Posted("status", str(status.get("id", "")), url if isinstance(url, str) else "", state)
            except ForgeError as e:
                if (e.status is not None and e.status < 500) or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    # --- SARIF ----------------------------------------------------------------------------------------------

    def upload_sarif(self, sarif_text: str, *, category: str = "", started_at: str = "") -> SarifResult:
        """Upload SARIF for the SARIF commit and ref, then poll until it is processed or the budget runs out."""
        try:
            payload = _prepare_sarif(sarif_text, category)
        except (ValueError, AttributeError, TypeError):
            raise ForgeError("SARIF upload", "the SARIF file is not a SARIF JSON document") from None
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
        receipt = self._call("SARIF upload", "POST", "/code-scanning/sarifs", body=body)
        sarif_id = field("SARIF upload", receipt, "id", str)
        try:
            return self._poll_sarif(sarif_id)
        except ForgeError as e:
            return SarifResult(sarif_id, "unknown", problem=e)

    def _poll_sarif(self, sarif_id: str) -> SarifResult:
        path = f"/code-scanning/sarifs/{quote(sarif_id, safe='')}"
        spent, delay = 0.0, 1.0
        while True:
            started = self.clock()
            try:
                data = self._call("SARIF processing", "GET", path)
            except ForgeError as e:
                # 404 for a moment after the upload is normal: the receipt exists before the analysis does.
                if e.status != 404:
                    raise
            else:
                state = field("SARIF processing", data, "processing_status", str)
                if state in ("complete", "failed"):
                    errors = data.get("errors")
                    listed = tuple(str(x) for x in errors) if isinstance(errors, list) else ()
                    return SarifResult(sarif_id, state, listed)
            spent += self.clock() - started
            if spent + delay > self.poll_limit:
                return SarifResult(sarif_id, "pending")
            self.sleep(delay)
            spent += delay
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
