"""GitHub Actions' CI context: the environment and the event payload (GITHUB_EVENT_PATH), no API calls.

Check runs and statuses belong to the pull request's head, not GitHub's temporary merge commit; SARIF names the
merge commit and `refs/pull/N/merge`; a `workflow_run` publishes for the run that triggered it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gobaseline import safefs
from gobaseline.errors import GobaselineError
from gobaseline.forges.context import CIContext, ForgeKind

TOKEN_VAR = "GITHUB_TOKEN"  # noqa: S105 (a variable name, not a secret)
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})


def read(env: Mapping[str, str], token_var: str | None = None) -> CIContext | None:
    """The context of a GitHub Actions job, or None when `env` is not one."""
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    return _github(env, token_var or TOKEN_VAR)


def _load_event(path: str) -> dict[str, Any]:
    """The event payload; {} when there is none or it cannot be read (a FIFO or a device is refused, not
    waited on)."""
    if not path:
        return {}
    try:
        data = json.loads(safefs.read_text(Path(path), limit=safefs.TEXT_LIMIT, what="event payload"))
    except (GobaselineError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _dig(data: Mapping[str, Any], *keys: str) -> Any:
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _github(env: Mapping[str, str], token_var: str) -> CIContext:
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event = _load_event(env.get("GITHUB_EVENT_PATH", ""))
    repo = env.get("GITHUB_REPOSITORY", "")
    sha = env.get("GITHUB_SHA", "")
    ref = env.get("GITHUB_REF", "")
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID", "")
    head_sha, sarif_sha, sarif_ref, base_sha = sha, sha, ref, ""
    number: int | None = None
    is_fork = False

    pr = event.get("pull_request")
    if event_name in PR_EVENTS and isinstance(pr, Mapping):
        number = int(pr["number"]) if isinstance(pr.get("number"), int) else None
        head_sha = str(_dig(pr, "head", "sha") or sha)
        base_sha = str(_dig(pr, "base", "sha") or "")
        head_repo = _dig(pr, "head", "repo", "full_name")
        base_repo = _dig(pr, "base", "repo", "full_name") or repo
        # A deleted fork has head.repo null: treat it as a fork, its token is read-only all the same.
        is_fork = head_repo != base_repo
        if event_name == "pull_request":
            # GITHUB_SHA is the temporary merge commit; code scanning wants it with refs/pull/N/merge.
            sarif_ref = ref if ref.startswith("refs/pull/") else f"refs/pull/{number}/merge"
        else:
            # pull_request_target runs on the base branch: name the PR head, not the base branch.
            sarif_sha, sarif_ref = head_sha, f"refs/pull/{number}/head"
    elif event_name == "workflow_run":
        run = event.get("workflow_run")
        if isinstance(run, Mapping):
            # Publishing afterwards for another run (the fork pattern in docs/forks.md).
            head_sha = sarif_sha = str(run.get("head_sha") or sha)
            prs = run.get("pull_requests") or []
            if prs and isinstance(prs[0], Mapping) and isinstance(prs[0].get("number"), int):
                number = prs[0]["number"]
                sarif_ref = f"refs/pull/{number}/head"
                base_sha = str(_dig(prs[0], "base", "sha") or "")
            elif run.get("head_branch") and _dig(run, "head_repository", "full_name") in (None, repo):
                sarif_ref = f"refs/heads/{run['head_branch']}"
            else:
                # A fork's branch name means nothing here (its `main` is not ours): no ref to file SARIF under.
                sarif_ref = ""
    return CIContext(
        forge=ForgeKind.GITHUB,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        repo=repo,
        event_name=event_name,
        event=event,
        head_sha=head_sha,
        sarif_sha=sarif_sha,
        sarif_ref=sarif_ref,
        base_sha=base_sha,
        change_number=number,
        is_fork=is_fork,
        run_url=f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else "",
        blob_url=f"{server}/{repo}/blob/{sarif_sha}/" if repo and sarif_sha else "",
        run_attempt=env.get("GITHUB_RUN_ATTEMPT", ""),
        token_var=token_var,
        token=env.get(token_var, ""),
    )
