"""GitHub Actions' CI context: the environment and the event payload (GITHUB_EVENT_PATH), no API calls.

Check runs and statuses belong to the pull request's head, not GitHub's temporary merge commit; SARIF names the
merge commit and `refs/pull/N/merge`; a `workflow_run` publishes for the run that triggered it.

The payload is untrusted input: a value of the wrong type (a list, a string or null where an object is
expected, a string number, a SHA that is not one) counts as missing, and `event_problem` says why the payload
could not be used. A pull request event stays a change without a base commit (the policy then fails closed);
a `workflow_run` without a usable pull request is not a change, and without its head commit nothing is posted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gobaseline import safefs
from gobaseline.errors import GobaselineError
from gobaseline.forges.context import CIContext, ForgeKind

TOKEN_VAR = "GITHUB_TOKEN"  # noqa: S105 (a variable name, not a secret)
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def read(env: Mapping[str, str], token_var: str | None = None) -> CIContext | None:
    """The context of a GitHub Actions job, or None when `env` is not one."""
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    return _github(env, token_var or TOKEN_VAR)


def _load_event(path: str) -> tuple[dict[str, Any], str]:
    """The event payload and, when it cannot be used, why: ({}, reason) for a file that cannot be read (a FIFO or
    a device is refused, not waited on), is not JSON, is nested too deeply or is not an object."""
    if not path:
        return {}, ""
    try:
        data = json.loads(safefs.read_text(Path(path), limit=safefs.TEXT_LIMIT, what="event payload"))
    except GobaselineError as e:
        return {}, e.explain()
    except json.JSONDecodeError as e:
        return {}, f"{path}: the event payload is not JSON ({e.msg} at line {e.lineno})"
    except RecursionError:
        return {}, f"{path}: the event payload is nested too deeply"
    if not isinstance(data, dict):
        return {}, f"{path}: the event payload is {type(data).__name__}, not an object"
    return data, ""


def _dig(data: Any, *keys: str) -> Any:
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _text(data: Any, *keys: str) -> str:
    """The string at `keys`, "" for anything else (missing, null, a number, a list, an object)."""
    value = _dig(data, *keys) if keys else data
    return value if isinstance(value, str) else ""


def _sha(data: Any, *keys: str) -> str:
    """The commit SHA at `keys`, "" when it is not one."""
    value = _text(data, *keys)
    return value if _SHA.fullmatch(value) else ""


def _number(data: Any, *keys: str) -> int | None:
    """The pull request number at `keys`: a positive integer (not a bool, a string or a float), else None."""
    value = _dig(data, *keys)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _github(env: Mapping[str, str], token_var: str) -> CIContext:
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event, problem = _load_event(env.get("GITHUB_EVENT_PATH", ""))
    repo = env.get("GITHUB_REPOSITORY", "")
    sha = env.get("GITHUB_SHA", "")
    ref = env.get("GITHUB_REF", "")
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID", "")
    head_sha, sarif_sha, sarif_ref, base_sha = sha, sha, ref, ""
    number: int | None = None
    is_fork = False

    pr = event.get("pull_request")
    if event_name in PR_EVENTS:
        # A payload without a usable pull request is still a change: no base commit, so the policy fails closed.
        number = _number(pr, "number")
        head_sha = _sha(pr, "head", "sha") or sha
        base_sha = _sha(pr, "base", "sha")
        if not isinstance(pr, Mapping):
            problem = problem or "the event payload has no pull_request object"
        # A deleted fork has head.repo null: treat it as a fork, its token is read-only all the same.
        is_fork = _text(pr, "head", "repo", "full_name") != (_text(pr, "base", "repo", "full_name") or repo)
        if event_name == "pull_request":
            # GITHUB_SHA is the temporary merge commit; code scanning wants it with refs/pull/N/merge.
            sarif_ref = ref if ref.startswith("refs/pull/") else (f"refs/pull/{number}/merge" if number else "")
        else:
            # pull_request_target runs on the base branch: name the PR head, not the base branch.
            sarif_sha, sarif_ref = head_sha, (f"refs/pull/{number}/head" if number else "")
    elif event_name == "workflow_run":
        # Publishing afterwards for another run (the fork pattern in docs/forks.md). GITHUB_SHA is the default
        # branch's head, not the commit that run checked: without the run's own head_sha nothing is posted.
        run = event.get("workflow_run")
        head_sha = sarif_sha = _sha(run, "head_sha")
        if not head_sha:
            problem = problem or "the workflow_run payload names no head commit (workflow_run.head_sha)"
        prs = _dig(run, "pull_requests")
        first = prs[0] if isinstance(prs, list) and prs else None
        number = _number(first, "number")
        branch = _text(run, "head_branch")
        if number is not None:
            sarif_ref = f"refs/pull/{number}/head"
            base_sha = _sha(first, "base", "sha")
        elif branch and _dig(run, "head_repository", "full_name") in (None, repo):
            sarif_ref = f"refs/heads/{branch}"
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
        event_problem=problem,
    )
