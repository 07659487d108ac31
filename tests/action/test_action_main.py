"""The action and the command mode, in process: the run is `gobaseline.commands.run.execute` (a stand-in here,
the real one on the bundled broken example at the end)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path

import pytest

import gobaseline.action
from gobaseline.action import action, command, main
from gobaseline.commands.run import Options, Outcome
from gobaseline.errors import GobaselineError
from gobaseline.model import ExitCode, Finding, Report, Severity
from tests.support.actions import action_inputs, parse_outputs
from tests.support.github_api import FakeGitHub, github_api, github_env

__all__ = ["github_api"]

REPO = Path(__file__).resolve().parents[2]


def _never(options: Options) -> Outcome:
    raise AssertionError("the run must not start")


def _returning(code: ExitCode, *findings: Finding) -> Callable[[Options], Outcome]:
    def execute(options: Options) -> Outcome:
        return Outcome(code, Report("0", str(options.path), findings), {})

    return execute


def test_bad_input_is_one_error_line_exit_3_and_verdict_error(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "github_output"
    env = action_inputs(fail_on="sometimes") | {"GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(out)}
    assert action(env, execute=_never) == 3
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error title=gobaseline%3A invalid input fail-on::")
    assert parse_outputs(out.read_text())["verdict"] == "error"


@pytest.mark.parametrize("code", [ExitCode.WARNINGS, ExitCode.INTERNAL, ExitCode.INTERRUPTED])
def test_no_exit_code_is_turned_into_success(workspace: Path, code: ExitCode) -> None:
    env = action_inputs() | {"GITHUB_WORKSPACE": str(workspace)}
    assert action(env, execute=_returning(code, Finding("GB111", Severity.WARNING, "a"))) == code


def test_several_bad_inputs_are_all_reported(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = action_inputs(fail_on="x", summary="y") | {"GITHUB_WORKSPACE": str(workspace)}
    assert action(env, execute=_never) == 3
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_action_outputs_are_relative_and_not_doubled(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "github_output"
    out.write_text("earlier=1\n")
    reports = workspace / "gobaseline-out" / "reports"
    seen: list[Options] = []

    def execute(options: Options) -> Outcome:
        seen.append(options)
        warnings = (Finding("GB111", Severity.WARNING, "a"), Finding("GB112", Severity.WARNING, "b"))
        files = {"json": reports / "report.json", "manifest": reports.parent / "manifest.json"}
        return Outcome(ExitCode.PASS, Report("0", str(workspace), warnings), files)

    env = action_inputs(github_token="t0k", check_run="false") | {
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(out),
        "PATH": os.environ["PATH"],
    }
    assert action(env, execute=execute) == 0
    [options] = seen
    # No fail-on input: the policy's, else error (warnings pass, the exit code is 0 or 1, never 2).
    assert options.path == workspace and options.fail_on == "policy"
    assert "GITHUB_OUTPUT" not in options.environ  # the run's publisher writes no outputs of its own
    assert options.environ["GITHUB_TOKEN"] == "t0k" and options.environ["GOBASELINE_CHECK_RUN"] == "false"
    values = parse_outputs(out.read_text())
    assert values == {
        "earlier": "1",
        "verdict": "warn",
        "errors": "0",
        "warnings": "2",
        "report": "gobaseline-out/reports/report.json",
        "sarif": "",
        "sarif-id": "",
        "manifest": "gobaseline-out/manifest.json",
    }
    assert out.read_text().count("verdict<<") == 1


def test_fail_on_keeps_the_exit_code(workspace: Path) -> None:
    env = action_inputs(fail_on="warning") | {"GITHUB_WORKSPACE": str(workspace)}
    assert action(env, execute=_returning(ExitCode.ERRORS, Finding("GB111", Severity.WARNING, "a"))) == 1


@pytest.mark.parametrize(
    ("error", "line"),
    [(GobaselineError("no go.mod", path="svc"), "gobaseline: error: "), (RuntimeError("a bug"), "internal error")],
)
def test_outputs_when_the_run_could_not_finish(
    workspace: Path, tmp_path: Path, error: Exception, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "github_output"

    def execute(options: Options) -> Outcome:
        raise error

    env = action_inputs() | {"GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(out)}
    assert action(env, execute=execute) == 3  # never 2, which would pass as "warnings only"
    assert parse_outputs(out.read_text())["verdict"] == "error"
    assert line in capsys.readouterr().err


def test_command_mode_passes_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seen: list[Sequence[str]] = []

    def cli(argv: Sequence[str]) -> int:
        seen.append(argv)
        return 2

    env = {"PATH": os.environ["PATH"]}  # `docker run -u UID`: no passwd entry, no HOME
    assert command(["check", "."], env, cli=cli) == 2
    assert seen == [["check", "."]]
    assert Path(env["HOME"]).is_dir() and os.access(env["HOME"], os.W_OK)
    assert str(tmp_path.resolve()) in (Path(env["HOME"]) / ".gitconfig").read_text()


def test_command_mode_usage_error_exits_3_and_version_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    assert command(["chek"], env) == 3
    assert "invalid choice" in capsys.readouterr().err
    assert command(["--version"], env) == 0
    assert capsys.readouterr().out.startswith("gobaseline ")


def test_main_picks_the_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []

    def fake_command(argv: Sequence[str], env: object) -> int:
        called.append("command")
        return 0

    def fake_action(env: object) -> int:
        called.append("action")
        return 0

    monkeypatch.setattr(gobaseline.action, "command", fake_command)
    monkeypatch.setattr(gobaseline.action, "action", fake_action)
    main(["check"], {})
    main([], {})
    assert called == ["command", "action"]


@pytest.mark.parametrize(
    ("inputs", "on_check_run", "in_log"),
    [
        ({}, True, False),  # auto: the check run was posted, so only there
        ({"check_run": "false"}, None, True),  # auto without a check run: workflow commands
        ({"annotations": "workflow-commands"}, False, True),
        ({"annotations": "none"}, False, False),
    ],
)
def test_the_action_runs_the_pipeline_in_process_and_annotates_once(
    tmp_path: Path,
    go_env: dict[str, str],
    github_api: FakeGitHub,
    capfd: pytest.CaptureFixture[str],
    inputs: dict[str, str],
    on_check_run: bool | None,
    in_log: bool,
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(REPO / "examples" / "broken", ws)
    git = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}  # fmt: skip
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=ws, check=True, env=git)
    env: MutableMapping[str, str] = {
        **go_env,
        **github_env(github_api, tmp_path),
        **action_inputs(github_token=github_api.token, output_dir="reports", **inputs),
        "GITHUB_WORKSPACE": str(ws),
    }

    code = action(env)

    out, err = capfd.readouterr()
    assert code == ExitCode.ERRORS, err  # the broken example's go.mod policy errors; no build
    values = parse_outputs((tmp_path / "github_output").read_text())
    assert values["verdict"] == "fail" and int(values["errors"]) > 0
    assert values["report"] == "reports/report.json" and values["sarif"] == "reports/gobaseline.sarif"
    assert values["manifest"] == ""
    assert (tmp_path / "github_output").read_text().count("verdict<<") == 1
    assert values["sarif-id"] and values["sarif-id"] in github_api.sarifs
    findings = json.loads((ws / "reports" / "report.json").read_text())["findings"]
    runs = list(github_api.check_runs.values())
    if on_check_run is None:
        assert runs == []
    else:
        [run] = runs
        assert run["name"] == "gobaseline" and run["conclusion"] == "failure"
        assert len(github_api.annotations[run["id"]]) == (len(findings) if on_check_run else 0)
    assert [s["context"] for s in github_api.statuses] == ["gobaseline/verdict"]
    assert ("::error " in out) is in_log  # never on both
    assert github_api.token not in out + err.replace(f"::add-mask::{github_api.token}", "")


def test_merge_posts_the_merged_verdict(tmp_path: Path, github_api: FakeGitHub) -> None:
    from gobaseline.formats.json_report import dumps

    ws = tmp_path / "ws"
    shards = {
        "linux": Report("0", str(ws), (Finding("GB403", Severity.ERROR, "bad go.mod"),), targets=("linux/amd64",)),
        "darwin": Report("0", str(ws), (Finding("GB111", Severity.WARNING, "one disk"),), targets=("darwin/arm64",)),
    }
    for name, report in shards.items():
        (ws / "shards" / name).mkdir(parents=True)
        (ws / "shards" / name / "report.json").write_text(dumps(report))
    env: MutableMapping[str, str] = {
        **github_env(github_api, tmp_path),
        **action_inputs(
            command="merge", reports="shards/*/report.json", sarif_upload="false", github_token=github_api.token
        ),
        "GITHUB_WORKSPACE": str(ws),
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
    }

    assert action(env) == ExitCode.ERRORS
    values = parse_outputs((tmp_path / "github_output").read_text())
    assert (values["verdict"], values["errors"], values["warnings"]) == ("fail", "1", "1")
    assert values["report"] == "gobaseline-out/merged/report.json"
    [run] = github_api.check_runs.values()
    assert run["name"] == "gobaseline" and run["conclusion"] == "failure"  # the whole matrix, not a shard
    assert [(s["context"], s["state"]) for s in github_api.statuses] == [("gobaseline/verdict", "failure")]


@pytest.mark.parametrize(
    ("fail_on", "code", "conclusion", "state"),
    [
        ("warning", ExitCode.ERRORS, "failure", "failure"),
        ("error", ExitCode.PASS, "neutral", "success"),
        ("never", ExitCode.PASS, "neutral", "success"),
        ("", ExitCode.PASS, "neutral", "success"),  # no input: errors fail
    ],
)
def test_merge_posts_what_its_fail_on_says_and_exits_the_same_way(
    tmp_path: Path, github_api: FakeGitHub, fail_on: str, code: ExitCode, conclusion: str, state: str
) -> None:
    # Shards with warnings only: the job's exit code and the merged check run must never disagree.
    from gobaseline.formats.json_report import dumps

    ws = tmp_path / "ws"
    for name, target in (("linux", "linux/amd64"), ("darwin", "darwin/arm64")):
        report = Report("0", str(ws), (Finding("GB111", Severity.WARNING, f"one disk {name}"),), targets=(target,))
        (ws / "shards" / name).mkdir(parents=True)
        (ws / "shards" / name / "report.json").write_text(dumps(report))
    env: MutableMapping[str, str] = {
        **github_env(github_api, tmp_path),
        **action_inputs(
            command="merge",
            reports="shards/*/report.json",
            sarif_upload="false",
            github_token=github_api.token,
            fail_on=fail_on,
        ),
        "GITHUB_WORKSPACE": str(ws),
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
    }

    assert action(env) == code
    [run] = github_api.check_runs.values()
    assert run["conclusion"] == conclusion
    assert [s["state"] for s in github_api.statuses] == [state]
