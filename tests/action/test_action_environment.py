"""The container's environment: writable homes and caches, git safe directories, files handed back."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gobaseline.action.environment import fix_environment, hand_back, mark_safe, workspace_of


def test_fix_environment_moves_unwritable_caches(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        env = {"HOME": str(tmp_path), "GOCACHE": str(ro / "cache"), "GOMODCACHE": str(tmp_path / "mod")}
        moved = fix_environment(env, tmp=tmp_path / "t")
        if os.geteuid() == 0:  # root writes anywhere
            assert moved == []
        else:
            assert [m.split("=")[0] for m in moved] == ["GOCACHE"]
        assert env["GOMODCACHE"] == str(tmp_path / "mod")
    finally:
        ro.chmod(0o700)


def test_fix_environment_gives_a_home_when_there_is_none(tmp_path: Path) -> None:
    env: dict[str, str] = {}  # `docker run -u UID`: no passwd entry, no HOME
    assert [m.split("=")[0] for m in fix_environment(env, tmp=tmp_path)] == ["HOME"]
    assert Path(env["HOME"]).is_dir() and os.access(env["HOME"], os.W_OK)


def test_workspace_is_github_workspace_else_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert workspace_of({"GITHUB_WORKSPACE": str(tmp_path)}) == tmp_path.resolve()
    monkeypatch.chdir(tmp_path)
    if not Path("/github/workspace").is_dir():
        assert workspace_of({"GITHUB_WORKSPACE": str(tmp_path / "missing")}) == tmp_path.resolve()


def test_a_failing_git_is_one_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text("#!/bin/sh\necho 'fatal: no config for you' >&2\nexit 128\n")
    (fake / "git").chmod(0o755)
    mark_safe([tmp_path], {"PATH": str(fake), "HOME": str(tmp_path)})
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notice: could not mark" in err and "no config for you" in err


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root, as in the action's container")
def test_hand_back_gives_new_files_to_the_workspace_owner(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    old = ws / "old.txt"
    old.write_text("x")
    (ws / ".git" / "index").write_text("")
    os.chown(ws, 1001, 1002)
    time.sleep(1.1)
    since = time.time() - 0.5  # file times come from a coarser clock than time.time()
    (ws / "out" / "reports").mkdir(parents=True)
    (ws / "out" / "reports" / "report.json").write_text("{}")
    (ws / ".git" / "index").write_text("x")
    assert hand_back(ws, since) == 3
    assert old.stat().st_uid == 0
    assert (ws / "out" / "reports" / "report.json").stat().st_uid == 1001
    assert (ws / "out").stat().st_gid == 1002
    assert (ws / ".git" / "index").stat().st_uid == 0


@pytest.mark.parametrize("uid", [1000, None], ids=["not-root", "windows"])
def test_hand_back_does_nothing_unless_root(tmp_path: Path, uid: int | None) -> None:
    (tmp_path / "f").write_text("x")
    assert hand_back(tmp_path, 0, uid=uid) == 0


def test_on_windows_home_stays_and_unwritable_caches_move_without_a_uid(tmp_path: Path) -> None:
    # The host action on a Windows runner: no uid (os.geteuid does not exist), the profile is USERPROFILE's.
    env = {"GOCACHE": str(tmp_path / "file" / "cache")}
    (tmp_path / "file").write_text("not a directory")
    moved = fix_environment(env, tmp=tmp_path / "t", uid=None)
    assert "HOME" not in env
    assert moved == [f"GOCACHE={tmp_path / 't' / 'gobaseline' / 'go-build'}"]
