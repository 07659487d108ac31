"""`gobaseline run` without Go: the pipeline replaced by a canned result, so a test reaches publishing, the
report files and everything printed in well under a second."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gobaseline.model import Report

REPO = Path(__file__).resolve().parents[2]


def canned_module(tmp_path: Path) -> Path:
    """A copy of examples/hello to run in."""
    dst = tmp_path / "hello"
    shutil.copytree(REPO / "examples" / "hello", dst)
    return dst


def canned_pipeline(monkeypatch: pytest.MonkeyPatch, module: Path, report: Report) -> None:
    """Make `pipeline.run` return `report` for `module` (policy defaults, no go command, nothing built)."""
    from gobaseline import pipeline
    from gobaseline.policy import Policy
    from gobaseline.stages.context import make_context

    ctx = make_context(module, policy=Policy(), go=None, targets=None, output=None)

    def run(options: pipeline.RunOptions) -> pipeline.RunResult:
        return pipeline.RunResult(report, ctx, {})

    monkeypatch.setattr(pipeline, "run", run)


def report_files(module: Path) -> dict[str, bytes]:
    """Every report file `gobaseline run` wrote for `module`, by name."""
    reports = module / "gobaseline-out" / "reports"
    return {p.name: p.read_bytes() for p in sorted(reports.iterdir())} if reports.is_dir() else {}
