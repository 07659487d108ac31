"""The README says what runs: its first commands, its snippets and .ci/run are checked here."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)


def test_readme_opens_with_exactly_two_commands() -> None:
    first = README.split("\n## ", 1)[0]
    lang, body = _blocks(first)[0]
    commands = [line for line in body.splitlines() if line.strip()]
    assert lang == "sh"
    assert len(commands) == 2
    assert "gobaseline run examples/hello" in commands[0]
    assert commands[1] == "bash scripts/test.sh"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec bash scripts/test.sh" in ci


def test_test_script_fails_when_pytest_collects_nothing() -> None:
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert '"$status" -eq 5' in script and "exit 1" in script


def test_use_it_snippets_are_the_files_the_end_to_end_tests_run() -> None:
    for marker, path in (
        ("examples/github/minimal.yml", REPO / "examples/github/minimal.yml"),
        ("examples/gitlab/minimal.yml", REPO / "examples/gitlab/minimal.yml"),
    ):
        after = README.split(f"<!-- {marker}", 1)[1]
        _, body = _blocks(after)[0]
        assert body == path.read_text(encoding="utf-8"), f"README snippet differs from {marker}"
