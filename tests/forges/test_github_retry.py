"""GithubRetry as the GitHub client sets it up, checked through a real HTTP server (the sleeps are counted)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from github import GithubException
from requests.adapters import HTTPAdapter

from gobaseline.forges.github.retry import forge_retry
from tests.support.github_api import FakeGitHub, Fault, forbidden, rate_limited, too_many

SHA = "a" * 40


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token="tok")
    server.start()
    yield server
    server.stop()


def _client(fake: FakeGitHub) -> requests.Session:
    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=forge_retry(sleep=fake.clock.sleep)))
    s.headers["Authorization"] = "token tok"
    return s


def _status(fake: FakeGitHub) -> requests.Response:
    return _client(fake).post(f"{fake.base_url}/repos/octo/hello/statuses/{SHA}", json={"state": "success"}, timeout=5)


def _list(fake: FakeGitHub) -> requests.Response:
    return _client(fake).get(f"{fake.base_url}/repos/octo/hello/commits/{SHA}/check-runs", timeout=5)


def test_post_is_not_repeated_after_a_server_error(fake: FakeGitHub) -> None:
    fake.inject("create-status", Fault("status-after", 502))
    assert _status(fake).status_code == 502
    assert fake.count() == 1 and len(fake.statuses) == 1


def test_post_is_repeated_after_a_rate_limit(fake: FakeGitHub) -> None:
    fake.inject("create-status", too_many(2), rate_limited(3))
    assert _status(fake).status_code == 201
    assert fake.count() == 3 and fake.clock.sleeps == [2.0, 3.0]


def test_plain_forbidden_is_returned_at_once(fake: FakeGitHub) -> None:
    fake.inject("create-status", forbidden())
    # GithubRetry reads the body: not a rate limit, so PyGithub's own 403 error at once.
    with pytest.raises(GithubException) as refused:
        _status(fake)
    assert refused.value.status == 403
    assert fake.count() == 1 and fake.clock.sleeps == []


def test_get_backs_off_exponentially_and_gives_up(fake: FakeGitHub) -> None:
    fake.inject_always("list-check-runs", Fault("status", 500))
    assert _list(fake).status_code == 500
    assert fake.count() == 5
    assert fake.clock.sleeps == sorted(fake.clock.sleeps) and max(fake.clock.sleeps) <= 8


def test_get_is_repeated_after_a_dropped_connection(fake: FakeGitHub) -> None:
    fake.inject("list-check-runs", Fault("reset"))
    assert _list(fake).status_code == 200
    assert fake.count() == 2


def test_post_is_not_repeated_after_a_dropped_connection(fake: FakeGitHub) -> None:
    fake.inject("create-status", Fault("reset-after"))
    with pytest.raises(requests.ConnectionError):
        _status(fake)
    assert fake.count() == 1
