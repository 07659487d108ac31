"""The probe's HTTP checks, over loopback only: `GET /healthz` until it answers 200, then `GET /debug/metrics`.

`/debug/metrics` must answer 200 with a `text/plain` (or no) Content-Type and a body that prometheus-client's text
parser reads without error, holding at least one metric family with at least one sample. That parser is lenient,
so the Content-Type is checked too: JSON, OpenMetrics or HTML answers are "another format".

Requests use `http.client` straight to 127.0.0.1, so HTTP(S)_PROXY in our environment never applies.
"""

from __future__ import annotations

import http.client
import socket
import time
from dataclasses import dataclass
from typing import Protocol

from gobaseline.stages.probe_logs import sanitise

HEALTHZ = "/healthz"
METRICS = "/debug/metrics"
REQUEST_TIMEOUT = 2.0
"""The shortest time a `/debug/metrics` request is given."""
_ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1"
_POLL = 0.05
_POLL_TIMEOUT = 1.0
_MAX_BODY = 8 * 1024 * 1024
_EXCERPT = 120


def metrics_problem(status: int, content_type: str, body: bytes) -> tuple[str | None, int]:
    """What is wrong with a /debug/metrics answer (None if nothing), and how many metric families it holds."""
    if status != 200:
        return f"GET {METRICS} answered HTTP {status}, not 200", 0
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "text/plain":
        what = {
            "application/json": "JSON",
            "application/openmetrics-text": "OpenMetrics",
            "text/html": "HTML",
        }.get(media, media)
        return f"GET {METRICS} answered {what} (Content-Type {media}), not the Prometheus text format", 0
    if len(body) > _MAX_BODY:
        return f"GET {METRICS} answered more than {_MAX_BODY // (1024 * 1024)} MiB", 0
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"GET {METRICS} answered a body that is not UTF-8 text", 0
    from prometheus_client.parser import text_string_to_metric_families

    try:
        families = [f for f in text_string_to_metric_families(text) if f.samples]
    except Exception as e:  # the parser raises assorted errors on arbitrary input; all mean "not this format"
        reason = sanitise(str(e))[:_EXCERPT] or type(e).__name__
        return f"GET {METRICS} answered a body that is not Prometheus text ({reason})", 0
    if not families:
        return f"GET {METRICS} answered Prometheus text without any metric sample", 0
    return None, len(families)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def get(port: int, path: str, timeout: float) -> Answer:
    """GET http://127.0.0.1:PORT/PATH directly (no proxy); raises OSError or HTTPException."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": _ACCEPT, "User-Agent": "gobaseline-probe"})
        resp = conn.getresponse()
        body = resp.read(_MAX_BODY + 1)
        return Answer(resp.status, resp.getheader("Content-Type") or "", body)
    finally:
        conn.close()


def error_text(e: BaseException) -> str:
    if isinstance(e, TimeoutError | socket.timeout):
        return "no answer before the request timed out"
    return sanitise(str(e)) or type(e).__name__


@dataclass
class Ready:
    """How waiting for /healthz ended."""

    healthy: bool = False
    exited: bool = False
    listening: bool = False
    last: str = ""
    """The last non-200 answer or connection error, for messages."""
    seconds: float = 0.0


class Service(Protocol):
    """What waiting for /healthz needs to know of the service's process."""

    @property
    def started(self) -> float:
        """When it was started, in `time.monotonic()` seconds."""

    @property
    def running(self) -> bool:
        """False once it has exited."""


def wait_ready(svc: Service, port: int, timeout: float) -> Ready:
    """Poll /healthz until it answers 200, the process exits, or `timeout` seconds pass."""
    out = Ready()
    deadline = svc.started + timeout
    while True:
        if not svc.running:
            out.exited = True
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            answer = get(port, HEALTHZ, min(_POLL_TIMEOUT, remaining))
        except ConnectionRefusedError:
            pass
        except (OSError, http.client.HTTPException) as e:
            out.listening, out.last = True, error_text(e)
        else:
            out.listening = True
            if answer.status == 200:
                out.healthy = True
                break
            out.last = f"HTTP {answer.status}"
        time.sleep(max(0.0, min(_POLL, deadline - time.monotonic())))
    if not svc.running:
        # A service that has exited did not start, whatever answered (another process may hold the port).
        out.exited, out.healthy = True, False
    out.seconds = time.monotonic() - svc.started
    return out
