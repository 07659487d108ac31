"""A fake GitHub REST API: a real HTTP server that checks every request against GitHub's OpenAPI slice.

PyGithub and requests talk to it unmodified through the base URL. It keeps state the way GitHub does (check
runs by
id with annotations appended by each PATCH, statuses, SARIF uploads and their processing) and injects faults
per
route: an error status before or after the request took effect, a dropped connection, an answer slower than
the
client's timeout, rate limits with Retry-After. A request the description does not allow, or a path it does
not
have, is recorded in `problems`, and the fixture fails the test.

`ContractServer` is the shared part; `tests/support/gitlab_api.py` builds the GitLab fake on it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import itertools
import json
import math
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gobaseline.forges.github.client import ANNOTATIONS_PER_REQUEST
from gobaseline.model import Location, Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openapi"
GITHUB_SLICE = FIXTURES / "github-slice.json"

Handler = Callable[[Request, "re.Match[str]", dict[str, Any]], Response]


@dataclass
class Fault:
    """One injected misbehaviour for one request on a route.

    kinds: `status` answers `status` without acting; `status-after` acts, then answers `status`; `reset` drops
    the connection without acting; `reset-after` acts, then drops it; `timeout` acts, then answers after
    `delay` seconds (longer than the client waits); `slow` waits `delay` seconds, then acts and answers
    normally; `answer` answers `status` with the raw `body` (a str: HTML, a JSON list, ...) and `content_type`
    without acting, `answer-after` acts first; `drip` acts, then sends its real answer a few bytes at a time
    `delay` seconds apart; `stall` acts, sends half its answer and then nothing for `delay` seconds.
    """

    kind: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    content_type: str = "application/json"


HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Proxy login</body></html>\n"
ODD_BODIES: dict[str, tuple[str, str]] = {
    "HTML page": (HTML_PAGE, "text/html; charset=utf-8"),
    "JSON list": ('[{"id": 1}, 2]', "application/json"),
    "JSON string": ('"accepted"', "application/json"),
    "JSON number": ("202", "application/json"),
    "empty body": ("", "application/json"),
    "broken JSON": ('{"id": 12, "url": ', "application/json"),
}
"""Bodies no API should answer with, by name: each with the content type it comes with."""


def odd(name: str, status: int = 200, *, after: bool = True) -> Fault:
    """An answer of `status` with one of `ODD_BODIES`, after acting (or, with `after=False`, without)."""
    body, content_type = ODD_BODIES[name]
    return Fault("answer-after" if after else "answer", status, body=body, content_type=content_type)


def unauthorized() -> Fault:
    """A 401: the token is not accepted (expired, revoked, for another host)."""
    return Fault(
        "status", 401, body={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
    )


def rate_limited(seconds: int = 1) -> Fault:
    """GitHub's secondary rate limit: 403 with Retry-After, the request not acted on."""
    return Fault(
        "status",
        403,
        {"Retry-After": str(seconds), "x-ratelimit-remaining": "4000"},
        {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
    )


def too_many(seconds: int = 1) -> Fault:
    """429 with Retry-After."""
    return Fault("status", 429, {"Retry-After": str(seconds)}, {"message": "Too Many Requests"})


def forbidden() -> Fault:
    """A plain 403: the token may not do this (read-only token, fork pull request)."""
    return Fault(
        "status",
        403,
        {"x-ratelimit-remaining": "4999"},
        {
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest",
        },
    )


@dataclass
class Recorded:
    """One request as the server saw it (the Authorization header is kept only as a yes/no)."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    body: Any
    authorized: bool


class FakeClock:
    """Stands in for time.sleep in the code under test: counts and adds up the waits instead of waiting."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        """Record a wait."""
        self.sleeps.append(seconds)

    @property
    def total(self) -> float:
        """Seconds the code would have waited."""
        return sum(self.sleeps)


class _HostRequest:
    """An openapi-core request over a werkzeug request, seen as if sent to the description's server."""

    def __init__(self, request: Request, host_url: str, prefix: str = "") -> None:
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest

        self._inner = WerkzeugOpenAPIRequest(request)
        self.parameters = self._inner.parameters
        self._host_url = host_url
        self._prefix = prefix

    @property
    def host_url(self) -> str:
        return self._host_url

    @property
    def path(self) -> str:
        return self._prefix + self._inner.path

    @property
    def method(self) -> str:
        return self._inner.method

    @property
    def body(self) -> bytes | None:
        return self._inner.body

    @property
    def content_type(self) -> str:
        return self._inner.content_type


class ContractServer:
    """A threaded HTTP server with routes, OpenAPI request validation, a request log and fault injection."""

    spec_host = "https://api.example.com"
    spec_prefix = ""

    def __init__(self, spec: dict[str, Any], token: str) -> None:
        self.openapi = _openapi(json.dumps(spec))
        self.token = token
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self.faults: dict[str, list[Fault]] = {}
        self.always: dict[str, Fault] = {}
        self.clock = FakeClock()
        self.lock = threading.RLock()
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    # --- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start listening on a free local port."""
        self.server.start()

    def stop(self) -> None:
        """Stop the server."""
        if self.server.is_running():
            self.server.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return self.server.url_for("").rstrip("/")

    # --- configuration --------------------------------------------------------------------------------------

    def route(self, method: str, pattern: str, name: str, handler: Handler) -> None:
        """Answer `method pattern` (a regex over the path) with `handler`."""
        self.routes.append((method, re.compile(f"^{pattern}$"), name, handler))

    def inject(self, route: str, *faults: Fault) -> None:
        """The next requests on `route` misbehave as `faults`, one each, in order."""
        with self.lock:
            self.faults.setdefault(route, []).extend(faults)

    def inject_always(self, route: str, fault: Fault) -> None:
        """Every request on `route` (or on every route, with "*") misbehaves as `fault`."""
        with self.lock:
            self.always[route] = fault

    def count(self, route: str | None = None, method: str | None = None) -> int:
        """How many requests reached the server (on one route / with one method)."""
        return sum(
            1 for r in self.requests if (route is None or r.route == route) and (method is None or r.method == method)
        )

    # --- request handling -----------------------------------------------------------------------------------

    def authorized(self, request: Request) -> bool:
        """Override: does the request carry the token?"""
        raise NotImplementedError

    def _validate(self, request: Request) -> bool:
        try:
            self.openapi.validate_request(_HostRequest(request, self.spec_host, self.spec_prefix))
        except Exception as e:
            detail = "; ".join(str(x) for x in getattr(e, "schema_errors", ()) or ()) or repr(e)
            cause = e.__cause__
            if cause is not None:
                detail += f" (caused by {cause!r})"
            self.problems.append(f"{request.method} {request.path}: {detail}")
            return False
        return True

    def _handle(self, request: Request) -> Response:
        body: Any = None
        raw = request.get_data()
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        for method, pattern, name, handler in self.routes:  # noqa: B007 (used after the loop)
            match = pattern.match(request.path)
            if match and method == request.method:
                break
        else:
            with self.lock:
                self.requests.append(Recorded(request.method, request.path, "?", dict(request.args), body, False))
                self.problems.append(f"{request.method} {request.path}: no such route in the fake")
            return _json({"message": "Not Found"}, 404)
        ok = self.authorized(request)
        with self.lock:
            self.requests.append(Recorded(request.method, request.path, name, dict(request.args), body, ok))
            fault = self.faults[name].pop(0) if self.faults.get(name) else self.always.get(name) or self.always.get("*")
        if not self._validate(request):
            return _json({"message": "Invalid request (see the fake's problems)"}, 422)
        if not ok:
            return _json({"message": "Bad credentials"}, 401)
        if fault is not None:
            if fault.kind == "status":
                return _json(fault.body or {"message": "Server Error"}, fault.status, fault.headers)
            if fault.kind == "answer":
                return _raw(fault)
            if fault.kind == "reset":
                return _drop(request)
            if fault.kind == "slow":
                time.sleep(fault.delay)
        with self.lock:
            response = handler(request, match, body if isinstance(body, dict) else {})
        if fault is not None:
            if fault.kind == "status-after":
                return _json(fault.body or {"message": "Server Error"}, fault.status, fault.headers)
            if fault.kind == "answer-after":
                return _raw(fault)
            if fault.kind == "reset-after":
                return _drop(request)
            if fault.kind == "timeout":
                time.sleep(fault.delay)
            if fault.kind in ("drip", "stall"):
                return _slow_body(response, fault)
        return response


@functools.cache
def _openapi(spec_json: str) -> Any:
    """The validator for a description, built once per test session (the spec self-check is off)."""
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_dict(json.loads(spec_json), config=Config(spec_validator_cls=None))  # type: ignore[arg-type]  # None: the documented off switch


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers or {}, content_type="application/json")


def _raw(fault: Fault) -> Response:
    return Response(fault.body or "", status=fault.status, headers=fault.headers, content_type=fault.content_type)


def _slow_body(response: Response, fault: Fault) -> Response:
    """`response` with its body sent slowly: `drip` a few bytes every `delay` seconds, `stall` half of it, then
    a pause of `delay` seconds before the rest."""
    data = response.get_data()

    def chunks() -> Iterator[bytes]:
        if fault.kind == "stall":
            yield data[: len(data) // 2]
            time.sleep(fault.delay)
            yield data[len(data) // 2 :]
            return
        for i in range(0, len(data), max(1, len(data) // 4)):
            yield data[i : i + max(1, len(data) // 4)]
            time.sleep(fault.delay)

    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
    return Response(chunks(), status=response.status_code, headers=headers, content_type=response.content_type)


def _drop(request: Request) -> Response:
    """Close the client's connection with a reset and no answer."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return Response(b"", status=500)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class FakeGitHub(ContractServer):
    """GitHub's check runs, commit statuses and code scanning SARIF uploads for one repository."""

    spec_host = "https://api.github.com"

    def __init__(self, token: str, repo: str = "octo/hello", *, sarif_pending_polls: int = 1) -> None:
        super().__init__(json.loads(GITHUB_SLICE.read_text(encoding="utf-8")), token)
        self.repo = repo
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.annotations: dict[int, list[dict[str, Any]]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.sarifs: dict[str, dict[str, Any]] = {}
        self.sarif_pending_polls = sarif_pending_polls
        self.sarif_processing = "complete"
        self._ids = itertools.count(1001)
        r = re.escape(repo)
        self.route("GET", rf"/repos/{r}/commits/(?P<ref>[^/]+)/check-runs", "list-check-runs", self._list_runs)
        self.route("POST", rf"/repos/{r}/check-runs", "create-check-run", self._create_run)
        self.route("GET", rf"/repos/{r}/check-runs/(?P<id>\d+)", "get-check-run", self._get_run)
        self.route("PATCH", rf"/repos/{r}/check-runs/(?P<id>\d+)", "update-check-run", self._update_run)
        self.route("POST", rf"/repos/{r}/statuses/(?P<sha>[0-9a-f]+)", "create-status", self._create_status)
        self.route("POST", rf"/repos/{r}/code-scanning/sarifs", "upload-sarif", self._upload_sarif)
        self.route("GET", rf"/repos/{r}/code-scanning/sarifs/(?P<id>[^/]+)", "get-sarif", self._get_sarif)

    def authorized(self, request: Request) -> bool:
        value = request.headers.get("Authorization", "")
        return value in (f"token {self.token}", f"Bearer {self.token}")

    # --- check runs -----------------------------------------------------------------------------------------

    def _run_json(self, run: dict[str, Any]) -> dict[str, Any]:
        rid = run["id"]
        url = f"{self.base_url}/repos/{self.repo}/check-runs/{rid}"
        return {
            **run,
            "node_id": f"CR_{rid}",
            "url": url,
            "html_url": f"https://github.com/{self.repo}/runs/{rid}",
            "check_suite": {"id": 1},
            "app": None,
            "pull_requests": [],
            "output": {
                **run["output"],
                "annotations_count": len(self.annotations[rid]),
                "annotations_url": f"{url}/annotations",
            },
        }

    def _list_runs(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        name = request.args.get("check_name")
        runs = [
            self._run_json(r)
            for r in sorted(self.check_runs.values(), key=lambda r: -int(r["id"]))
            if r["head_sha"] == m["ref"] and (name is None or r["name"] == name)
        ]
        return _json({"total_count": len(runs), "check_runs": runs})

    def _check_output(self, output: dict[str, Any]) -> str | None:
        notes = output.get("annotations") or []
        if len(notes) > 50:
            return "Only 50 annotations may be included per request"
        for a in notes:
            if ("start_column" in a or "end_column" in a) and a["start_line"] != a["end_line"]:
                return "start_column and end_column may only be used on a single line"
            if len(a.get("title", "")) > 255 or len(a["message"].encode()) > 64 * 1024:
                return "annotation title or message too long"
        for key in ("summary", "text"):
            if len(output.get(key) or "") > 65535:
                return f"output.{key} is too long (maximum is 65535 characters)"
        return None

    def _create_run(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        output = body.get("output") or {}
        problem = self._check_output(output)
        if problem:
            return _json({"message": problem}, 422)
        rid = next(self._ids)
        run = {
            "id": rid,
            "name": body["name"],
            "head_sha": body["head_sha"],
            "external_id": body.get("external_id", ""),
            "details_url": body.get("details_url"),
            "status": body.get("status", "queued"),
            "conclusion": body.get("conclusion"),
            "started_at": _now(),
            "completed_at": None,
            "output": {k: output.get(k) for k in ("title", "summary", "text")},
        }
        self.check_runs[rid] = run
        self.annotations[rid] = list(output.get("annotations") or [])
        return _json(self._run_json(run), 201)

    def _get_run(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        run = self.check_runs.get(int(m["id"]))
        return _json(self._run_json(run)) if run else _json({"message": "Not Found"}, 404)

    def _update_run(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        run = self.check_runs.get(int(m["id"]))
        if run is None:
            return _json({"message": "Not Found"}, 404)
        output = body.get("output") or {}
        problem = self._check_output(output)
        if problem:
            return _json({"message": problem}, 422)
        if body.get("status") == "completed" and not body.get("conclusion"):
            return _json({"message": "conclusion is required when status is completed"}, 422)
        for key in ("title", "summary", "text"):
            if key in output:
                run["output"][key] = output[key]
        self.annotations[run["id"]].extend(output.get("annotations") or [])
        if body.get("conclusion"):
            run["status"], run["conclusion"], run["completed_at"] = "completed", body["conclusion"], _now()
        elif body.get("status"):
            run["status"] = body["status"]
        return _json(self._run_json(run))

    # --- statuses and SARIF ---------------------------------------------------------------------------------

    def _create_status(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        if len(body.get("description") or "") > 140:
            return _json({"message": "description is too long (maximum is 140 characters)"}, 422)
        status = {
            "id": next(self._ids),
            "node_id": "SC_1",
            "sha": m["sha"],
            "state": body["state"],
            "description": body.get("description"),
            "target_url": body.get("target_url"),
            "context": body.get("context", "default"),
            "url": f"{self.base_url}/repos/{self.repo}/statuses/{m['sha']}",
            "avatar_url": None,
            "created_at": _now(),
            "updated_at": _now(),
            "creator": None,
        }
        self.statuses.append(status)
        return _json(status, 201)

    def _upload_sarif(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        try:
            sarif = json.loads(gzip.decompress(base64.b64decode(body["sarif"], validate=True)))
        except (ValueError, OSError, KeyError):
            return _json({"message": "Invalid sarif: not gzip-compressed, base64-encoded JSON"}, 400)
        sid = str(uuid.uuid4())
        self.sarifs[sid] = {
            "sarif": sarif,
            "commit_sha": body["commit_sha"],
            "ref": body["ref"],
            "tool_name": body.get("tool_name"),
            "polls": 0,
        }
        return _json({"id": sid, "url": f"{self.base_url}/repos/{self.repo}/code-scanning/sarifs/{sid}"}, 202)

    def _get_sarif(self, request: Request, m: re.Match[str], body: dict[str, Any]) -> Response:
        upload = self.sarifs.get(m["id"])
        if upload is None:
            return _json({"message": "Not Found"}, 404)
        upload["polls"] += 1
        if upload["polls"] <= self.sarif_pending_polls:
            return _json({"processing_status": "pending", "analyses_url": None})
        if self.sarif_processing == "failed":
            return _json(
                {
                    "processing_status": "failed",
                    "errors": ["locationFromSarifResult: expected artifact location"],
                }
            )
        return _json(
            {
                "processing_status": "complete",
                "analyses_url": f"{self.base_url}/repos/{self.repo}/code-scanning/analyses?sarif_id={m['id']}",
            }
        )


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    """A running fake GitHub with a fresh random token; fails the test on any request the description
    forbids."""
    fake = FakeGitHub(token=f"ghs_{uuid.uuid4().hex}{uuid.uuid4().hex[:4]}")
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.problems == [], "requests outside GitHub's API description:\n" + "\n".join(fake.problems)


# --- scenario helpers shared by the forge tests -------------------------------------------------------------

HEAD_SHA = "a" * 40
MERGE_SHA = "b" * 40
BASE_SHA = "c" * 40


def expected_requests(findings: int) -> int:
    """Requests a check run with `findings` annotations takes: look-up, create (with the first 50), then one
    update per further 50."""
    return 2 + max(0, math.ceil(findings / ANNOTATIONS_PER_REQUEST) - 1)


def sample_report(errors: int = 1, warnings: int = 1, notes: int = 1) -> Report:
    """A report with findings of each severity, some with places (one spanning lines, one with columns)."""
    from gobaseline.rules import rule

    findings = []
    for i in range(errors):
        loc = (
            Location("go.mod", 3 + i, 1, 3 + i, 12)
            if i % 3 == 0
            else (None if i % 3 == 1 else Location("main.go", 10 + i, None, 14 + i))
        )
        findings.append(rule("GB401").finding(f"error {i}: replace directive points outside the module", loc))
    for i in range(warnings):
        findings.append(rule("GB403").finding(f"warning {i}: the go directive is old", Location("go.mod", 1)))
    for i in range(notes):
        findings.append(rule("GB106").finding(f"note {i}: toolchain facts", None, target="linux/amd64"))
    return Report(tool_version="0.1.0", root="/work/repo", findings=tuple(findings), started_at="2025-01-02T03:04:05Z")


def write_files(directory: Path, report: Report) -> dict[str, Path]:
    """Report files as the pipeline writes them before publishing (small stand-ins for the real formats)."""
    directory.mkdir(parents=True, exist_ok=True)
    sarif = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": "gobaseline", "rules": []}},
                "results": [
                    {"ruleId": f.rule_id, "level": "error", "message": {"text": f.message}} for f in report.findings
                ],
            }
        ],
    }
    files = {
        "sarif": directory / "gobaseline.sarif",
        "summary": directory / "summary.md",
        "json": directory / "gobaseline.json",
        "manifest": directory / "manifest.json",
    }
    files["sarif"].write_text(json.dumps(sarif), encoding="utf-8")
    files["summary"].write_text(
        f"## gobaseline: {report.verdict.value}\n\n| rule | message |\n|---|---|\n", encoding="utf-8"
    )
    files["json"].write_text(json.dumps(report.to_dict()), encoding="utf-8")
    files["manifest"].write_text("{}", encoding="utf-8")
    return files


def github_env(
    fake: FakeGitHub, tmp: Path, *, event: str = "push", fork: bool = False, token: bool = True
) -> dict[str, str]:
    """The environment of a GitHub Actions job talking to `fake`."""
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": fake.repo,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_SHA": HEAD_SHA,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_STEP_SUMMARY": str(tmp / "step_summary.md"),
        "GITHUB_OUTPUT": str(tmp / "github_output"),
    }
    if token:
        env["GITHUB_TOKEN"] = fake.token
    payload: dict[str, Any] = {}
    if event == "pull_request":
        env["GITHUB_SHA"] = MERGE_SHA
        env["GITHUB_REF"] = "refs/pull/7/merge"
        head_repo = "someone/hello" if fork else fake.repo
        payload = {
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": {"sha": HEAD_SHA, "repo": {"full_name": head_repo}},
                "base": {"sha": BASE_SHA, "repo": {"full_name": fake.repo}},
            },
        }
    path = tmp / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    env["GITHUB_EVENT_PATH"] = str(path)
    return env
