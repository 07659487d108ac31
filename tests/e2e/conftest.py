"""End-to-end fixtures: the podman/act/gitlab-ci-local infrastructure, the image, a warm Go build cache.

Missing infrastructure (tests/e2e/infra/setup.sh not run, no podman, a base image absent) FAILS the tests in CI
(`CI=true`, as GitHub Actions and GitLab set it) and skips them elsewhere, with the command to run in the
reason. The base images are built (or found up to date, 0.3 s) by `base-images.sh` once per session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.infra.podman import e2e_env, e2e_home, missing_infra
from tests.support.examples import LEFT_BY_RUNS

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "tests" / "e2e" / "infra"
IMAGE = "localhost/gobaseline:e2e"
ACTION_FILES = (
    "action.yml",
    "Dockerfile",
    ".dockerignore",
    "entrypoint.py",
    "pyproject.toml",
    "README.md",
    "requirements/action.txt",
)


def in_ci() -> bool:
    """True on a CI runner, where a missing e2e tool is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if in_ci():
        pytest.fail(f"e2e infrastructure missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def infra() -> dict[str, str]:
    """The e2e environment (CONTAINERS_CONF, PATH with act and gitlab-ci-local), base images built."""
    if not (e2e_home() / "env.sh").is_file():
        unavailable(f"{e2e_home()}/env.sh missing: run bash tests/e2e/infra/setup.sh")
    proc = subprocess.run(
        ["bash", str(INFRA / "base-images.sh")], capture_output=True, text=True, check=False, timeout=900
    )
    if proc.returncode != 0:
        unavailable(f"base-images.sh failed ({proc.returncode}): {proc.stderr[-2000:]}")
    reason = missing_infra()
    if reason:
        unavailable(reason)
    return e2e_env()


@pytest.fixture(scope="session")
def gocache() -> Path:
    """A Go build cache kept between sessions, so builds of the example stay warm (a cold std build per
    target takes about a minute on two cores)."""
    path = e2e_home() / "gocache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def image(infra: dict[str, str]) -> str:
    """The image built from our Dockerfile with podman by the release workflow's build step
    (scripts/build-image.sh; layers cached between sessions)."""
    start = time.monotonic()
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-image.sh"), IMAGE, "--quiet"],
        env={**infra, "CONTAINER_ENGINE": "podman"},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, f"podman build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    print(f"podman build: {time.monotonic() - start:.1f} s")
    return IMAGE


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` with a fixed identity; returns stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "e2e",
        "GIT_AUTHOR_EMAIL": "e2e@example.com",
        "GIT_COMMITTER_NAME": "e2e",
        "GIT_COMMITTER_EMAIL": "e2e@example.com",
    }
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def make_repo(path: Path, *, origin: str, action: bool = False, extra: dict[str, str] | None = None) -> Path:
    """A git repository with a copy of examples/hello (and the action's files), one commit on main."""
    shutil.copytree(REPO / "examples" / "hello", path, ignore=LEFT_BY_RUNS)
    if action:
        for name in ACTION_FILES:
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, path / name)
        shutil.copytree(REPO / "src", path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for rel, text in (extra or {}).items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(path, "init", "-q")
    git(path, "remote", "add", "origin", origin)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "example")
    return path


@dataclass
class Ran:
    """A finished subprocess with its wall time."""

    returncode: int
    output: str
    seconds: float


def run(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 600) -> Ran:
    """Run a command, stdout and stderr merged, stdin closed."""
    start = time.monotonic()
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=timeout,
    )
    return Ran(proc.returncode, proc.stdout, time.monotonic() - start)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temp dir with a short path (unix sockets), under the e2e home (hard links into the Go cache work)."""
    base = e2e_home() / "work"
    base.mkdir(parents=True, exist_ok=True)
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="t", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
