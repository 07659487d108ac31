"""A fake GitLab REST API (v4) for tests, checked against tests/fixtures/openapi/gitlab.yml.

python-gitlab talks to it unmodified through the base URL. State: commit statuses per commit and name (posting
the
state a status already has is refused with 400, as GitLab does), merge request notes with offset pagination
(Link,
X-Next-Page, X-Total headers). Faults as in `github_api`.
"""

from __future__ import annotations

import itertools
import math
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from werkzeug import Request, Response

from tests.support.github_api import FIXTURES, HEAD_SHA, MERGE_SHA, ContractServer, _json, _now

GITLAB_SPEC = FIXTURES / "gitlab.yml"
BOT = {
    "id": 77,
    "username": "project_5_bot",
    "name": "gobaseline",
    "state": "active",
    "web_url": "https://gitlab.example.com/bot",
}
PERSON = {
    "id": 5,
    "username": "alice",
    "name": "Alice",
    "state": "active",
    "web_url": "https://gitlab.example.com/alice",
}


class FakeGitLab(ContractServer):
    """One project's commit statuses and merge request notes."""

    spec_host = "https://gitlab.example.com"

    def __init__(self, token: str, project_id: int = 42) -> None:
        super().__init__(yaml.safe_load(GITLAB_SPEC.read_text(encoding="utf-8")), token)
        self.project_id = project_id
        self.statuses: list[dict[str, Any]] = []
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self._ids = itertools.count(5001)
        p = f"/api/v4/projects/{project_id}"
        self.route("POST", rf"{p}/statuses/(?P<sha>[0-9a-f]+)", "create-status", self._create_status)
        self.route("GET", rf"{p}/merge_requests/(?P<iid>\d+)/notes", "list-notes", self._list_notes)
        self.route("POST", rf"{p}/merge_requests/(?P<iid>\d+)/notes", "create-note", self._create_note)
        self.route("PUT", rf"{p}/merge_requests/(?P<iid>\d+)/notes/(?P<nid>\d+)", "update-note", self._update_note)

    @property
    def api_url(self) -> str:
        """The CI_API_V4_URL for this server."""
        return f"{self.base_url}/api/v4"

    def authorized(self, request: Request) -> bool:
        return request.headers.get("PRIVATE-TOKEN") == self.token

    def add_notes(self, iid: int, count: int, body: str = "LGTM") -> None:
        """Notes by a person, to make the list span pages."""
        for _ in range(count):
            self._store_note(iid, body, PERSON)

    def _store_note(self, iid: int, body: str, author: dict[str, Any]) -> dict[str, Any]:
        note = {
            "id": next(self._ids),
            "type": None,
            "body": body,
            "author": author,
            "created_at": _now(),
            "updated_at": _now(),
            "system": False,
            "noteable_id": 900 + iid,
            "noteable_type": "MergeRequest",
            "noteable_iid": iid,
            "project_id": self.project_id,
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }
        self.notes.setdefault(iid, []).append(note)
        return note

    def _create_status(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        name = body.get("name") or body.get("context") or "default"
        for s in self.statuses:
            if s["sha"] == m["sha"] and s["name"] == name and s["status"] == body["state"]:
                verb = {"success": "succeed", "failed": "drop"}.get(body["state"], body["state"])
                return _json({"message": f"Cannot transition status via :{verb} from :{s['status']}"}, 400)
        self.statuses = [s for s in self.statuses if not (s["sha"] == m["sha"] and s["name"] == name)]
        status = {
            "id": next(self._ids),
            "sha": m["sha"],
            "ref": body.get("ref"),
            "status": body["state"],
            "name": name,
            "target_url": body.get("target_url"),
            "description": body.get("description"),
            "created_at": _now(),
            "started_at": None,
            "finished_at": None,
            "allow_failure": False,
            "coverage": None,
            "pipeline_id": body.get("pipeline_id", 1),
            "author": BOT,
        }
        self.statuses.append(status)
        return _json(status, 201)

    def _list_notes(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        notes = list(self.notes.get(int(m["iid"]), []))
        if request.args.get("sort", "desc") == "desc":
            notes.reverse()
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
        pages = max(1, math.ceil(len(notes) / per_page))
        chunk = notes[(page - 1) * per_page : page * per_page]
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(notes)),
            "X-Total-Pages": str(pages),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
        }
        if page < pages:
            args = {**request.args, "page": str(page + 1), "per_page": str(per_page)}
            query = "&".join(f"{k}={v}" for k, v in args.items())
            headers["Link"] = f'<{self.base_url}{request.path}?{query}>; rel="next"'
        return _json(chunk, 200, headers)

    def _create_note(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        return _json(self._store_note(int(m["iid"]), body["body"], BOT), 201)

    def _update_note(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        for note in self.notes.get(int(m["iid"]), []):
            if note["id"] == int(m["nid"]):
                note["body"], note["updated_at"] = body["body"], _now()
                return _json(note)
        return _json({"message": "404 Not found"}, 404)


@pytest.fixture
def gitlab_api() -> Iterator[FakeGitLab]:
    """A running fake GitLab with a fresh random token; fails the test on any request the description
    forbids."""
    fake = FakeGitLab(token=f"glpat-{uuid.uuid4().hex}")
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.problems == [], "requests outside the GitLab API description:\n" + "\n".join(fake.problems)


def gitlab_env(fake: FakeGitLab, *, mr: bool = True, fork: bool = False, token: bool = True) -> dict[str, str]:
    """The environment of a GitLab CI job talking to `fake` (a merge request pipeline unless `mr` is false)."""
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": fake.api_url,
        "CI_PROJECT_ID": str(fake.project_id),
        "CI_COMMIT_SHA": MERGE_SHA,
        "CI_COMMIT_REF_NAME": "feature",
        "CI_JOB_URL": "https://gitlab.example.com/octo/hello/-/jobs/99",
        "CI_PIPELINE_ID": "1234",
        "CI_PIPELINE_SOURCE": "merge_request_event" if mr else "push",
    }
    if mr:
        env |= {
            "CI_MERGE_REQUEST_IID": "3",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": HEAD_SHA,
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": "c" * 40,
            "CI_MERGE_REQUEST_PROJECT_ID": str(fake.project_id),
            "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "43" if fork else str(fake.project_id),
        }
    if token:
        env["GOBASELINE_GITLAB_TOKEN"] = fake.token
    return env
