"""The action's step outputs: from the run's Outcome, paths relative to the workspace."""

from __future__ import annotations

from pathlib import Path

from gobaseline.action.outputs import OUTPUTS, relative_to_workspace, step_outputs
from gobaseline.commands.run import Outcome
from gobaseline.forges.publishing import Posted
from gobaseline.model import ExitCode, Finding, Report, Severity
from tests.support.actions import parse_outputs


def test_paths_inside_either_workspace_become_relative(tmp_path: Path) -> None:
    container = Path("/github/workspace")
    assert relative_to_workspace(str(tmp_path / "r" / "report.json"), tmp_path) == "r/report.json"
    assert relative_to_workspace("/github/workspace/r/x.sarif", tmp_path, container) == "r/x.sarif"
    assert relative_to_workspace(str(tmp_path), tmp_path) == "."
    assert relative_to_workspace("/elsewhere/report.json", tmp_path, container) == "/elsewhere/report.json"
    assert relative_to_workspace("", tmp_path) == ""


def test_outputs_come_from_the_outcome(tmp_path: Path) -> None:
    findings = (
        Finding("GB111", Severity.WARNING, "one disk"),
        Finding("GB403", Severity.ERROR, "bad go.mod"),
        Finding("GB106", Severity.NOTE, "a newer patch"),
    )
    files = {"json": tmp_path / "out" / "report.json", "sarif": tmp_path / "out" / "gobaseline.sarif"}
    posted = (Posted("check-run", "5"), Posted("sarif", "sarif-42", "", "complete"))
    outcome = Outcome(ExitCode.ERRORS, Report("0", str(tmp_path), findings), files, posted)
    assert step_outputs(outcome, tmp_path) == {
        "verdict": "fail",
        "errors": "1",
        "warnings": "1",
        "report": "out/report.json",
        "sarif": "out/gobaseline.sarif",
        "sarif-id": "sarif-42",  # the upload's id, for a later step that waits for its analysis
        "manifest": "",  # no build, no manifest
    }


def test_without_an_outcome_the_verdict_is_error(tmp_path: Path) -> None:
    values = step_outputs(None, tmp_path)
    assert list(values) == list(OUTPUTS)
    assert values["verdict"] == "error" and all(v == "" for k, v in values.items() if k != "verdict")


def test_the_test_reader_of_github_output_reads_both_forms() -> None:
    text = "a=1\nb<<X\nline1\nline2\nX\nc=x=y\n"
    assert parse_outputs(text) == {"a": "1", "b": "line1\nline2", "c": "x=y"}
