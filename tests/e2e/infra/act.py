"""act for the e2e tests and bench/bench_action.py: the runner image with a hosted Go, act's action cache filled
offline, event payloads and the act command line.

act reads a remote action from its action cache and, with `--action-offline-mode`, never fetches it when it is
there: `action_cache` puts a git repository with this checkout's action files, tagged v1, where act's download
would land, and offline stand-ins for the actions the composite calls at the commits it pins: actions/cache/restore
and /save are functional (tests/e2e/actions_cache: tarballs in CACHE_STORE, a host directory that `act_argv`
mounts into the job container at the same path), setup-go and setup-python never run (the jobs put the runner
image's Go on PATH with SET_UP_GO and have a Python 3.11+).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ACTION_FILES, REPO, git
from tests.e2e.infra.podman import GOLANG_IMAGE, RUNNER_IMAGE, e2e_home

GO_RUNNER_IMAGE = "localhost/gobaseline-e2e/act-runner-go:bookworm"
GO_ROOT = "/opt/hosted-go"
"""Where the runner image keeps a Go that is not on PATH until the job sets it up."""
SET_UP_GO = f'      - run: echo "{GO_ROOT}/bin" >> "$GITHUB_PATH" # actions/setup-go, offline\n'
LOCK = Path("requirements") / "action.txt"
CACHE_STAND_IN = REPO / "tests" / "e2e" / "actions_cache"
CACHE_STORE = "GOBASELINE_E2E_CACHE_STORE"
"""The variable naming the stand-in's store (a host path, mounted at the same path in the job container)."""


def build_go_runner(env: dict[str, str]) -> str:
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
        env=env, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"podman build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return GO_RUNNER_IMAGE


def lock_text() -> str:
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


def _stand_ins(cache: Path) -> None:
    """The actions the composite calls, at the pinned commits: actions/cache/* functional, the others stubs."""
    import yaml

    for step in yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]:
        if "uses" not in step:
            continue
        name, _, sha = step["uses"].partition("@")
        sub = "/".join(name.split("/")[2:])
        stand_in = cache / step["uses"].replace("/", "-")  # act's cache directory: one clone per `uses:` string
        if stand_in.exists():
            continue
        if name.startswith("actions/cache/"):
            shutil.copytree(CACHE_STAND_IN, stand_in)
        else:
            (stand_in / sub).mkdir(parents=True)
            (stand_in / sub / "action.yml").write_text(STUB, encoding="utf-8")
        git(stand_in, "init", "-q")
        git(stand_in, "add", "-A")
        git(stand_in, "commit", "-q", "-m", "stand-in")
        git(stand_in, "tag", sha)  # act resolves the pinned commit as a ref name


def action_cache(cache: Path, lock: str, container_image: str | None = None) -> None:
    """Fill act's action cache `cache` for gobaseline/gobaseline@v1, .../container@v1 and what they call."""
    _stand_ins(cache)
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


def event(name: str, head: str, base: str, repo: str = "octo/hello") -> dict[str, Any]:
    """A push to main, or pull request 7 from branch feature into main."""
    owner, _, short = repo.partition("/")
    repository = {"full_name": repo, "name": short, "owner": {"login": owner}, "default_branch": "main"}
    if name == "push":
        return {"ref": "refs/heads/main", "before": "0" * 40, "after": head, "repository": repository}
    return {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": repo, "fork": False}},
            "base": {"sha": base, "ref": "main", "repo": {"full_name": repo}},
        },
        "repository": repository,
    }


def act_argv(
    name: str, payload: Path, *, runner: str, action_cache: Path, api_url: str, token: str,
    store: Path | None = None, env: dict[str, str] | None = None,
) -> list[str]:  # fmt: skip
    """act for event `name`, offline, through the podman socket, the workspace bound; `store`: the cache
    stand-in's store, mounted into the job container; `env`: more variables for the job."""
    argv = [
        "act", name, "-e", str(payload),
        "-P", f"ubuntu-latest={runner}",
        "--pull=false", "--action-offline-mode", "--action-cache-path", str(action_cache),
        "--container-daemon-socket", "-", "--network", "host", "--bind", "--rm", "--no-cache-server",
        "--env", f"GITHUB_API_URL={api_url}",
        "-s", f"GITHUB_TOKEN={token}",
    ]  # fmt: skip
    if store is not None:
        argv += ["--container-options", f"-v {store}:{store}", "--env", f"{CACHE_STORE}={store}"]
    for key, value in (env or {}).items():
        argv += ["--env", f"{key}={value}"]
    return argv
