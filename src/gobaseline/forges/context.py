"""The CI context, read from the environment and the event payload only: no API calls.

Which forge runs us, where its API is, which commit a check run or status belongs to (the pull request's head,
not
GitHub's temporary merge commit), where SARIF goes (the merge commit and `refs/pull/N/merge`), the base commit
of
the change, whether it comes from a fork, and the token (never printed; see `publish`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

GITHUB_TOKEN_VAR = "GITHUB_TOKEN"  # noqa: S105 (a variable name, not a secret)
GITLAB_TOKEN_VAR = "GOBASELINE_GITLAB_TOKEN"  # noqa: S105
GITHUB_PR_EVENTS = frozenset({"pull_request", "pull_request_target"})


class ForgeKind(StrEnum):
    """Where the job runs."""

    GITHUB = "github"
    GITLAB = "gitlab"
    NONE = "none"


@dataclass(frozen=True)
class CIContext:
    """What publishing needs to know about this job. Empty strings mean "not known here"."""

    forge: ForgeKind
    api_url: str = ""
    repo: str = ""
    """`owner/name` on GitHub, the numeric project id on GitLab."""
    event_name: str = ""
    """GitHub: GITHUB_EVENT_NAME; GitLab: CI_PIPELINE_SOURCE."""
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The GitHub event payload (GITHUB_EVENT_PATH), {} elsewhere."""
    head_sha: str = ""
    """The commit check runs and statuses belong to: the pull request's head, or the MR's source branch
    head."""
    sarif_sha: str = ""
    """The commit a SARIF upload names: GITHUB_SHA (the merge commit on pull_request events)."""
    sarif_ref: str = ""
    """The ref a SARIF upload names: `refs/pull/N/merge` on pull_request events, GITHUB_REF otherwise."""
    base_sha: str = ""
    """The target branch's commit for pull/merge requests, "" otherwise."""
    change_number: int | None = None
    """The pull request number or the merge request IID."""
    is_fork: bool = False
    """The change comes from another repository or project: its token cannot write here."""
    run_url: str = ""
    """The job or workflow run page, for target_url and details_url."""
    run_attempt: str = ""
    """GITHUB_RUN_ATTEMPT: a re-run of the workflow gets a check run of its own."""
    token_var: str = ""
    token: str = field(default="", repr=False)
    """The API token's value. Never printed, logged or written; `publish` masks it first."""

    @property
    def is_change_request(self) -> bool:
        """A pull request or merge request pipeline."""
        return self.change_number is not None


def detect(environ: Mapping[str, str], *, token_var: str | None = None) -> CIContext:
    """The context of the job whose environment is `environ`. `token_var` names the token's variable."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return _github(environ, token_var or GITHUB_TOKEN_VAR)
    if environ.get("GITLAB_CI") == "true":
        return _gitlab(environ, token_var or GITLAB_TOKEN_VAR)
    return CIContext(ForgeKind.NONE)


def _load_event(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
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
    if event_name in GITHUB_PR_EVENTS and isinstance(pr, Mapping):
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
        run_attempt=env.get("GITHUB_RUN_ATTEMPT", ""),
        token_var=token_var,
        token=env.get(token_var, ""),
    )


def _gitlab(env: Mapping[str, str], token_var: str) -> CIContext:
    sha = env.get("CI_COMMIT_SHA", "")
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    number = int(iid) if iid.isdigit() else None
    # In merged-results pipelines CI_COMMIT_SHA is a merge commit nobody sees; statuses belong on the source
    # head.
    head_sha = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or sha
    source_project = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "")
    target_project = env.get("CI_MERGE_REQUEST_PROJECT_ID", "")
    return CIContext(
        forge=ForgeKind.GITLAB,
        api_url=env.get("CI_API_V4_URL", "").rstrip("/"),
        repo=env.get("CI_PROJECT_ID", ""),
        event_name=env.get("CI_PIPELINE_SOURCE", ""),
        head_sha=head_sha,
        sarif_sha=sha,
        sarif_ref=env.get("CI_COMMIT_REF_NAME", ""),
        base_sha=env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", "") if number is not None else "",
        change_number=number,
        is_fork=bool(number is not None and source_project and target_project and source_project != target_project),
        run_url=env.get("CI_JOB_URL", ""),
        token_var=token_var,
        token=env.get(token_var, ""),
    )
