"""The action's inputs: defaults, every input reaching `gobaseline run`'s options, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobaseline.action.inputs import error_line, parse_inputs
from gobaseline.commands import run
from tests.support.actions import action_inputs


def test_defaults_make_a_plain_run(workspace: Path) -> None:
    inputs, errors = parse_inputs(action_inputs(), workspace)
    assert errors == [] and inputs is not None
    env = {"HOME": "/h"}
    assert inputs.options(env) == run.Options(workspace, environ=env)
    published = inputs.environ()
    assert published["GOBASELINE_CHECK_RUN"] == "true" and published["GOBASELINE_SARIF_CATEGORY"] == ""
    assert published["GITHUB_TOKEN"] == ""


def test_every_input_reaches_the_run(workspace: Path) -> None:
    inputs, errors = parse_inputs(
        action_inputs(
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
    assert inputs.options({}) == run.Options(
        workspace / "svc",
        policy=workspace / "policy.yml",
        targets=("linux/amd64", "darwin/arm64", "windows/amd64"),
        packages=("./cmd/a", "./cmd/b"),
        report_dir=workspace / "out" / "reports",
        fail_on="warning",
        environ={},
    )
    env = inputs.environ()
    assert env["GOBASELINE_CHECK_RUN"] == "false" and env["GOBASELINE_SARIF_UPLOAD"] == "false"
    assert env["GOBASELINE_COMMIT_STATUS"] == "true" and env["GOBASELINE_SARIF_CATEGORY"] == "shard-1"
    assert env["GITHUB_TOKEN"] == "t0k"


def test_underscore_spelling_is_read_and_a_missing_token_keeps_github_token(workspace: Path) -> None:
    env = {"INPUT_WORKING_DIRECTORY": "svc", "INPUT_FAIL_ON": "never"}
    inputs, errors = parse_inputs(env, workspace)
    assert errors == [] and inputs is not None
    assert inputs.working_directory == workspace / "svc" and inputs.fail_on == "never"
    assert "GITHUB_TOKEN" not in inputs.environ()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("fail-on", "sometimes", ["fail-on", "sometimes", "error, warning, never"]),
        ("check-run", "maybe", ["check-run", "true or false"]),
        ("targets", "linux", ["targets", "GOOS/GOARCH"]),
        ("packages", "./a ./b", ["packages", "one package path per line"]),
        ("working-directory", "../elsewhere", ["outside the workspace"]),
        ("working-directory", "missing", ["not a directory"]),
        ("policy", "nope.yml", ["not a file"]),
        ("policy", "a\x00b", ["NUL"]),
        ("output-dir", "/etc", ["outside the workspace"]),
        ("sarif-category", "a\nb", ["one line"]),
    ],
)
def test_a_bad_input_is_one_escaped_error_line(workspace: Path, name: str, value: str, words: list[str]) -> None:
    inputs, errors = parse_inputs(action_inputs(**{name.replace("-", "_"): value}), workspace)
    assert inputs is None and [e.name for e in errors] == [name]
    line = error_line(errors[0])
    assert line.startswith(f"::error title=gobaseline%3A invalid input {name}::")
    for word in words:
        assert word in line
    assert "\n" not in line
