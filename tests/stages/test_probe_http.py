"""The probe's HTTP side against a real local server: polling /healthz, reading /debug/metrics."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer

from gobaseline.stages import probe_http


@dataclass
class FakeService:
    """A process that is running until told otherwise."""

    alive: bool = True
    started: float = field(default_factory=time.monotonic)

    @property
    def running(self) -> bool:
        return self.alive


def test_wait_ready_until_healthz_answers_200(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/healthz").respond_with_data("starting", status=503)
    httpserver.expect_ordered_request("/healthz").respond_with_data("ok")
    ready = probe_http.wait_ready(FakeService(), httpserver.port, 5.0)
    assert ready.healthy and ready.listening and not ready.exited
    assert ready.last == "HTTP 503"


def test_wait_ready_gives_up_after_the_timeout(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/healthz").respond_with_data("no", status=500)
    ready = probe_http.wait_ready(FakeService(), httpserver.port, 0.3)
    assert not ready.healthy and ready.listening and ready.last == "HTTP 500"
    assert 0.3 <= ready.seconds < 2


def test_wait_ready_nothing_listening() -> None:
    ready = probe_http.wait_ready(FakeService(), probe_http.free_port(), 0.2)
    assert not ready.listening and not ready.healthy and not ready.exited


def test_an_exited_service_is_not_ready_whatever_answers(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/healthz").respond_with_data("ok")
    ready = probe_http.wait_ready(FakeService(alive=False), httpserver.port, 5.0)
    assert ready.exited and not ready.healthy


def test_get_reads_status_type_and_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/debug/metrics", headers={"User-Agent": "gobaseline-probe"}).respond_with_data(
        "up 1\n", content_type="text/plain; version=0.0.4"
    )
    answer = probe_http.get(httpserver.port, probe_http.METRICS, 2.0)
    assert answer == probe_http.Answer(200, "text/plain; version=0.0.4", b"up 1\n")
    assert probe_http.metrics_problem(answer.status, answer.content_type, answer.body) == (None, 1)
