"""Static checks of what ships beside the package: the action, the image, the GitLab files, the hooks, the
examples. Each file is validated with the tool its platform would use (check-jsonschema's vendored schemas,
pre-commit, hadolint), and the files that must agree with each other are compared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GITHUB_EXAMPLES = sorted((REPO / "examples" / "github").glob("*.yml"))
GITLAB_EXAMPLES = sorted((REPO / "examples" / "gitlab").glob("*.yml"))


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} missing: install the dev dependencies (pip install -e '.[dev]')")
    return path


def _ok(argv: list[str]) -> str:
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, f"{' '.join(argv)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_action_yml_schema() -> None:
    _ok([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml", "container/action.yml"])


def test_github_examples_schema() -> None:
    assert {p.name for p in GITHUB_EXAMPLES} >= {"minimal.yml", "required-check.yml", "matrix.yml"}
    _ok([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, GITHUB_EXAMPLES)])


def test_gitlab_files_schema(tmp_path: Path) -> None:
    spec, job = yaml.safe_load_all((REPO / "templates" / "gobaseline.yml").read_text(encoding="utf-8"))
    assert set(spec) == {"spec"}
    (tmp_path / "component-job.yml").write_text(yaml.safe_dump(job), encoding="utf-8")
    (tmp_path / "component-spec.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    files = [str(tmp_path / "component-job.yml"), str(tmp_path / "component-spec.yml")]
    files += [str(REPO / ".gitlab-ci-template.yml"), str(REPO / ".gitlab-ci.yml"), *map(str, GITLAB_EXAMPLES)]
    _ok([_tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", *files])


def test_pre_commit_manifest() -> None:
    _ok([_tool("pre-commit"), "validate-manifest", ".pre-commit-hooks.yaml"])
    hooks = {h["id"]: h for h in _load(REPO / ".pre-commit-hooks.yaml")}
    assert hooks["gobaseline"]["language"] == "python"
    assert hooks["gobaseline"]["entry"] == "gobaseline check --fail-on error"  # warnings show, errors block
    assert hooks["gobaseline-docker"]["language"] == "docker_image"
    for hook in hooks.values():
        assert hook["pass_filenames"] is False
        for name in ("go.mod", "go.sum", "cmd/x/main.go", "sub/go.mod"):
            import re

            assert re.search(hook["files"], name), (hook["id"], name)


def test_dockerfile_lints_clean() -> None:
    _ok([_tool("hadolint"), "Dockerfile"])


def test_dockerfile_pins_go_and_bases() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG GO_VERSION=1.27.3" in text
    assert "FROM ${GO_IMAGE} AS go" in text
    assert "COPY --from=go /usr/local/go /usr/local/go" in text
    assert "org.opencontainers.image.source" in text
    assert not any(line.startswith("USER") for line in text.splitlines())  # GitHub runs Docker actions as root
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert ignore[0:1] == ["*"] or "*" in ignore  # an allow-list context: no .venv, .git or caches


def test_the_image_runs_the_action_package_through_entrypoint_py(tmp_path: Path) -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY entrypoint.py /opt/gobaseline/entrypoint.py" in text
    assert 'ENTRYPOINT ["/opt/gobaseline/bin/python", "/opt/gobaseline/entrypoint.py"]' in text
    # Command mode, as `docker run IMAGE ARGS` runs it; HOME here, because it marks the cwd safe for git.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}, "HOME": str(tmp_path)}

    def entrypoint(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(REPO / "entrypoint.py"), *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip

    assert entrypoint("--version").returncode == 0
    usage = entrypoint("chek")
    assert usage.returncode == 3, usage.stderr
    assert "invalid choice" in usage.stderr and "Traceback" not in usage.stderr


COMPOSITE_ONLY = {"cache", "go-version", "go-version-file"}
"""Inputs of the host action's own steps: the container action has its own Go and no caches to restore."""


def test_action_inputs_match_the_entrypoint() -> None:
    from gobaseline.action.inputs import INPUTS
    from gobaseline.action.outputs import OUTPUTS

    host = _load(REPO / "action.yml")
    container = _load(REPO / "container" / "action.yml")
    assert set(host["inputs"]) == set(INPUTS)
    assert set(container["inputs"]) == set(INPUTS) - COMPOSITE_ONLY
    for action in (host, container):
        for name, spec in action["inputs"].items():
            assert spec["description"], name
            assert name == name.lower() and "_" not in name, f"{name}: inputs are kebab-case"
            if name == "github-token":
                assert spec["default"] == "${{ github.token }}"
            else:
                assert spec["default"] == INPUTS[name], name
        assert set(action["outputs"]) == set(OUTPUTS)
        assert action["branding"]["icon"] and action["branding"]["color"]


def test_the_host_action_is_composite_and_portable() -> None:
    from gobaseline.action.inputs import INPUTS

    action = _load(REPO / "action.yml")
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash", step["name"]  # bash exists on Linux, macOS and Windows runners
        else:  # every action it calls is pinned by commit
            name, _, ref = step["uses"].partition("@")
            assert name in ("actions/setup-go", "actions/setup-python", "actions/cache/restore", "actions/cache/save")
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), step["uses"]
    by_id = {step.get("id"): step for step in steps}
    install = by_id["install"]["run"]
    assert '--require-hashes --only-binary :all: -r "$GITHUB_ACTION_PATH/requirements/action.txt"' in install
    assert '--no-deps --no-build-isolation "$GITHUB_ACTION_PATH"' in install
    run = by_id["run"]
    assert run["run"] == '"$GOBASELINE_PYTHON" -m gobaseline.action'
    # Every input reaches the entry point, in the spelling it reads.
    assert {k for k in run["env"] if k.startswith("INPUT_")} == {
        f"INPUT_{name.upper().replace('-', '_')}" for name in INPUTS
    }
    for name in INPUTS:
        assert run["env"][f"INPUT_{name.upper().replace('-', '_')}"] == f"${{{{ inputs.{name} }}}}"
    # Any failure before the entry point writes its outputs still says error.
    assert action["outputs"]["verdict"]["value"] == "${{ steps.run.outputs.verdict || 'error' }}"
    # The caches: keyed on the OS, the Go version and go.sum; written only by a push to the default branch.
    restore, save = by_id["restore"], steps[-1]
    assert save["uses"].startswith("actions/cache/save@")
    for part in ("runner.os", "steps.go.outputs.version", "hashFiles(", "go.sum"):
        assert part in restore["with"]["key"], part
    assert "github.event_name == 'push'" in save["if"] and "default_branch" in save["if"]
    assert "always()" not in save["if"]  # a failing run saves nothing
    assert steps[0]["uses"].startswith("actions/setup-go@")  # the first step, only with go-version(-file)
    assert "inputs.go-version" in steps[0]["if"]


def test_the_container_action_runs_a_prebuilt_image_by_digest() -> None:
    runs = _load(REPO / "container" / "action.yml")["runs"]
    assert runs["using"] == "docker"
    image = runs["image"]
    prefix = "docker://ghcr.io/gobaseline/gobaseline@sha256:"
    assert image.startswith(prefix) and len(image) == len(prefix) + 64, image  # never `image: Dockerfile`


def _replaced(node: Any, old: str, new: str) -> Any:
    if isinstance(node, str):
        return node.replace(old, new)
    if isinstance(node, list):
        return [_replaced(n, old, new) for n in node]
    if isinstance(node, dict):
        return {k: _replaced(v, old, new) for k, v in node.items()}
    return node


def _component() -> tuple[dict[str, Any], dict[str, Any]]:
    spec, component = yaml.safe_load_all((REPO / "templates" / "gobaseline.yml").read_text(encoding="utf-8"))
    (job,) = component.values()
    return spec["spec"]["inputs"], job


def test_template_and_component_run_the_same_job() -> None:
    classic = _load(REPO / ".gitlab-ci-template.yml")
    inputs, job_k = _component()
    job_c = classic["gobaseline"]
    for key in ("script", "artifacts", "interruptible"):
        assert job_c[key] == job_k[key], key
    # The component's input is the template's variable: an input interpolated whole would be a boolean.
    mr_input = '"$[[ inputs.merge-request-pipelines ]]"'
    assert _replaced(job_k["rules"], mr_input, "$GOBASELINE_MR_PIPELINES") == job_c["rules"]
    assert set(job_k["variables"]) <= set(classic["variables"])
    assert set(inputs) >= {"stage", "job-name", "image", "targets", "policy", "fail-on", "token-variable"}
    assert job_c["artifacts"]["when"] == "always"
    assert job_c["artifacts"]["reports"] == {
        "codequality": "gobaseline-reports/gl-code-quality-report.json",
        "junit": "gobaseline-reports/junit.xml",
    }
    assert "gobaseline-reports/" in job_c["artifacts"]["paths"]
    assert job_c["image"]["entrypoint"] == [""]


def test_gitlab_jobs_fail_closed() -> None:
    from gobaseline.cli import FAIL_ON

    inputs, job = _component()
    classic = _load(REPO / ".gitlab-ci-template.yml")
    # No exit code is allowed to fail: --fail-on is always given, so 2 never comes and 3 (a typo) fails the job.
    for path in (REPO / "templates" / "gobaseline.yml", REPO / ".gitlab-ci-template.yml", *GITLAB_EXAMPLES):
        assert "allow_failure" not in path.read_text(encoding="utf-8"), path.name
    assert '--fail-on "${GOBASELINE_FAIL_ON:-policy}"' in job["script"][0]
    assert set(inputs["fail-on"]["options"]) == set(FAIL_ON)
    assert inputs["fail-on"]["default"] == classic["variables"]["GOBASELINE_FAIL_ON"] == "policy"
    assert classic["variables"]["GOBASELINE_MR_PIPELINES"] == "false"
    assert inputs["merge-request-pipelines"] == {
        **inputs["merge-request-pipelines"],
        "type": "boolean",
        "default": False,
    }


def test_component_inputs_are_typed_and_their_regexes_hold() -> None:
    import re

    inputs, _ = _component()
    for name, spec in inputs.items():
        assert spec["type"] in ("string", "boolean", "number", "array"), name
        assert spec["description"], name
        if "regex" in spec:  # GitLab checks the default too
            assert re.fullmatch(spec["regex"], spec["default"]), name
    targets = re.compile(inputs["targets"]["regex"])
    assert targets.fullmatch("linux/amd64,linux/arm64") and targets.fullmatch("linux/amd64, windows/amd64")
    for typo in ("linux-amd64", "linux/amd64;", "linux/", "Linux/amd64", "linux/amd64 darwin/arm64"):
        assert not targets.fullmatch(typo), typo
    assert re.fullmatch(inputs["working-directory"]["regex"], "services/api")
    for typo in ("/abs", "", "a b"):
        assert not re.fullmatch(inputs["working-directory"]["regex"], typo), typo
    assert not re.fullmatch(inputs["token-variable"]["regex"], "$GOBASELINE_GITLAB_TOKEN")


def test_gitlab_jobs_run_in_branch_pipelines_of_go_projects() -> None:
    _, job = _component()
    rules = job["rules"]
    assert rules[0] == {"if": '$GOBASELINE_DISABLED == "true" || $GOBASELINE_DISABLED == "1"', "when": "never"}
    positive = [r for r in rules if r.get("when") != "never"]
    assert [r["if"].split(" &&")[0] for r in positive] == [
        '$CI_PIPELINE_SOURCE == "merge_request_event"',
        "$CI_COMMIT_BRANCH",
    ]
    for rule in positive:
        assert rule["exists"] == ["**/go.mod", "**/go.work"]
    assert "merge-request-pipelines" in positive[0]["if"]  # merge request pipelines only when asked for


def test_gitlab_examples_and_docs_include_the_component_from_this_instance() -> None:
    import re

    texts = [p.read_text(encoding="utf-8") for p in (*GITLAB_EXAMPLES, REPO / "templates" / "gobaseline.yml")]
    texts += [(REPO / name).read_text(encoding="utf-8") for name in ("README.md", "docs/gitlab.md")]
    lines = [m for t in texts for m in re.findall(r"- component: (\S+)", t)]
    assert lines and all(line.startswith("$CI_SERVER_FQDN/gobaseline/gobaseline/gobaseline@") for line in lines), lines


def test_docs_show_the_minimal_examples_verbatim() -> None:
    for doc, example in (
        ("github.md", "github/minimal.yml"),
        ("gitlab.md", "gitlab/minimal.yml"),
        ("forks.md", "github/fork-gate.yml"),
        ("forks.md", "github/fork-publish.yml"),
    ):
        text = (REPO / "docs" / doc).read_text(encoding="utf-8")
        snippet = (REPO / "examples" / example).read_text(encoding="utf-8")
        assert f"```yaml\n{snippet}```" in text, f"docs/{doc} must show examples/{example} verbatim"
