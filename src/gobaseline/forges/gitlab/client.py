"""GitLab's API through python-gitlab: a commit status and one merge request note.

python-gitlab's own retry settings do the retrying: reads and the note update (a PUT, safe to repeat) retry
transient errors (`retry_transient_errors`); creates (POST) do not, since they may have taken effect, and the
caller looks before it tries again. Every call obeys 429s (`obey_rate_limit`: the server did not act) and makes
at most `MAX_RETRIES` retries. The note is found by a hidden marker and edited on every push, so a merge
request carries exactly one gobaseline note.
"""

from __future__ import annotations

from typing import Any

import requests

from gobaseline import __version__, console
from gobaseline.forges.context import CIContext
from gobaseline.forges.publishing import ForgeError, Posted, Translating, reason_text

NOTE_MARKER = "<!-- gobaseline:report -->"
NOTE_LIMIT = 1_000_000
"""GitLab refuses notes longer than 1,000,000 characters."""
DESCRIPTION_LIMIT = 255
NOTE_CUT = "\n\n*Cut to GitLab's note size limit; the full report is in the job artifacts.*\n"
MAX_RETRIES = 4
_READ: dict[str, Any] = {"obey_rate_limit": True, "retry_transient_errors": True, "max_retries": MAX_RETRIES}
"""Per-call settings of python-gitlab for calls that are safe to repeat (GET, PUT)."""
_CREATE: dict[str, Any] = {"obey_rate_limit": True, "retry_transient_errors": False, "max_retries": MAX_RETRIES}
"""For POSTs: only a 429 is retried."""


def note_body(markdown: str) -> str:
    """The note text: the marker first, then the summary, cut to GitLab's limit."""
    body = f"{NOTE_MARKER}\n{markdown}"
    if len(body) > NOTE_LIMIT:
        body = body[: NOTE_LIMIT - len(NOTE_CUT)] + NOTE_CUT
    return body


def api_base(api_v4_url: str) -> str:
    """`https://host/api/v4` -> `https://host` (python-gitlab adds the API path itself)."""
    url = api_v4_url.rstrip("/")
    return url[: -len("/api/v4")] if url.endswith("/api/v4") else url


class GitLab:
    """Posts to one project's API for one CI context."""

    def __init__(
        self,
        ctx: CIContext,
        *,
        timeout: float = 15.0,
    ) -> None:
        import gitlab

        console.route_library_logs()
        self.ctx = ctx
        self._gl = gitlab.Gitlab(
            api_base(ctx.api_url),
            private_token=ctx.token,
            timeout=timeout,
            retry_transient_errors=True,
            user_agent=f"gobaseline/{__version__}",
        )
        self._project = self._gl.projects.get(ctx.repo, lazy=True)

    def close(self) -> None:
        """Release connections."""
        self._gl.session.close()

    def commit_status(self, name: str, state: str, description: str) -> Posted:
        """POST /projects/:id/statuses/:sha on the MR source head (or the pipeline's commit, naming the pipeline)."""
        data: dict[str, str | int] = {
            "state": state,
            "name": name,
            "description": description[:DESCRIPTION_LIMIT],
        }
        if self.ctx.run_url:
            data["target_url"] = self.ctx.run_url
        if self.ctx.pipeline_id is not None:
            data["pipeline_id"] = self.ctx.pipeline_id  # this pipeline, not the newest one on the commit
        commit = self._project.commits.get(self.ctx.head_sha, lazy=True)
        for attempt in range(2):
            try:
                with _translate("commit status", self.ctx.token):
                    status = commit.statuses.create(data, **_CREATE)
                    sid = status.get_id()
                return Posted("status", str(sid or ""), self.ctx.run_url, state)
            except ForgeError as e:
                if e.status == 400 and "transition" in e.reason:
                    # The status already has this state (a retried job): nothing to change.
                    return Posted("status", "", self.ctx.run_url, state)
                if (e.status is not None and e.status < 500) or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def _find_note(self) -> tuple[int, str] | None:
        """The id and body of our note on the merge request, if there is one."""
        what = "merge request note"
        mr = self._project.mergerequests.get(self.ctx.change_number or 0, lazy=True)
        with _translate(what, self.ctx.token):
            for note in mr.notes.list(iterator=True, per_page=100, sort="asc", order_by="created_at", **_READ):
                attributes = getattr(note, "attributes", None)
                body = attributes.get("body") if isinstance(attributes, dict) else None
                if isinstance(body, str) and body.startswith(NOTE_MARKER):
                    return _note_id(what, note), body
        return None

    def _create_note(self, body: str) -> int:
        what = "merge request note"
        mr = self._project.mergerequests.get(self.ctx.change_number or 0, lazy=True)
        with _translate(what, self.ctx.token):
            created = mr.notes.create({"body": body}, **_CREATE)
        return _note_id(what, created)

    def upsert_note(self, markdown: str) -> Posted:
        """Edit our note on the merge request, or add it when there is none yet. Never adds a second one."""
        body = note_body(markdown)
        mr = self._project.mergerequests.get(self.ctx.change_number or 0, lazy=True)
        found = self._find_note()
        if found is not None:
            nid = found[0]
            try:
                with _translate("merge request note", self.ctx.token):
                    mr.notes.update(nid, {"body": body}, **_READ)
            except ForgeError as e:
                # An answer that could not be read, or a failure after the edit landed: look at the note.
                if (e.status is not None and e.status < 500) or self._find_note() != (nid, body):
                    raise
            return Posted("note", str(nid), "", "updated")
        try:
            return Posted("note", str(self._create_note(body)), "", "created")
        except ForgeError as e:
            if e.status is not None and e.status < 500:
                raise
            # The create may have landed (a failure, or an answer that could not be read): look before adding.
            found = self._find_note()
            if found is not None:
                return Posted("note", str(found[0]), "", "created")
            return Posted("note", str(self._create_note(body)), "", "created")


def _note_id(what: str, note: Any) -> int:
    """A note's id, which must be a positive number, read from the object python-gitlab made of the answer."""
    nid = getattr(note, "attributes", {}).get("id") if hasattr(note, "attributes") else None
    if not isinstance(nid, int) or isinstance(nid, bool) or nid <= 0:
        raise ForgeError(what, "GitLab's answer has no usable note `id`", unclear=True)
    return nid


def _message(message: Any, token: str) -> str:
    """GitLab's error message as part of a reason: an HTML page named as such, the token scrubbed, then cut."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message or "")
    if text.lstrip().startswith("<"):
        return "an HTML page"
    return reason_text(text, token)


class _translate(Translating):
    """Turn whatever python-gitlab or requests raised into a ForgeError (status kept, token scrubbed)."""

    def forge_error(self, exc: Exception) -> ForgeError:
        import gitlab

        if isinstance(exc, gitlab.GitlabParsingError) or (
            isinstance(exc, gitlab.GitlabError) and exc.response_code is None
        ):
            reason = "GitLab's answer is not the JSON the API describes (a proxy's page, or a body empty or cut short)"
            return ForgeError(self.what, reason, unclear=True)
        if isinstance(exc, gitlab.GitlabError):
            code = exc.response_code
            message = _message(exc.error_message, self.token)
            return ForgeError(self.what, f"HTTP {code}" + (f" ({message})" if message else ""), status=code)
        if isinstance(exc, requests.Timeout):
            return ForgeError(self.what, f"no answer in time ({type(exc).__name__})")
        if isinstance(exc, requests.RequestException):
            return ForgeError(self.what, f"connection failed ({type(exc).__name__})")
        return ForgeError(self.what, f"an unexpected answer ({type(exc).__name__})")
