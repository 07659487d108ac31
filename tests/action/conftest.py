"""Fixtures of the action's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checked-out workspace with a module directory `svc` and a policy file."""
    ws = tmp_path / "ws"
    (ws / "svc").mkdir(parents=True)
    (ws / "policy.yml").write_text("{}\n")
    return ws
