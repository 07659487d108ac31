"""gobaseline.git: the one module that runs git."""

from __future__ import annotations

import os
from pathlib import Path

from gobaseline import git


def test_mark_safe_adds_each_directory_once(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    assert git.mark_safe([tmp_path / "a", tmp_path / "a", tmp_path / "b"], env) is None
    assert git.mark_safe([tmp_path / "a"], env) is None
    config = (tmp_path / ".gitconfig").read_text()
    assert config.count(f"directory = {tmp_path / 'a'}") == 1
    assert f"directory = {tmp_path / 'b'}" in config


def test_mark_safe_keeps_a_directory_with_spaces_whole(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    spaced = tmp_path / "my work"
    assert git.mark_safe([spaced], env) is None
    assert git.mark_safe([spaced], env) is None
    assert (tmp_path / ".gitconfig").read_text().count("my work") == 1


def test_mark_safe_without_git_does_nothing(tmp_path: Path) -> None:
    assert git.mark_safe([tmp_path], {"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path)}) is None
    assert not (tmp_path / ".gitconfig").exists()


def test_mark_safe_says_why_git_failed(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text("#!/bin/sh\necho 'fatal: nope' >&2\nexit 128\n")
    (fake / "git").chmod(0o755)
    assert git.mark_safe([tmp_path], {"PATH": str(fake), "HOME": str(tmp_path)}) == "fatal: nope"
