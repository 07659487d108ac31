"""The lines a change touched, from git: what `new_only` keeps at its severity."""

from __future__ import annotations

from pathlib import Path

from gobaseline import git as gitmod
from tests.support.gitrepo import git


def test_changed_lines_reads_hunks_renames_and_odd_names(tmp_path: Path) -> None:
    root = tmp_path
    git(root, "init", "-q", "-b", "main")
    (root / "f").write_text("a\nb\nc\n", encoding="utf-8")
    (root / "old").write_text("x\n", encoding="utf-8")
    (root / "gone").write_text("y\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "change")
    # An added line that looks like a file header must stay a line of the hunk.
    (root / "f").write_text("z\na\n++ b/evil\nc\nd\n", encoding="utf-8")
    git(root, "mv", "old", 'n"ew')
    git(root, "rm", "-q", "gone")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    (root / "f").write_text("z\na\n++ b/evil\nc\nd\ne\n", encoding="utf-8")  # uncommitted work counts too

    assert gitmod.changed_lines(root, base) == {"f": frozenset({1, 3, 5, 6}), 'n"ew': frozenset()}
    assert gitmod.changed_lines(root, "0" * 40) is None
    assert gitmod.changed_lines(root, "not-a-sha") is None
