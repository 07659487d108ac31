"""Helpers for e2e tests: the state written by setup.sh and a Docker-compatible podman socket.

    from tests.e2e.infra.podman import e2e_env, podman_service, missing_infra

    reason = missing_infra()          # None when setup.sh + base-images.sh have run
    env = e2e_env()                    # os.environ + CONTAINERS_CONF, ..., PATH with act/gitlab-ci-local
    with podman_service(tmp_path) as docker_host:   # "unix:///.../podman.sock"
        subprocess.run(["act", ...], env={**env, "DOCKER_HOST": docker_host})

Standard library only. Everything lives under $GOBASELINE_E2E_HOME
(default /var/tmp/gobaseline-e2e), see README.md beside this file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parent
PYTHON_IMAGE = "docker.io/library/python:3.12-slim-bookworm"
GOLANG_IMAGE = "docker.io/library/golang:1.27.3-bookworm"
RUNNER_IMAGE = "localhost/gobaseline-e2e/act-runner:bookworm"
ALL_IMAGES = (PYTHON_IMAGE, GOLANG_IMAGE, RUNNER_IMAGE)


def e2e_home() -> Path:
    return Path(os.environ.get("GOBASELINE_E2E_HOME", "/var/tmp/gobaseline-e2e"))


def e2e_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment that env.sh would give: podman config files and tool PATH."""
    home = e2e_home()
    env = dict(os.environ if base is None else base)
    env["GOBASELINE_E2E_HOME"] = str(home)
    env["CONTAINERS_CONF"] = str(home / "containers" / "containers.conf")
    env["CONTAINERS_STORAGE_CONF"] = str(home / "containers" / "storage.conf")
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def tool(name: str) -> str:
    """Absolute path of act / gitlab-ci-local / podman (raises if missing)."""
    found = shutil.which(name, path=e2e_env()["PATH"])
    if not found:
        raise FileNotFoundError(f"{name} not found; run tests/e2e/infra/setup.sh")
    return found


def image_exists(ref: str, env: dict[str, str] | None = None) -> bool:
    proc = subprocess.run(["podman", "image", "exists", ref], env=env or e2e_env(), capture_output=True, check=False)
    return proc.returncode == 0


def missing_infra(images: tuple[str, ...] = ALL_IMAGES) -> str | None:
    """A pytest skip reason when the e2e infrastructure is absent, else None."""
    home = e2e_home()
    if not (home / "env.sh").is_file():
        return f"{home}/env.sh missing: run tests/e2e/infra/setup.sh"
    for name in ("podman", "act", "gitlab-ci-local"):
        if not shutil.which(name, path=e2e_env()["PATH"]):
            return f"{name} missing: run tests/e2e/infra/setup.sh"
    env = e2e_env()
    for ref in images:
        if not image_exists(ref, env):
            return f"image {ref} missing: run tests/e2e/infra/base-images.sh"
    return None


def _ping(sock_path: str, timeout: float = 1.0) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(sock_path)
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
            data = s.recv(4096)
        return data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n", 1)[0] + b" "
    except OSError:
        return False


@contextlib.contextmanager
def podman_service(
    workdir: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    start_timeout: float = 30.0,
) -> Iterator[str]:
    """Run `podman system service` on a private unix socket; yield DOCKER_HOST.

    The socket lives in WORKDIR (a fresh temp dir by default; unix socket paths
    must stay under 108 bytes, so keep WORKDIR short). The service log is
    WORKDIR/podman-service.log. The service is stopped (SIGTERM, then SIGKILL)
    on exit.
    """
    own_dir = workdir is None
    wd = Path(tempfile.mkdtemp(prefix="gbl-podman-") if workdir is None else workdir)
    wd.mkdir(parents=True, exist_ok=True)
    sock = wd / "podman.sock"
    if len(str(sock)) > 100:
        raise ValueError(f"socket path too long for AF_UNIX: {sock}")
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    log = (wd / "podman-service.log").open("wb")
    proc = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{sock}"],
        env=env or e2e_env(),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + start_timeout
        while not _ping(str(sock)):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"podman system service exited {proc.returncode}: "
                    + (wd / "podman-service.log").read_text(errors="replace")[-2000:]
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"podman socket {sock} not ready after {start_timeout}s")
            time.sleep(0.1)
        yield f"unix://{sock}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()
        with contextlib.suppress(FileNotFoundError):
            sock.unlink()
        if own_dir:
            shutil.rmtree(wd, ignore_errors=True)
