"""A private module behind a company GOPROXY that needs credentials: `gobaseline run` downloads it with the user's
own .netrc into an empty module cache, and without valid credentials says so once, never printing a password."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gobaseline.cli import main
from gobaseline.golang.gotool import Go
from gobaseline.model import ExitCode
from tests.support import authproxy
from tests.support.authproxy import PASSWORD, PRIVATE, AuthProxy
from tests.support.goproxy import rmtree
from tests.support.toolchains import isolated_go_env


@dataclass
class Company:
    """The served proxy directory and a consumer whose go.mod and go.sum already name the private module."""

    proxy_dir: Path
    consumer: Path


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory, go_shared_cache: Path) -> Iterator[Company]:
    root = tmp_path_factory.mktemp("company")
    seed = Go.discover(environ=isolated_go_env(root / "seed", go_shared_cache))
    yield Company(*authproxy.private_consumer(seed, root))
    rmtree(root)


@pytest.fixture
def proxy(company: Company, tmp_path: Path) -> Iterator[AuthProxy]:
    with authproxy.serve(company.proxy_dir, tmp_path / "tls") as running:
        yield running


@dataclass
class Ran:
    code: int
    log: str
    module: Path
    modcache: Path

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.module / "gobaseline-out" / "reports" / "report.json").read_text())
        return data

    @property
    def findings(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.report["findings"]
        return found

    def everything_written(self) -> Iterator[tuple[str, str]]:
        """The log, then every file gobaseline wrote (reports, manifest, sums, SBOM), as text."""
        yield "log", self.log
        for p in sorted((self.module / "gobaseline-out").rglob("*")):
            if p.is_file():
                yield str(p), p.read_bytes().decode("utf-8", errors="replace")


Gate = Callable[..., Ran]


@pytest.fixture
def gate(
    proxy: AuthProxy,
    company: Company,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    go_shared_cache: Path,
) -> Gate:
    """`gobaseline run` on a fresh copy of the consumer, as a CI job with an empty module cache whose user set up
    the company proxy: `gate(netrc=TEXT or None for no .netrc at all, goproxy=URL instead of the proxy's)`."""

    def run(*, netrc: str | None, goproxy: str | None = None) -> Ran:
        module = Path(shutil.copytree(company.consumer, tmp_path / "app"))
        env = isolated_go_env(tmp_path, go_shared_cache)
        env.pop("GOSUMDB")  # the default, sum.golang.org: GOPRIVATE must keep the private module away from it
        netrc_file = None
        if netrc is not None:
            netrc_file = tmp_path / "netrc"
            netrc_file.write_text(netrc)
            netrc_file.chmod(0o600)
        env.update(proxy.go_env(netrc_file))
        if goproxy is not None:
            env["GOPROXY"] = goproxy
        for key in list(os.environ):
            if key.startswith(("GITHUB_", "GITLAB_", "CI_", "GOBASELINE_", "GO", "INPUT_")) or key in ("CI", "NETRC"):
                monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        code = main(["run", str(module), "--targets", "linux/amd64"])
        out, err = capfd.readouterr()
        return Ran(code, out + err, module, Path(env["GOMODCACHE"]))

    return run


def assert_no_password(ran: Ran, *passwords: str) -> None:
    for where, text in ran.everything_written():
        for password in passwords:
            assert password not in text, where


def test_run_downloads_a_private_module_with_the_users_netrc(gate: Gate, proxy: AuthProxy) -> None:
    ran = gate(netrc=proxy.netrc())

    assert ran.code in (ExitCode.PASS, ExitCode.WARNINGS), ran.log
    assert not [f for f in ran.findings if f["severity"] == "error"], ran.findings
    assert [a["target"] for a in ran.report["artifacts"]] == ["linux/amd64"]
    assert (ran.modcache / "corp.example.com" / "private@v1.0.0" / "private.go").is_file()
    assert proxy.requests and all(authorized for _, authorized in proxy.requests)
    assert {path.rsplit(".", 1)[-1] for path, _ in proxy.requests} == {"mod", "info", "zip"}
    assert_no_password(ran, PASSWORD)


@pytest.mark.parametrize("netrc", [None, "wrong"], ids=["no-netrc", "wrong-password"])
def test_without_valid_credentials_the_run_fails_once(netrc: str | None, gate: Gate, proxy: AuthProxy) -> None:
    wrong = "Wr0ng-Passw0rd-Typed"
    text = proxy.netrc(password=wrong) if netrc else None
    ran = gate(netrc=text)

    assert ran.code == ExitCode.ERRORS, ran.log
    errors = [f for f in ran.findings if f["severity"] == "error"]
    assert [f["rule_id"] for f in errors] == ["GB209"], errors
    message = str(errors[0]["message"])
    assert message.startswith("corp.example.com/private@v1.0.0 could not be downloaded: reading https://127.0.0.1:")
    assert "401 Unauthorized. The server wants credentials this job does not have" in message
    assert "a .netrc entry for the host (HOME or NETRC)" in message
    gomod = (ran.module / "go.mod").read_text().splitlines()
    line = next(i for i, text in enumerate(gomod, 1) if PRIVATE.path in text)
    assert errors[0]["location"] == {"path": "go.mod", "line": line}
    assert not list(ran.module.glob("gobaseline-out/linux_amd64/*"))  # nothing built
    assert_no_password(ran, PASSWORD, wrong)


def test_credentials_in_the_proxy_url_are_never_printed(gate: Gate, proxy: AuthProxy) -> None:
    """The other way users give a proxy its credentials, GOPROXY=https://user:password@host: refused here (a
    wrong password) so that the go command's error, which names the URL, reaches the report."""
    wrong = "Wr0ng-Passw0rd-In-Url"
    url = proxy.url.replace("https://", f"https://{authproxy.USER}:{wrong}@")
    ran = gate(netrc=None, goproxy=url)

    assert ran.code == ExitCode.ERRORS, ran.log
    assert [f["rule_id"] for f in ran.findings if f["severity"] == "error"] == ["GB209"]
    assert_no_password(ran, PASSWORD, wrong)
