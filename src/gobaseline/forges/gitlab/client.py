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
from gobaseline.forges.publishing import ForgeError, Posted, reason_text

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
        """POST /projects/:id/statuses/:sha on the MR source head (or the pipeline's commit)."""
        data = {
            "state": state,
            "name": name,
            "description": description[:DESCRIPTION_LIMIT],
        }
        if self.ctx.run_url:
            data["target_url"] = self.ctx.run_url
        commit = self._project.commits.get(self.ctx.head_sha, lazy=True)
        for attempt in range(2):
            try:
                with _translate("commit status", self.ctx.token):
                    status = commit.statuses.create(data, **_CREATE)
                return Posted("status", str(status.get_id() or ""), self.ctx.run_url, state)
            except ForgeError as e:
                if e.status == 400 and "transition" in e.reason:
                    # The status already has this state (a retried job): nothing to change.
                    return Posted("status", "", self.ctx.run_url, state)
                if e.forbidden or (e.status is not None and e.status < 500) or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def _find_note(self) -> Any:
        mr = self._project.mergerequests.get(self.ctx.change_number or 0, lazy=True)
        with _translate("merge request note", self.ctx.token):
            for note in mr.notes.list(iterator=True, per_page=100, sort="asc", order_by="created_at", **_READ):
                if str(getattr(note, "body", "")).startswith(NOTE_MARKER):
                    return note
        return None

    def upsert_note(self, markdown: str) -> Posted:
        """Edit our note on the merge request, or add it when there is none yet. Never adds a second one."""
        body = note_body(markdown)
        mr = self._project.mergerequests.get(self.ctx.change_number or 0, lazy=True)
        note = self._find_note()
        if note is not None:
            with _translate("merge request note", self.ctx.token):
                mr.notes.update(note.id, {"body": body}, **_READ)
            return Posted("note", str(note.id), "", "updated")
        try:
            with _translate("merge request note", self.ctx.token):
                created = mr.notes.create({"body": body}, **_CREATE)
            return Posted("note", str(created.id), "", "created")
        except ForgeError as e:
            if e.forbidden or (e.status is not None and e.status < 500):
                raise
            # The create may have landed: look before adding another.
            note = self._find_note()
            if note is not None:
                return Posted("note", str(note.id), "", "created")
            with _translate("merge request note", self.ctx.token):
                created = mr.notes.create({"body": body}, **_CREATE)
            return Posted("note", str(created.id), "", "created")


class _translate:
    """Turn python-gitlab and requests failures into ForgeError."""

    def __init__(self, what: str, token: str) -> None:
        self.what = what
        self.token = token

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            return
        import gitlab

        if isinstance(exc, gitlab.GitlabError):
            code = exc.response_code
            message = reason_text(str(exc.error_message or ""), self.token)
            raise ForgeError(self.what, f"HTTP {code}" + (f" ({message})" if message else ""), status=code) from None
        if isinstance(exc, requests.Timeout):
            raise ForgeError(self.what, f"no answer in time ({type(exc).__name__})") from None
        if isinstance(exc, requests.RequestException):
            raise ForgeError(self.what, f"connection failed ({type(exc).__name__})") from None
