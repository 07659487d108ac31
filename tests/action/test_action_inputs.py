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
    # The action's fail_on defaults to error, so its exit code is never 2 ("warnings only").
    assert inputs.options(env) == run.Options(workspace, fail_on="policy", environ=env)
    published = inputs.environ()
    assert published["GOBASELINE_CHECK_RUN"] == "true" and published["GOBASELINE_SARIF_CATEGORY"] == ""
    assert published["GITHUB_TOKEN"] == ""
    assert published["GOBASELINE_CHECK_NAME"] == "gobaseline"
    assert published["GOBASELINE_STATUS_CONTEXT"] == "gobaseline/verdict"  # not the check run's name
    assert published["GOBASELINE_ANNOTATIONS"] == "auto"


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
            command="Build",
            check_name="gate",
            annotations="workflow-commands",
            cache="false",
            go_version="1.27.x",
            baseline="accepted.json",
            new_only="true",
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
        probe=False,  # build: no probe
        baseline=workspace / "accepted.json",  # need not exist: a pull request reads the target's copy
        new_only=True,
        environ={},
    )
    env = inputs.environ()
    assert env["GOBASELINE_CHECK_RUN"] == "false" and env["GOBASELINE_SARIF_UPLOAD"] == "false"
    assert env["GOBASELINE_COMMIT_STATUS"] == "true" and env["GOBASELINE_SARIF_CATEGORY"] == "shard-1"
    assert env["GITHUB_TOKEN"] == "t0k"
    assert (env["GOBASELINE_CHECK_NAME"], env["GOBASELINE_STATUS_CONTEXT"]) == ("gate", "gate/verdict")
    assert env["GOBASELINE_ANNOTATIONS"] == "workflow-commands"


@pytest.mark.parametrize(
    ("command", "build", "probe"), [("check", False, False), ("build", True, False), ("run", True, True)]
)
def test_the_command_says_how_far_the_run_goes(workspace: Path, command: str, build: bool, probe: bool) -> None:
    inputs, errors = parse_inputs(action_inputs(command=command), workspace)
    assert errors == [] and inputs is not None
    options = inputs.options({})
    assert (options.build, options.build and options.probe) == (build, probe)


def test_each_shard_gets_its_own_check_run_status_and_sarif_category(workspace: Path) -> None:
    names = set()
    for targets in ("linux/amd64", "darwin/arm64,windows/amd64"):
        inputs, errors = parse_inputs(action_inputs(targets=targets), workspace)
        assert errors == [] and inputs is not None
        env = inputs.environ()
        names.add((env["GOBASELINE_CHECK_NAME"], env["GOBASELINE_STATUS_CONTEXT"], env["GOBASELINE_SARIF_CATEGORY"]))
    assert names == {
        ("gobaseline (linux/amd64)", "gobaseline/verdict (linux/amd64)", "gobaseline/linux/amd64"),
        (
            "gobaseline (darwin/arm64, windows/amd64)",
            "gobaseline/verdict (darwin/arm64, windows/amd64)",
            "gobaseline/darwin/arm64,windows/amd64",
        ),
    }
    # check-name and sarif-category win over the shard's defaults
    inputs, _ = parse_inputs(action_inputs(targets="linux/amd64", check_name="x", sarif_category="y"), workspace)
    assert inputs is not None and inputs.names() == ("x", "x/verdict", "y")


def test_merge_takes_the_shards_reports(workspace: Path) -> None:
    for n in (1, 2):
        (workspace / "shards" / f"s{n}").mkdir(parents=True)
        (workspace / "shards" / f"s{n}" / "report.json").write_text("{}")
    inputs, errors = parse_inputs(action_inputs(command="merge", reports="shards/*/report.json"), workspace)
    assert errors == [] and inputs is not None
    assert inputs.reports == tuple(workspace / "shards" / f"s{n}" / "report.json" for n in (1, 2))


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
        ("check-name", "a\nb", ["one line"]),
        ("command", "biuld", ["command", "check, build, run, merge"]),
        ("annotations", "true", ["auto, check-run, workflow-commands, none"]),
        ("cache", "ture", ["cache", "true or false"]),
        ("go-version", "1.27;rm -rf", ["go-version", "not a Go version"]),
        ("go-version-file", "missing.mod", ["go-version-file", "not a file"]),
        ("reports", "x.json", ["only"]),
        ("baseline", "../x.json", ["outside the workspace"]),
        ("baseline", "svc", ["a directory"]),
        ("new-only", "yes please", ["new-only", "true or false"]),
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


@pytest.mark.parametrize(
    ("reports", "words"),
    [("", ["needs input 'reports'"]), ("none/*.json", ["matches no file"]), ("../x/*.json", ["not inside"])],
)
def test_merge_without_reports_is_refused(workspace: Path, reports: str, words: list[str]) -> None:
    inputs, errors = parse_inputs(action_inputs(command="merge", reports=reports), workspace)
    assert inputs is None and [e.name for e in errors] == ["reports"]
    assert all(word in errors[0].message for word in words)


def test_go_version_and_go_version_file_together_are_refused(workspace: Path) -> None:
    (workspace / "go.mod").write_text("module x\n")
    inputs, errors = parse_inputs(action_inputs(go_version="1.27", go_version_file="go.mod"), workspace)
    assert inputs is None and "not both" in errors[0].message
