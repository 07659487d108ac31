"""examples/github/minimal.yml, verbatim, run by act through the podman socket against the fake GitHub API.

The workflow uses `gobaseline/gobaseline@v0.1.0`. act reads a remote action from its action cache and, with
`--action-offline-mode`, never fetches it when it is there: each test puts a git repository with this checkout's
action files, tagged v0.1.0, where act's download would land. act builds the image from our Dockerfile.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ACTION_FILES, REPO, git, make_repo, run
from tests.e2e.infra.podman import RUNNER_IMAGE, podman_service
from tests.support.github_api import FakeGitHub, github_api

__all__ = ["github_api"]

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _action_cache(cache: Path) -> None:
    action = cache / "gobaseline-gobaseline@v0.1.0"
    action.mkdir(parents=True)
    for name in ACTION_FILES:
        (action / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, action / name)
    shutil.copytree(REPO / "src", action / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    git(action, "init", "-q")
    git(action, "add", "-A")
    git(action, "commit", "-q", "-m", "v0.1.0")
    git(action, "tag", "v0.1.0")


def _event(event: str, head: str, base: str) -> dict[str, Any]:
    repository = {"full_name": "octo/hello", "name": "hello", "owner": {"login": "octo"}, "default_branch": "main"}
    if event == "push":
        return {"ref": "refs/heads/main", "before": "0" * 40, "after": head, "repository": repository}
    return {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": "octo/hello", "fork": False}},
            "base": {"sha": base, "ref": "main", "repo": {"full_name": "octo/hello"}},
        },
        "repository": repository,
    }


@pytest.mark.parametrize("event", ["push", "pull_request"])
def test_minimal_workflow(
    event: str,
    infra: dict[str, str],
    image: str,  # built once per session: act's build of the same Dockerfile then hits the layer cache
    gocache: Path,
    short_tmp: Path,
    github_api: FakeGitHub,
) -> None:
    workflow = (REPO / "examples" / "github" / "minimal.yml").read_text(encoding="utf-8")
    repo = make_repo(
        short_tmp / "repo",
        origin="https://github.com/octo/hello.git",
        extra={".github/workflows/gobaseline.yml": workflow, ".gitignore": ".gocache/\n"},
    )
    base = git(repo, "rev-parse", "HEAD").strip()
    if event == "pull_request":  # a change on a branch: its target's commit is in the clone, so its policy is read
        git(repo, "checkout", "-q", "-b", "feature")
        (repo / "CHANGES.md").write_text("A change under review.\n", encoding="utf-8")
        git(repo, "add", "CHANGES.md")
        git(repo, "commit", "-q", "-m", "change")
    head = git(repo, "rev-parse", "HEAD").strip()
    # A warm Go build cache inside the workspace (the only directory act mounts into the action's container).
    subprocess.run(["cp", "-al", str(gocache), str(repo / ".gocache")], check=True)
    _action_cache(short_tmp / "actcache")
    payload = short_tmp / "event.json"
    payload.write_text(json.dumps(_event(event, head, base)), encoding="utf-8")
    (short_tmp / "home").mkdir()

    env = {**infra, "HOME": str(short_tmp / "home")}
    with podman_service(short_tmp / "sock", env=infra) as docker_host:
        env["DOCKER_HOST"] = docker_host
        argv = [
            "act", event, "-e", str(payload),
            "-P", f"ubuntu-latest={RUNNER_IMAGE}",
            "--pull=false", "--action-offline-mode", "--action-cache-path", str(short_tmp / "actcache"),
            "--container-daemon-socket", "-", "--network", "host", "--bind", "--rm", "--no-cache-server",
            "--env", f"GITHUB_API_URL={github_api.base_url}",
            "--env", f"GOCACHE={repo / '.gocache'}",
            "-s", f"GITHUB_TOKEN={github_api.token}",
        ]  # fmt: skip
        ran = run(argv, cwd=repo, env=env, timeout=600)
    print(f"act {event}: {ran.seconds:.1f} s\n{ran.output[-5000:]}")
    assert ran.returncode == 0, ran.output[-6000:]
    assert github_api.token not in ran.output

    # The check run and the status go to the head commit (for a PR: the PR's head, from the payload).
    runs = list(github_api.check_runs.values())
    assert [(r["name"], r["head_sha"]) for r in runs] == [("gobaseline", head)]
    assert runs[0]["conclusion"] in ("success", "neutral")
    assert "gobaseline" in (runs[0]["output"]["summary"] or "")
    assert [(s["context"], s["sha"], s["state"]) for s in github_api.statuses] == [("gobaseline", head, "success")]
    # SARIF: the commit act checked out, under the event's ref.
    sarifs = list(github_api.sarifs.values())
    assert len(sarifs) == 1
    assert sarifs[0]["commit_sha"] == head
    assert sarifs[0]["ref"] == ("refs/heads/main" if event == "push" else "refs/pull/7/merge")
    assert sarifs[0]["sarif"]["version"] == "2.1.0"
    # The job summary (act prints it in the log) and the reports in the workspace, handed back to its owner.
    assert "Summary - ## " in ran.output and "gobaseline:" in ran.output.split("Summary - ", 1)[1][:200]
    assert (repo / "gobaseline-out" / "reports" / "report.json").is_file()
