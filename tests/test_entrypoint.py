"""The container entrypoint (entrypoint.py): inputs, outputs, ownership, both modes, with a fake runner."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import entrypoint

sys.path.pop(0)


def _inputs(**values: str) -> dict[str, str]:
    env = {f"INPUT_{k.upper()}": v for k, v in entrypoint.INPUTS.items()}
    env.update({f"INPUT_{k.replace('_', '-').upper()}": v for k, v in values.items()})
    return env


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "svc").mkdir(parents=True)
    (ws / "policy.yml").write_text("{}\n")
    return ws


def test_defaults_make_a_plain_run(workspace: Path) -> None:
    inputs, errors = entrypoint.parse_inputs(_inputs(), workspace)
    assert errors == [] and inputs is not None
    assert inputs.argv() == ["run", str(workspace)]
    env = inputs.environ()
    assert env["GOBASELINE_CHECK_RUN"] == "true" and env["GOBASELINE_SARIF_CATEGORY"] == ""
    assert env["GITHUB_TOKEN"] == ""


def test_every_input_reaches_the_command_line(workspace: Path) -> None:
    inputs, errors = entrypoint.parse_inputs(
        _inputs(
            working_directory="svc",
            policy="policy.yml",
            targets="linux/amd64, darwin/arm64\nwindows/amd64",
            packages="./cmd/a\n./cmd/b",
            output_dir="out/reports",
            fail_on="Warning",
            github_token="t0k",
            check_run="false",
            sarif_upload="FALSE",
            sarif_category="shard-1",
        ),
        workspace,
    )
    assert errors == [] and inputs is not None
    assert inputs.argv() == [
        "run", str(workspace / "svc"), "--policy", str(workspace / "policy.yml"),
        "--targets", "linux/amd64,darwin/arm64,windows/amd64", "--package", "./cmd/a", "--package", "./cmd/b",
        "--output-dir", str(workspace / "out" / "reports"), "--fail-on", "warning",
    ]  # fmt: skip
    env = inputs.environ()
    assert env["GOBASELINE_CHECK_RUN"] == "false" and env["GOBASELINE_SARIF_UPLOAD"] == "false"
    assert env["GOBASELINE_COMMIT_STATUS"] == "true" and env["GOBASELINE_SARIF_CATEGORY"] == "shard-1"
    assert env["GITHUB_TOKEN"] == "t0k"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("fail-on", "sometimes", ["fail-on", "sometimes", "error, warning, never"]),
        ("check-run", "maybe", ["check-run", "true or false"]),
        ("targets", "linux", ["targets", "GOOS/GOARCH"]),
        ("working-directory", "../elsewhere", ["outside the workspace"]),
        ("working-directory", "missing", ["not a directory"]),
        ("policy", "nope.yml", ["not a file"]),
        ("output-dir", "/etc", ["outside the workspace"]),
        ("sarif-category", "a\nb", ["one line"]),
    ],
)
def test_bad_input_is_one_error_line_and_exit_3(
    workspace: Path, name: str, value: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    env = _inputs(**{name.replace("-", "_"): value}) | {"GITHUB_WORKSPACE": str(workspace)}
    calls: list[Sequence[str]] = []

    def runner(argv: Sequence[str], e: Mapping[str, str]) -> int:
        calls.append(argv)
        return 0

    assert entrypoint.action(env, runner=runner) == 3
    assert calls == []
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"::error title=gobaseline%3A invalid input {name}::")
    for word in words:
        assert word in lines[0]
    assert "\n" not in lines[0]


def test_several_bad_inputs_are_all_reported(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = _inputs(fail_on="x", summary="y") | {"GITHUB_WORKSPACE": str(workspace)}
    assert entrypoint.action(env, runner=lambda argv, e: 0) == 3
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_action_outputs_are_relative_and_not_doubled(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "github_output"
    out.write_text("earlier=1\n")
    reports = workspace / "gobaseline-out" / "reports"

    def runner(argv: Sequence[str], env: Mapping[str, str]) -> int:
        assert env["GITHUB_OUTPUT"] != str(out)  # the run writes to our file; we write the real one once
        reports.mkdir(parents=True)
        (reports.parent / "manifest.json").write_text("{}")
        (reports / "report.json").write_text('{"verdict": "warn", "counts": {"error": 0, "warning": 2}}')
        Path(env["GITHUB_OUTPUT"]).write_text(
            f"verdict<<EOF\nwarn\nEOF\nerrors<<EOF\n0\nEOF\nwarnings<<EOF\n2\nEOF\nreport<<EOF\n{reports}/report.json\nEOF\n"
        )
        return 2  # warnings only, no fail-on anywhere: the action passes

    env = _inputs() | {"GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(out), "PATH": os.environ["PATH"]}
    assert entrypoint.action(env, runner=runner) == 0
    values = entrypoint.parse_outputs(out.read_text())
    assert values == {
        "earlier": "1",
        "verdict": "warn",
        "errors": "0",
        "warnings": "2",
        "report": "gobaseline-out/reports/report.json",
        "sarif": "",
        "manifest": "gobaseline-out/manifest.json",
    }
    assert out.read_text().count("verdict<<") == 1


def test_fail_on_keeps_the_exit_code(workspace: Path) -> None:
    env = _inputs(fail_on="warning") | {"GITHUB_WORKSPACE": str(workspace)}
    assert entrypoint.action(env, runner=lambda argv, e: 1) == 1
    env = _inputs() | {"GITHUB_WORKSPACE": str(workspace)}
    assert entrypoint.action(env, runner=lambda argv, e: 3) == 3


def test_outputs_when_the_run_could_not_finish(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "github_output"
    env = _inputs() | {"GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(out)}
    assert entrypoint.action(env, runner=lambda argv, e: 3) == 3
    assert entrypoint.parse_outputs(out.read_text())["verdict"] == "error"


def test_command_mode_passes_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seen: list[tuple[Sequence[str], Mapping[str, str]]] = []
    env = {"PATH": os.environ["PATH"]}  # `docker run -u UID`: no passwd entry, no HOME

    def runner(argv: Sequence[str], e: Mapping[str, str]) -> int:
        seen.append((argv, e))
        return 2

    code = entrypoint.command(["check", "."], env, runner=runner)
    assert code == 2
    argv, used = seen[0]
    assert argv == ["check", "."]
    assert Path(used["HOME"]).is_dir() and os.access(used["HOME"], os.W_OK)


def test_fix_environment_moves_unwritable_caches(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        env = {"HOME": str(tmp_path), "GOCACHE": str(ro / "cache"), "GOMODCACHE": str(tmp_path / "mod")}
        moved = entrypoint.fix_environment(env, tmp=tmp_path / "t")
        if os.geteuid() == 0:  # root writes anywhere
            assert moved == []
        else:
            assert [m.split("=")[0] for m in moved] == ["GOCACHE"]
        assert env["GOMODCACHE"] == str(tmp_path / "mod")
    finally:
        ro.chmod(0o700)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root, as in the action's container")
def test_hand_back_gives_new_files_to_the_workspace_owner(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    old = ws / "old.txt"
    old.write_text("x")
    (ws / ".git" / "index").write_text("")
    os.chown(ws, 1001, 1002)
    import time

    time.sleep(1.1)
    since = time.time() - 0.5  # file times come from a coarser clock than time.time()
    (ws / "out" / "reports").mkdir(parents=True)
    (ws / "out" / "reports" / "report.json").write_text("{}")
    (ws / ".git" / "index").write_text("x")
    assert entrypoint.hand_back(ws, since) == 3
    assert old.stat().st_uid == 0
    assert (ws / "out" / "reports" / "report.json").stat().st_uid == 1001
    assert (ws / "out").stat().st_gid == 1002
    assert (ws / ".git" / "index").stat().st_uid == 0


def test_parse_outputs_reads_both_forms() -> None:
    text = "a=1\nb<<X\nline1\nline2\nX\nc=x=y\n"
    assert entrypoint.parse_outputs(text) == {"a": "1", "b": "line1\nline2", "c": "x=y"}


def test_safe_directory_is_added_once(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    entrypoint.mark_safe_directories([tmp_path / "a", tmp_path / "a", tmp_path / "b"], env)
    entrypoint.mark_safe_directories([tmp_path / "a"], env)
    config = (tmp_path / ".gitconfig").read_text()
    assert config.count(f"directory = {tmp_path / 'a'}") == 1
    assert f"directory = {tmp_path / 'b'}" in config


def test_main_picks_the_mode(monkeypatch: pytest.MonkeyPatch, workspace: Path) -> None:
    called: list[str] = []

    def command(argv: Sequence[str], env: Mapping[str, str]) -> int:
        called.append("command")
        return 0

    def action(env: Mapping[str, str]) -> int:
        called.append("action")
        return 0

    monkeypatch.setattr(entrypoint, "command", command)
    monkeypatch.setattr(entrypoint, "action", action)
    entrypoint.main(["check"], {})
    entrypoint.main([], {})
    assert called == ["command", "action"]
