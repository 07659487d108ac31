"""Go release numbers, the bundled snapshot, the opt-in refresh, and the version baseline."""

from __future__ import annotations

import json
import random
import socket
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from gobaseline.errors import GobaselineError
from gobaseline.golang.releases import Baseline, GoVersion, Releases


def v(text: str) -> GoVersion:
    parsed = GoVersion.parse(text)
    assert parsed is not None, text
    return parsed


# -- versions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor", "patch", "pre"),
    [
        ("go1.27.3", 27, 3, None),
        ("1.26", 26, None, None),
        ("1.26.0", 26, 0, None),
        ("go1.28rc1", 28, None, "rc1"),
        ("go1.28beta2", 28, None, "beta2"),
        (" go1.21.13\n", 21, 13, None),
    ],
)
def test_parse(text: str, minor: int, patch: int | None, pre: str | None) -> None:
    assert GoVersion.parse(text) == GoVersion(minor, patch, pre)


@pytest.mark.parametrize(
    "text",
    ["", "devel go1.28-abc", "go2.0", "1", "go1.27.3 X:boringcrypto", "1.27.3-custom", "go1.x", "v1.27"],
)
def test_parse_rejects(text: str) -> None:
    assert GoVersion.parse(text) is None


def test_properties_and_str() -> None:
    assert v("go1.28rc1").is_prerelease and not v("1.27.3").is_prerelease
    assert v("go1.27.3").minor_name == "1.27"
    assert [str(v(t)) for t in ("go1.27.3", "1.26", "go1.28rc1")] == ["1.27.3", "1.26", "1.28rc1"]


def test_ordering() -> None:
    ordered = [
        "1.26.6",
        "1.27",
        "1.27.1",
        "1.27.10",
        "1.28alpha1",
        "1.28beta1",
        "1.28beta2",
        "1.28rc2",
        "1.28rc10",
        "1.28.0",
        "1.28.1",
    ]
    versions = [v(t) for t in ordered]
    shuffled = versions[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled) == versions
    assert sorted(versions[5:] + versions[:5]) == versions
    assert v("1.27.3") > v("1.27.2") >= v("1.27.2")
    assert max(versions) == v("1.28.1")


# -- release lists ---------------------------------------------------------------------------------


def entry(version: str, stable: bool = True) -> dict[str, Any]:
    return {
        "version": version,
        "stable": stable,
        "files": [{"filename": f"{version}.src.tar.gz", "kind": "source"}],
    }


def test_snapshot() -> None:
    snap = Releases.snapshot()
    assert snap.source == "bundled snapshot"
    assert snap.stable == (v("go1.27.3"), v("go1.26.6"))
    assert snap.supported_minors == (27, 26)
    assert snap.newest_patch(27) == v("1.27.3")
    assert snap.newest_patch(25) is None


def test_from_json_keeps_stable_releases_newest_first() -> None:
    data = [
        entry("go1.26.6"),
        entry("go1.28rc1", stable=False),
        entry("go1.27.3"),
        entry("go1.27.1"),
        {"version": "garbage", "stable": True},
        "not an object",
        entry("go1.25.9", stable=False),
    ]
    r = Releases.from_json(data, "test")
    assert r.stable == (v("1.27.3"), v("1.27.1"), v("1.26.6"))
    assert r.supported_minors == (27, 26)
    assert r.newest_patch(27) == v("1.27.3")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"version": "go1.27.3"}, "not a JSON list"),
        ([], "no stable"),
        ([entry("go1.28rc1", stable=False)], "no stable"),
    ],
)
def test_from_json_errors(data: Any, words: str) -> None:
    with pytest.raises(GobaselineError, match=words) as info:
        Releases.from_json(data, "http://mirror/dl")
    assert info.value.path == "http://mirror/dl"


# -- refresh ---------------------------------------------------------------------------------------


def test_fetch(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dl/", query_string="mode=json").respond_with_json(
        [entry("go1.28.1"), entry("go1.27.9"), entry("go1.29rc1", stable=False)]
    )
    url = httpserver.url_for("/dl/?mode=json")
    r = Releases.fetch(url)
    assert r.source == url
    assert r.supported_minors == (28, 27)
    assert r.newest_patch(28) == v("1.28.1")


@pytest.mark.parametrize(
    ("respond", "words"),
    [
        (lambda h: h.respond_with_data("gone", status=404), "404"),
        (lambda h: h.respond_with_data("<html>not json</html>", content_type="text/html"), "cannot fetch"),
        (lambda h: h.respond_with_json({"releases": []}), "not a JSON list"),
        (lambda h: h.respond_with_json([]), "no stable"),
    ],
)
def test_fetch_failures(httpserver: HTTPServer, respond: Any, words: str) -> None:
    respond(httpserver.expect_request("/dl/"))
    with pytest.raises(GobaselineError, match=words):
        Releases.fetch(httpserver.url_for("/dl/"))


def test_fetch_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(GobaselineError, match=f"cannot fetch Go release data from {url}"):
        Releases.fetch(url, timeout=2)


def test_fetch_timeout(httpserver: HTTPServer) -> None:
    import time

    def slow(_request: Any) -> Any:
        time.sleep(0.5)
        from werkzeug import Response

        return Response(json.dumps([entry("go1.27.3")]), content_type="application/json")

    httpserver.expect_request("/dl/").respond_with_handler(slow)
    with pytest.raises(GobaselineError, match="cannot fetch"):
        Releases.fetch(httpserver.url_for("/dl/"), timeout=0.1)


# -- baseline --------------------------------------------------------------------------------------


def test_supported_baseline() -> None:
    b = Baseline.from_policy(None, Releases.snapshot())
    assert b.explicit is None
    assert b.allows_toolchain(v("1.27.0")) and b.allows_toolchain(v("1.26.1"))
    assert not b.allows_toolchain(v("1.25.5"))
    assert b.allows_toolchain(v("1.28.0"))  # newer than the snapshot knows
    assert not b.allows_toolchain(v("1.28rc1"))
    assert b.allows_language(v("1.26")) and not b.allows_language(v("1.25"))
    assert b.describe() == "Go 1.27 or 1.26 (the two newest supported minor releases, bundled snapshot)"


def test_explicit_baseline() -> None:
    b = Baseline.from_policy(("1.27", "1.25.4"), Releases.snapshot())
    assert b.explicit == (v("1.27"), v("1.25.4"))
    assert b.allows_toolchain(v("1.27.9"))
    assert b.allows_toolchain(v("1.25.4")) and not b.allows_toolchain(v("1.25.5"))
    assert not b.allows_toolchain(v("1.26.6"))
    assert b.allows_language(v("1.25")) and not b.allows_language(v("1.26"))
    assert b.describe() == "Go 1.27, 1.25.4 (policy go_versions)"
