"""The house rules the layout promises (docs/architecture.md): each outside world is known in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gobaseline"


def importers(top: str) -> set[str]:
    """The source files that import the top-level package `top`, anywhere in them."""
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == top or n.startswith(top + ".") for n in names):
                found.add(path.relative_to(SRC).as_posix())
    return found


@pytest.mark.parametrize(("library", "home"), [("github", "forges/github/"), ("gitlab", "forges/gitlab/")])
def test_only_its_forge_package_imports_a_forge_library(library: str, home: str) -> None:
    assert importers(library)  # the check looks at something
    assert {p for p in importers(library) if not p.startswith(home)} == set()


def test_no_source_file_is_over_about_500_lines() -> None:
    lengths = {p.relative_to(SRC).as_posix(): len(p.read_text("utf-8").splitlines()) for p in SRC.rglob("*.py")}
    assert {p: n for p, n in lengths.items() if n > 520} == {}


def test_the_pipeline_fits_on_a_screen_and_the_entrypoint_only_calls_the_action() -> None:
    assert len((SRC / "pipeline.py").read_text("utf-8").splitlines()) <= 120
    entrypoint = (SRC.parents[1] / "entrypoint.py").read_text("utf-8")
    assert len(entrypoint.splitlines()) <= 10 and "gobaseline.action" in entrypoint
