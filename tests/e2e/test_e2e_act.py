"""The GitHub actions run by act through the podman socket against the fake GitHub API.

- examples/github/minimal.yml (push and pull_request): the composite host action, `gobaseline/gobaseline@v1`,
  with the job's own Go. act has no network for actions/setup-go or actions/cache, so the workflow is minimal.yml
  with one change: the action's `go-version-file: go.mod` becomes `cache: false`, and a `run:` step before it
  puts the runner image's Go on PATH (what setup-go does). There is therefore no warm-second-run test here.
- a two-shard matrix and a merge job: two check runs and statuses, one per shard, and one merged result.
- the container action, `gobaseline/gobaseline/container@v1`, from an image built from this checkout (its
  `image:` line rewritten to it, as the release workflow rewrites it to the pushed digest).

act reads a remote action from its action cache and, with `--action-offline-mode`, never fetches it when it is
there: each test puts a git repository with this checkout's action files, tagged v1, where act's download would
land. The composite installs gobaseline from that checkout with pip (PyPI, hash-checked) into a venv: when the
lock file requirements/action.txt is not in this checkout yet, a stand-in is resolved here with `pip --report`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ACTION_FILES, REPO, git, make_repo, run
from tests.e2e.infra.podman import GOLANG_IMAGE, RUNNER_IMAGE, e2e_home, podman_service
from tests.support.github_api import FakeGitHub, github_api

__all__ = ["github_api"]

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

GO_RUNNER_IMAGE = "localhost/gobaseline-e2e/act-runner-go:bookworm"
GO_ROOT = "/opt/hosted-go"
"""Where the runner image keeps a Go that is not on PATH until the job sets it up."""
SET_UP_GO = f'      - run: echo "{GO_ROOT}/bin" >> "$GITHUB_PATH" # actions/setup-go, offline\n'
LOCK = Path("requirements") / "action.txt"


@pytest.fixture(scope="session")
def go_runner(infra: dict[str, str]) -> str:
    """The act runner image plus python3-venv and a Go at GO_ROOT, as a hosted runner has them."""
    context = e2e_home() / "go-runner"
    context.mkdir(parents=True, exist_ok=True)
    (context / "Containerfile").write_text(
        f"FROM {RUNNER_IMAGE}\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends python3-venv "
        "&& rm -rf /var/lib/apt/lists/*\n"
        f"COPY --from={GOLANG_IMAGE} /usr/local/go {GO_ROOT}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        ["podman", "build", "-q", "-t", GO_RUNNER_IMAGE, str(context)],
        env=infra, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, f"podman build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return GO_RUNNER_IMAGE


@pytest.fixture(scope="session")
def lock_file() -> str:
    """requirements/action.txt: the checkout's, else a stand-in with every dependency's hash (kept per
    pyproject.toml between sessions)."""
    if (REPO / LOCK).is_file():
        return (REPO / LOCK).read_text(encoding="utf-8")
    key = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()[:16]
    cached = e2e_home() / f"action-lock-{key}.txt"
    if not cached.is_file():
        report = cached.with_suffix(".json")
        subprocess.run(
            [sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--ignore-installed", "--quiet",
             "--report", str(report), str(REPO), "setuptools>=69", "wheel"],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        lines = []
        for item in json.loads(report.read_text(encoding="utf-8"))["install"]:
            meta, hashes = item["metadata"], item["download_info"].get("archive_info", {}).get("hashes", {})
            if meta["name"] != "gobaseline":
                lines.append(f"{meta['name']}=={meta['version']} --hash=sha256:{hashes['sha256']}\n")
        cached.write_text("".join(sorted(lines, key=str.lower)), encoding="utf-8")
    return cached.read_text(encoding="utf-8")


STUB = """name: offline stand-in
description: act loads every action a composite names, even one whose step is skipped; this one never runs.
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "an offline stand-in ran, which the test does not expect" >&2; exit 1
"""


def _stubs(cache: Path) -> None:
    """Stand-ins for the actions the composite calls (setup-go, setup-python, actions/cache), at the pinned
    commits: the tests skip their steps (no go-version, a Python on PATH, cache: false), but act loads them."""
    import yaml

    for step in yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]:
        if "uses" not in step:
            continue
        name, _, sha = step["uses"].partition("@")
        sub = name.split("/")[2:]
        stub = cache / step["uses"].replace("/", "-")  # act's cache directory: one clone per `uses:` string
        (stub / "/".join(sub)).mkdir(parents=True, exist_ok=True)
        (stub / "/".join(sub) / "action.yml").write_text(STUB, encoding="utf-8")
        git(stub, "init", "-q")
        git(stub, "add", "-A")
        git(stub, "commit", "-q", "-m", "stub")
        git(stub, "tag", sha)  # act resolves the pinned commit as a ref name


def _action_cache(cache: Path, lock: str, container_image: str | None = None) -> None:
    _stubs(cache)
    for uses in ("gobaseline/gobaseline@v1", "gobaseline/gobaseline/container@v1"):
        _action_checkout(cache / uses.replace("/", "-"), lock, container_image)


def _action_checkout(action: Path, lock: str, container_image: str | None) -> None:
    action.mkdir(parents=True)
    for name in (*ACTION_FILES, "container/action.yml"):
        (action / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, action / name)
    (action / LOCK).parent.mkdir(parents=True, exist_ok=True)
    (action / LOCK).write_text(lock, encoding="utf-8")
    if container_image is not None:
        text = (action / "container" / "action.yml").read_text(encoding="utf-8")
        start = text.index("  image: docker://")
        end = text.index("\n", start)
        text = text[:start] + f"  image: docker://{container_image}" + text[end:]
        (action / "container" / "action.yml").write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "src", action / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    git(action, "init", "-q")
    git(action, "add", "-A")
    git(action, "commit", "-q", "-m", "v1")
    git(action, "tag", "v1")


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


def _offline(workflow: str) -> str:
    """minimal.yml as act can run it offline: the job's Go set up by a `run:` step, no actions/cache."""
    step = "      - uses: gobaseline/gobaseline@v1\n"
    assert step in workflow and "go-version-file: go.mod" in workflow
    lines = workflow.replace(step, SET_UP_GO + step).splitlines(keepends=True)
    return "".join("          cache: false\n" if "go-version-file: go.mod" in line else line for line in lines)


def _act(
    event: str, workflow: str, *, repo: Path, tmp: Path, runner: str, infra: dict[str, str], api: FakeGitHub,
    lock: str, gocache: Path, container_image: str | None = None,
) -> str:  # fmt: skip
    """Commit `workflow`, run act for `event` (a pull request: a change on a branch); returns act's output."""
    (repo / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (repo / ".github" / "workflows" / "gobaseline.yml").write_text(workflow, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "workflow")
    base = git(repo, "rev-parse", "HEAD").strip()
    if event == "pull_request":  # a change on a branch: its target's commit is in the clone, so its policy is read
        git(repo, "checkout", "-q", "-b", "feature")
        (repo / "CHANGES.md").write_text("A change under review.\n", encoding="utf-8")
        git(repo, "add", "CHANGES.md")
        git(repo, "commit", "-q", "-m", "change")
    head = git(repo, "rev-parse", "HEAD").strip()
    # A warm Go build cache inside the workspace (the only directory act mounts into the containers).
    subprocess.run(["cp", "-al", str(gocache), str(repo / ".gocache")], check=True)
    _action_cache(tmp / "actcache", lock, container_image)
    payload = tmp / "event.json"
    payload.write_text(json.dumps(_event(event, head, base)), encoding="utf-8")
    (tmp / "home").mkdir()
    env = {**infra, "HOME": str(tmp / "home")}
    with podman_service(tmp / "sock", env=infra) as docker_host:
        env["DOCKER_HOST"] = docker_host
        argv = [
            "act", event, "-e", str(payload),
            "-P", f"ubuntu-latest={runner}",
            "--pull=false", "--action-offline-mode", "--action-cache-path", str(tmp / "actcache"),
            "--container-daemon-socket", "-", "--network", "host", "--bind", "--rm", "--no-cache-server",
            "--env", f"GITHUB_API_URL={api.base_url}",
            "--env", f"GOCACHE={repo / '.gocache'}",
            "-s", f"GITHUB_TOKEN={api.token}",
        ]  # fmt: skip
        ran = run(argv, cwd=repo, env=env, timeout=900)
    print(f"act {event}: {ran.seconds:.1f} s\n{ran.output[-5000:]}")
    assert ran.returncode == 0, ran.output[-6000:]
    assert api.token not in ran.output
    return ran.output


def _hello(tmp: Path) -> Path:
    return make_repo(tmp / "repo", origin="https://github.com/octo/hello.git", extra={".gitignore": ".gocache/\n"})


@pytest.mark.parametrize("event", ["push", "pull_request"])
def test_minimal_workflow_runs_the_composite_with_the_jobs_go(
    event: str, infra: dict[str, str], go_runner: str, lock_file: str, gocache: Path, short_tmp: Path,
    github_api: FakeGitHub,
) -> None:  # fmt: skip
    workflow = _offline((REPO / "examples" / "github" / "minimal.yml").read_text(encoding="utf-8"))
    repo = _hello(short_tmp)
    output = _act(
        event, workflow, repo=repo, tmp=short_tmp, runner=go_runner, infra=infra, api=github_api, lock=lock_file,
        gocache=gocache,
    )  # fmt: skip
    head = git(repo, "rev-parse", "HEAD").strip()

    # The check run and the status go to the head commit (for a PR: the PR's head, from the payload), under two
    # names; the findings are the check run's annotations, not workflow commands too.
    [run_] = github_api.check_runs.values()
    assert (run_["name"], run_["head_sha"]) == ("gobaseline", head)
    assert run_["conclusion"] in ("success", "neutral")
    assert "gobaseline" in (run_["output"]["summary"] or "")
    assert [(s["context"], s["sha"], s["state"]) for s in github_api.statuses] == [
        ("gobaseline/verdict", head, "success")
    ]
    report = json.loads((repo / "gobaseline-out" / "reports" / "report.json").read_text(encoding="utf-8"))
    assert len(github_api.annotations[run_["id"]]) == len(report["findings"])
    assert "::warning " not in output
    # Tier 1 checked the job's Go, not one of gobaseline's own.
    assert report["environment"]["goroot"] == GO_ROOT, report["environment"]
    # SARIF: the commit act checked out, under the event's ref.
    [sarif] = github_api.sarifs.values()
    assert sarif["commit_sha"] == head
    assert sarif["ref"] == ("refs/heads/main" if event == "push" else "refs/pull/7/merge")
    assert sarif["sarif"]["version"] == "2.1.0"
    assert "Summary - ## " in output and "gobaseline:" in output.split("Summary - ", 1)[1][:200]


MATRIX = f"""name: gobaseline
on: push
jobs:
  shard:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        target: [linux/amd64, linux/arm64]
    steps:
{SET_UP_GO}      - uses: gobaseline/gobaseline@v1
        with:
          targets: ${{{{ matrix.target }}}}
          output-dir: shards/${{{{ matrix.target }}}}
          fail-on: never
          cache: false
  gate:
    needs: shard
    runs-on: ubuntu-latest
    steps:
      - run: find shards -name report.json
      - id: merge
        uses: gobaseline/gobaseline@v1
        with:
          command: merge
          reports: shards/**/report.json
          sarif-upload: false
      - run: case "${{{{ steps.merge.outputs.verdict }}}}" in pass|warn) ;; *) exit 1 ;; esac
"""


def test_two_shards_post_two_check_runs_and_the_merge_one(
    infra: dict[str, str], go_runner: str, lock_file: str, gocache: Path, short_tmp: Path, github_api: FakeGitHub
) -> None:
    repo = _hello(short_tmp)
    _act(
        "push", MATRIX, repo=repo, tmp=short_tmp, runner=go_runner, infra=infra, api=github_api, lock=lock_file,
        gocache=gocache,
    )  # fmt: skip
    runs = sorted(r["name"] for r in github_api.check_runs.values())
    assert runs == ["gobaseline", "gobaseline (linux/amd64)", "gobaseline (linux/arm64)"]  # none overwritten
    contexts = sorted(s["context"] for s in github_api.statuses)
    assert contexts == ["gobaseline/verdict", "gobaseline/verdict (linux/amd64)", "gobaseline/verdict (linux/arm64)"]
    categories = sorted(
        s["sarif"]["runs"][0].get("automationDetails", {}).get("id", "") for s in github_api.sarifs.values()
    )
    assert len(categories) == 2 and all(c.startswith("gobaseline/linux/") for c in categories), categories
    merged = json.loads((repo / "gobaseline-out" / "merged" / "report.json").read_text(encoding="utf-8"))
    assert sorted(merged["targets"]) == ["linux/amd64", "linux/arm64"]


CONTAINER = """name: gobaseline
on: push
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: gobaseline/gobaseline/container@v1
        with:
          targets: linux/amd64
"""


def test_the_container_action_runs_the_image_it_names(
    infra: dict[str, str], image: str, lock_file: str, gocache: Path, short_tmp: Path, github_api: FakeGitHub
) -> None:
    repo = _hello(short_tmp)
    _act(
        "push", CONTAINER, repo=repo, tmp=short_tmp, runner=RUNNER_IMAGE, infra=infra, api=github_api,
        lock=lock_file, gocache=gocache, container_image=image,
    )  # fmt: skip
    [run_] = github_api.check_runs.values()
    assert run_["name"] == "gobaseline (linux/amd64)" and run_["conclusion"] in ("success", "neutral")
    assert [s["context"] for s in github_api.statuses] == ["gobaseline/verdict (linux/amd64)"]
    assert (repo / "gobaseline-out" / "reports" / "report.json").is_file()
