"""The start-up probe: pure helpers, and real Go services built with the real toolchain and probed."""

from __future__ import annotations

import dataclasses
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gobaseline.errors import PolicyError
from gobaseline.golang.gotool import Go
from gobaseline.model import CheckStatus, Stage
from gobaseline.policy import Policy, ProbePolicy, load, parse
from gobaseline.stages import StageResult, probe, probe_checks, probe_http, probe_logs
from tests.conftest import make_ctx
from tests.support.toolchains import isolated_go_env

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "probe"
HELLO_POLICY = FIXTURES / "hello-probe.yml"
HELLO = REPO / "examples" / "hello"
HELLO_MAIN = "examples/hello/main.go"
STAMPED = "1.2.3"
BAD = ("neverlisten", "crash", "plainlog", "jsonmetrics", "hangstop")


# -- real services -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory, go_shared_cache: Path) -> Path:
    """examples/hello (version stamped) and every fixture service, built once per session into one place."""
    base = tmp_path_factory.mktemp("probe-build")
    env = isolated_go_env(base, go_shared_cache)
    go = Go.discover(environ=env)
    bindir = base / "bin"
    bindir.mkdir()
    static = {"CGO_ENABLED": "0"}
    res = go.run(["build", "-trimpath", "-o", f"{bindir}{os.sep}", "./..."], cwd=FIXTURES, extra_env=static)
    assert res.ok, res.stderr
    ldflags = f"-X main.version={STAMPED}"
    res = go.run(
        ["build", "-trimpath", "-ldflags", ldflags, "-o", str(bindir / "hello"), "."],
        cwd=REPO / "examples" / "hello",
        extra_env=static,
    )
    assert res.ok, res.stderr
    for name in ("hello", *BAD):
        assert (bindir / name).is_file(), name
    return bindir


def _processes_from(bindir: Path) -> list[str]:
    """Processes whose executable lives in `bindir` (a /proc scan: no psutil needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            exe = str((entry / "exe").readlink())
        except OSError:
            try:
                exe = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
            except OSError:
                continue
        if exe.startswith(str(bindir)):
            found.append(f"{entry.name} {exe}")
    return found


@pytest.fixture(autouse=True)
def no_survivors(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that probed a real service, no process of it may be left."""
    yield
    if "services" in request.fixturenames:
        bindir: Path = request.getfixturevalue("services")
        assert _processes_from(bindir) == []


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary directories made during the test go here, so the test can see that they are removed."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def _hello_policy(**changes: Any) -> Policy:
    policy = load(HELLO_POLICY, REPO)
    return dataclasses.replace(policy, probe=dataclasses.replace(policy.probe, **changes))


def _status(result: StageResult) -> dict[str, CheckStatus]:
    return {c.name: c.status for c in result.checks}


def _rules(result: StageResult) -> list[str]:
    return sorted(f.rule_id for f in result.findings)


def _probe_bad(name: str, services: Path, **changes: object) -> StageResult:
    main = f"tests/fixtures/probe/cmd/{name}/main.go"
    return probe.run(make_ctx(HELLO, repo_root=REPO, policy=_hello_policy(**changes)), services / name, main_file=main)


def test_compliant_example_passes(services: Path, private_tmp: Path) -> None:
    policy = load(HELLO_POLICY, REPO)
    assert policy.probe.enabled and policy.probe.port_flag == "-listen"
    result = probe.run(
        make_ctx(HELLO, repo_root=REPO, policy=policy),
        services / "hello",
        main_file=HELLO_MAIN,
        stamped_version=STAMPED,
        target="x/y",
    )
    assert result.stage is Stage.PROBE
    assert result.findings == []
    assert _status(result) == dict.fromkeys(probe_checks.CHECKS, CheckStatus.PASSED)
    assert {c.target for c in result.checks} == {"x/y"}
    shutdown = next(c for c in result.checks if c.name == "shutdown")
    assert "code 0" in shutdown.detail and "SIGTERM" in shutdown.detail
    assert result.facts["probe.address"].startswith("127.0.0.1:")
    assert list(private_tmp.iterdir()) == []  # the service's working directory is gone
    assert result.seconds < 3


def test_stamped_version_mismatch(services: Path) -> None:
    result = probe.run(
        make_ctx(HELLO, repo_root=REPO, policy=load(HELLO_POLICY, REPO)),
        services / "hello",
        main_file=HELLO_MAIN,
        stamped_version="9.9",
    )
    assert _rules(result) == ["GB708"]
    (finding,) = result.findings
    assert '"1.2.3"' in finding.message and '"9.9"' in finding.message
    assert finding.location is not None and finding.location.path == HELLO_MAIN
    assert finding.location.line == probe.main_line(REPO / HELLO_MAIN)


def test_no_stamped_version_skips_the_version_check(services: Path) -> None:
    result = probe.run(make_ctx(HELLO, repo_root=REPO, policy=load(HELLO_POLICY, REPO)), services / "hello")
    assert result.findings == []
    assert _status(result)["version"] is CheckStatus.SKIPPED


def test_address_through_placeholder_args(services: Path) -> None:
    result = probe.run(
        make_ctx(HELLO, repo_root=REPO, policy=_hello_policy(port_flag=None, args=("-listen=127.0.0.1:{port}",))),
        services / "hello",
    )
    assert result.findings == []


def test_proxy_settings_do_not_reach_loopback(services: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = probe.run(
        make_ctx(HELLO, repo_root=REPO, policy=load(HELLO_POLICY, REPO)), services / "hello", stamped_version=STAMPED
    )
    assert result.findings == []


def test_port_taken_between_choice_and_bind_is_retried(services: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        ports = iter([taken])
        real = probe_http.free_port
        monkeypatch.setattr(probe, "free_port", lambda: next(ports, None) or real())
        result = probe.run(make_ctx(HELLO, repo_root=REPO, policy=load(HELLO_POLICY, REPO)), services / "hello")
    assert result.findings == []
    assert result.facts["probe.address"] != f"127.0.0.1:{taken}"


def test_never_listens(services: Path) -> None:
    result = _probe_bad("neverlisten", services, startup_timeout=1.5)
    assert _rules(result) == ["GB702"]
    status = _status(result)
    assert status["start"] is CheckStatus.FAILED
    assert status["healthz"] is status["metrics"] is CheckStatus.SKIPPED
    assert status["log-json"] is status["log-fields"] is CheckStatus.PASSED
    assert "within 1.5 s" in result.findings[0].message
    assert result.seconds < 1.5 + 2


def test_crashes_at_start(services: Path) -> None:
    result = _probe_bad("crash", services)
    assert _rules(result) == ["GB701"]
    (finding,) = result.findings
    assert "code 2" in finding.message
    assert "panic: DATABASE_URL is not set" in finding.message
    assert finding.location is not None
    assert finding.location.path == "tests/fixtures/probe/cmd/crash/main.go"
    status = _status(result)
    assert status["start"] is CheckStatus.FAILED
    assert status["shutdown"] is CheckStatus.PASSED
    assert all(status[n] is CheckStatus.SKIPPED for n in ("healthz", "metrics", "log-json", "log-fields"))
    assert result.seconds < 3


def test_plain_text_logs(services: Path) -> None:
    result = _probe_bad("plainlog", services)
    assert _rules(result) == ["GB703"]
    assert "stderr line 1 is not a JSON object" in result.findings[0].message
    assert _status(result)["log-fields"] is CheckStatus.SKIPPED


def test_metrics_in_another_format(services: Path) -> None:
    result = _probe_bad("jsonmetrics", services)
    assert _rules(result) == ["GB706"]
    assert "JSON" in result.findings[0].message


def test_hangs_on_shutdown(services: Path) -> None:
    result = _probe_bad("hangstop", services)
    assert _rules(result) == ["GB707"]
    shutdown = next(c for c in result.checks if c.name == "shutdown")
    assert shutdown.status is CheckStatus.FAILED
    assert "SIGKILL" in shutdown.detail
    assert result.seconds < 3 + 1 + 2


def test_required_fields_come_from_the_policy(services: Path) -> None:
    result = _probe_bad("jsonmetrics", services, required_fields=("ts", "level", "region"))
    assert _rules(result) == ["GB704", "GB706"]
    assert any("`region` is missing on stdout line 1" in f.message for f in result.findings)


def test_missing_binary(tmp_path: Path) -> None:
    result = probe.run(make_ctx(HELLO, repo_root=REPO, policy=load(HELLO_POLICY, REPO)), tmp_path / "nope")
    assert _rules(result) == ["GB701"]
    assert sum(c.status is CheckStatus.SKIPPED for c in result.checks) == len(probe_checks.CHECKS) - 1


def test_binary_that_cannot_run(tmp_path: Path) -> None:
    bogus = tmp_path / "service"
    bogus.write_bytes(b"\x00not an executable")
    bogus.chmod(0o755)
    result = probe.run(make_ctx(HELLO, repo_root=REPO, policy=load(HELLO_POLICY, REPO)), bogus)
    assert _rules(result) == ["GB701"]
    assert "cannot start" in result.findings[0].message


def test_no_way_to_pass_the_address_is_a_policy_error() -> None:
    # Refused when the policy loads, not minutes later after the build.
    with pytest.raises(PolicyError) as err:
        parse("probe:\n  enabled: true\n", ".gobaseline.yml")
    assert err.value.line == 1 and err.value.path == ".gobaseline.yml"


# -- the service's command line and environment --------------------------------------------------------------


def test_service_command_environment_is_minimal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy:3128")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    policy = ProbePolicy(
        enabled=True,
        port_flag="-listen",
        listen_env="ADDR",
        port_env="PORT",
        args=("-v",),
        env={"MODE": "probe", "URL": "http://{address}/x"},
    )
    argv, env, how = probe.service_command(Path("/bin/svc"), policy, tmp_path, 4242)
    assert argv == ["/bin/svc", "-v", "-listen=127.0.0.1:4242"]
    assert env == {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        "MODE": "probe",
        "URL": "http://127.0.0.1:4242/x",
        "ADDR": "127.0.0.1:4242",
        "PORT": "4242",
    }
    assert "-listen=127.0.0.1:4242" in how and "PORT=4242" in how


# -- pure helpers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-25T09:48:41.143690822Z",
        "2026-11-25T09:48:41Z",
        "2026-11-25t09:48:41.1+01:00",
        "2026-11-25T09:48:41.123456789123-05:30",
        "2016-12-31T23:59:60Z",
    ],
)
def test_rfc3339_accepts(value: str) -> None:
    assert probe_logs.is_rfc3339(value)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-25 09:48:41Z",
        "2026-11-25T09:48:41",
        "2026-02-30T09:48:41Z",
        "2026-11-25T25:00:00Z",
        "2026-11-25T09:48:41.Z",
        "2026/11/25 09:48:41",
        "1764064121",
        "2026-11-25T09:48:41+24:00",
    ],
)
def test_rfc3339_rejects(value: str) -> None:
    assert not probe_logs.is_rfc3339(value)


@pytest.mark.parametrize("value", ["info", "INFO", "Warn", "warning", "ERROR", "DEBUG-4", "INFO+2", "fatal"])
def test_levels_accepted(value: str) -> None:
    assert probe_logs.is_level(value)


@pytest.mark.parametrize("value", ["", "verbose", "I", "info!", "3"])
def test_levels_rejected(value: str) -> None:
    assert not probe_logs.is_level(value)


GOOD_METRICS = b"# HELP a_total Things.\n# TYPE a_total counter\na_total 1\n"


@pytest.mark.parametrize(
    ("status", "ctype", "body", "expect"),
    [
        (200, "text/plain; version=0.0.4; charset=utf-8", GOOD_METRICS, None),
        (200, "", b"up 1\n", None),
        (404, "text/plain", b"404 page not found\n", "HTTP 404"),
        (200, "application/json", b'{"a_total": 1}\n', "JSON"),
        (200, "text/plain; charset=utf-8", b'{"a_total": 1}\n', "not Prometheus text"),
        (200, "application/openmetrics-text; version=1.0.0", GOOD_METRICS + b"# EOF\n", "OpenMetrics"),
        (200, "text/html", b"<html></html>", "HTML"),
        (200, "text/plain", b"", "without any metric sample"),
        (200, "text/plain", b"# TYPE a counter\n", "without any metric sample"),
        (200, "text/plain", b"hello world\n", "not Prometheus text"),
        (200, "text/plain", b"\xff\xfe", "not UTF-8"),
    ],
)
def test_metrics_problem(status: int, ctype: str, body: bytes, expect: str | None) -> None:
    problem, families = probe_http.metrics_problem(status, ctype, body)
    if expect is None:
        assert problem is None and families >= 1
    else:
        assert problem is not None and expect in problem


def _lines(*texts: str) -> list[probe_logs.LogLine]:
    return [probe_logs.LogLine("stdout", i, t) for i, t in enumerate(texts, 1)]


GOOD_LINE = '{"ts":"2026-11-25T09:48:41.143690822Z","level":"INFO","service":"s","version":"1.0","trace_id":"ab"}'
FIELDS = ("ts", "level", "service", "version", "trace_id")


def test_logs_good() -> None:
    assert probe_logs.check_logs(_lines(GOOD_LINE, GOOD_LINE), FIELDS, "1.0") == ([], [], [])


def test_logs_field_problems_are_grouped() -> None:
    bad = '{"ts":"yesterday","level":"loud","service":"","version":7,"trace_id":null}'
    missing = '{"ts":"2026-11-25T09:48:41Z","level":"info"}'
    json_p, field_p, version_p = probe_logs.check_logs(_lines(bad, missing, missing), FIELDS, "1.0")
    assert json_p == []
    assert field_p is not None
    text = "\n".join(field_p)
    assert '`ts` is "yesterday", not an RFC 3339 time' in text
    assert '`level` is "loud"' in text
    assert '`service` is "", not a non-empty string' in text
    assert "`version` is 7" in text
    assert "`trace_id` is null on stdout line 1" in text
    assert "`service` is missing on stdout line 2 (and 1 more)" in text
    assert version_p is None  # no line logs a version string to compare


def test_logs_not_json() -> None:
    json_p, field_p, version_p = probe_logs.check_logs(_lines("starting", "[1, 2]"), FIELDS, None)
    assert json_p == ["stdout line 1 is not a JSON object: `starting` (2 of the first 2 lines are not)"]
    assert field_p is None and version_p is None


def test_logs_none_at_all() -> None:
    assert probe_logs.check_logs([], FIELDS, None) == (["the service wrote no log line at start-up"], None, None)


def test_startup_lines_prefers_stdout_and_skips_blank_lines() -> None:
    picked = probe_logs.startup_lines(["", "a", "b", "c"], ["x"], 2)
    assert [(line.stream, line.number, line.text) for line in picked] == [
        ("stdout", 2, "a"),
        ("stdout", 3, "b"),
    ]
    assert [line.stream for line in probe_logs.startup_lines([" "], ["x"], 2)] == ["stderr"]


def test_sanitise() -> None:
    assert probe_logs.sanitise("\x1b[31mred\x1b[0m\x07 in /tmp/wd/x", "/tmp/wd") == "red in <workdir>/x"
    assert len(probe_logs.sanitise("x" * 1000)) == 300


def test_describe_exit() -> None:
    assert probe.describe_exit(0) == "code 0"
    assert probe.describe_exit(-9) == "signal SIGKILL"
