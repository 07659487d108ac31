"""The GitHub actions run by act through the podman socket against the fake GitHub API.

- examples/github/minimal.yml (push and pull_request): the composite host action, `gobaseline/gobaseline@v1`,
  with the job's own Go. act has no network for actions/setup-go, so the action's `go-version-file: go.mod`
  becomes `cache: false`, and a `run:` step before it puts the runner image's Go on PATH (what setup-go does).
- the caches: actions/cache/restore and /save are replaced by a functional offline stand-in
  (tests/e2e/actions_cache: tarballs in a host directory mounted into the job container); a push run with empty
  caches saves them, a second push run on a fresh runner restores them and builds from them, and a pull request
  run restores but never saves.
- a two-shard matrix and a merge job: two check runs and statuses, one per shard, and one merged result.
- the container action, `gobaseline/gobaseline/container@v1`, from an image built from this checkout (its
  `image:` line rewritten to it, as the release workflow rewrites it to the pushed digest).

act reads the actions from its action cache, filled offline by tests.e2e.infra.act. The composite installs
gobaseline from this checkout with pip (PyPI, hash-checked) into a venv.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, git, make_repo, run
from tests.e2e.infra.act import GO_ROOT, SET_UP_GO, act_argv, action_cache, build_go_runner, event, lock_text
from tests.e2e.infra.podman import RUNNER_IMAGE, podman_service
from tests.support.github_api import FakeGitHub, github_api

__all__ = ["github_api"]

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="session")
def go_runner(infra: dict[str, str]) -> str:
    """The act runner image plus python3-venv and a Go at GO_ROOT, as a hosted runner has them."""
    return build_go_runner(infra)


@pytest.fixture(scope="session")
def lock_file() -> str:
    return lock_text()


def _offline(workflow: str) -> str:
    """minimal.yml as act can run it offline: the job's Go set up by a `run:` step, no actions/cache."""
    step = "      - uses: gobaseline/gobaseline@v1\n"
    assert step in workflow and "go-version-file: go.mod" in workflow
    lines = workflow.replace(step, SET_UP_GO + step).splitlines(keepends=True)
    return "".join("          cache: false\n" if "go-version-file: go.mod" in line else line for line in lines)


def _act(
    event_name: str, workflow: str, *, repo: Path, tmp: Path, runner: str, infra: dict[str, str], api: FakeGitHub,
    lock: str, gocache: Path | None, container_image: str | None = None, store: Path | None = None,
    change: dict[str, str] | None = None,
) -> str:  # fmt: skip
    """Commit `workflow`, run act for `event_name` (a pull request: a change on a branch); returns act's output.

    `gocache`: a warm Go build cache copied into the workspace (the directory act mounts) and used as GOCACHE;
    None: the job's own GOCACHE, fresh in every job container. `store`: the actions/cache stand-in's store
    (default: `tmp/store`; every job with `cache: true` restores gobaseline's venv from it).
    `change`: the files a pull request's commit writes (CHANGES.md by default).
    Every call gets its own act state under `tmp` (a fresh runner); the repository and the store are kept.
    """
    (repo / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (repo / ".github" / "workflows" / "gobaseline.yml").write_text(workflow, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "workflow")
    base = git(repo, "rev-parse", "HEAD").strip()
    if event_name == "pull_request":  # a change on a branch: its target's commit is in the clone
        git(repo, "checkout", "-q", "-b", "feature")
        for name, text in (change or {"CHANGES.md": "A change under review.\n"}).items():
            (repo / name).write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "change")
    head = git(repo, "rev-parse", "HEAD").strip()
    extra = {}
    if gocache is not None:  # a warm Go build cache inside the workspace (the only directory act mounts)
        subprocess.run(["cp", "-al", str(gocache), str(repo / ".gocache")], check=True)
        extra["GOCACHE"] = str(repo / ".gocache")
    store = store or tmp / "store"
    store.mkdir(exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="act", dir=tmp))
    action_cache(state / "actcache", lock, container_image)
    payload = state / "event.json"
    payload.write_text(json.dumps(event(event_name, head, base)), encoding="utf-8")
    (state / "home").mkdir()
    env = {**infra, "HOME": str(state / "home")}
    with podman_service(state / "sock", env=infra) as docker_host:
        env["DOCKER_HOST"] = docker_host
        argv = act_argv(
            event_name, payload, runner=runner, action_cache=state / "actcache", api_url=api.base_url,
            token=api.token, store=store, env=extra,
        )  # fmt: skip
        ran = run(argv, cwd=repo, env=env, timeout=900)
    print(f"act {event_name}: {ran.seconds:.1f} s\n{ran.output[-5000:]}")
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


CACHED = f"""name: gobaseline
on: [push, pull_request]
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
{SET_UP_GO}      - name: a fresh runner
        run: |
          for dir in "$(go env GOCACHE)" "$(go env GOMODCACHE)"; do
            if [ -e "$dir" ]; then echo "$dir exists before the caches are restored" >&2; exit 1; fi
          done
          touch "$RUNNER_TEMP/before-gobaseline"
      - uses: gobaseline/gobaseline@v1
        with:
          targets: linux/amd64
      - name: what the build added to GOCACHE
        run: |
          gocache="$(go env GOCACHE)" marker="$RUNNER_TEMP/before-gobaseline"
          files="$(find "$gocache" -type f | wc -l)" new="$(find "$gocache" -type f -newer "$marker" | wc -l)"
          echo "gocache: $files files, $new new"
"""


def _gocache_counts(output: str) -> tuple[int, int]:
    """(files, new files) in the job's GOCACHE after gobaseline ran, from the last step's line."""
    [line] = [x for x in output.splitlines() if "gocache: " in x and " files, " in x and "$files" not in x]
    files, _, new = line.split("gocache: ", 1)[1].partition(" files, ")
    return int(files), int(new.split()[0])


def _journal(store: Path, what: str = "gobaseline-go-") -> list[str]:
    """The stand-in's restores and saves of the Go caches (or of `what`: "-gobaseline-venv-", the venv)."""
    path = store / "journal"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [line for line in lines if f" key={what}" in line or f" key=Linux-X64{what}" in line]


def test_a_warm_second_run_restores_the_caches_and_a_pull_request_never_saves(
    infra: dict[str, str], go_runner: str, lock_file: str, short_tmp: Path, github_api: FakeGitHub
) -> None:
    store = short_tmp / "store"
    store.mkdir()
    repo = _hello(short_tmp)
    common = {
        "repo": repo, "tmp": short_tmp, "runner": go_runner, "infra": infra, "api": github_api, "lock": lock_file,
        "gocache": None, "store": store,
    }  # fmt: skip

    # 1. A push to the default branch with empty caches: nothing restored, GOMODCACHE and GOCACHE saved.
    first = _act("push", CACHED, **common)  # type: ignore[arg-type]
    [restore, save] = _journal(store)
    assert restore.startswith("restore event=push ref=refs/heads/main hit=false matched= key=gobaseline-go-Linux-")
    key = restore.split(" key=", 1)[1]
    assert "-go1.27.3-" in key
    assert save == f"save event=push ref=refs/heads/main key={key}"
    [tarball] = [t for t in store.glob("*.tar") if t.with_suffix(".key").read_text(encoding="utf-8") == key]
    listed = subprocess.run(["tar", "-tPf", str(tarball)], capture_output=True, text=True, check=True).stdout
    assert "/root/.cache/go-build/" in listed
    files, new = _gocache_counts(first)
    assert files > 100 and new == files  # the cold build filled it
    [venv_restore, venv_save] = _journal(store, "-gobaseline-venv-")  # gobaseline's venv too
    venv_key = venv_restore.split(" key=", 1)[1]
    assert venv_restore.startswith("restore event=push ref=refs/heads/main hit=false matched= key=")
    assert venv_save == f"save event=push ref=refs/heads/main key={venv_key}"

    # 2. Another push on a fresh runner (the step before the action saw no GOCACHE, no GOMODCACHE): an exact
    # hit, restored before gobaseline ran, and its build wrote next to nothing: the work was cached.
    shutil.rmtree(repo / "gobaseline-out")  # a fresh checkout
    second = _act("push", CACHED, **common)  # type: ignore[arg-type]
    assert _journal(store)[2:] == [f"restore event=push ref=refs/heads/main hit=true matched={key} key={key}"]
    assert f"Cache restored from key: {key}" in second
    assert _journal(store, "-gobaseline-venv-")[2:] == [
        f"restore event=push ref=refs/heads/main hit=true matched={venv_key} key={venv_key}"
    ]
    assert "gobaseline's environment restored from the cache" in second
    files2, new2 = _gocache_counts(second)
    assert files2 >= files and new2 <= files // 50, (files, files2, new2)
    assert len(list(store.glob("*.tar"))) == 2

    # 3. A pull request whose go.sum changed: no exact hit, so a save would follow on a push; the default
    # branch's cache is restored by its prefix and nothing is saved.
    shutil.rmtree(repo / "gobaseline-out")
    _act("pull_request", CACHED, change={"go.sum": ""}, **common)  # type: ignore[arg-type]
    journal = _journal(store)
    assert len(journal) == 4, journal
    assert journal[3].startswith(f"restore event=pull_request ref=refs/pull/7/merge hit=false matched={key} key=")
    assert not journal[3].endswith(f"key={key}")
    assert not [line for line in (store / "journal").read_text().splitlines() if "event=pull_request" in line
                and line.startswith("save")]  # fmt: skip
    assert len(list(store.glob("*.tar"))) == 2
    for run_ in github_api.check_runs.values():
        assert run_["conclusion"] in ("success", "neutral"), run_
