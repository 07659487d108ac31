"""The forge-neutral CI context: what publishing needs to know about the job, read without API calls.

Each forge reads its own environment (`forges.github.context`, `forges.gitlab.context`); `gobaseline.forges.detect`
asks them in turn. The token is carried but never printed (see `forges.publishing`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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
    blob_url: str = ""
    """Where the checked commit's files are shown on the forge, ending in `/`: `PATH#LLINE` is a line of PATH."""
    run_attempt: str = ""
    """GITHUB_RUN_ATTEMPT: a re-run of the workflow gets a check run of its own."""
    pipeline_id: int | None = None
    """GitLab: CI_PIPELINE_ID when the status goes to the pipeline's own commit, so that it joins this pipeline
    and not another one on the same commit (a merged-results pipeline's commit is not the source head)."""
    token_var: str = ""
    token: str = field(default="", repr=False)
    """The API token's value. Never printed, logged or written; `publish` masks it first."""
    event_problem: str = ""
    """Why the event payload could not be used (unreadable, not JSON, a value of the wrong type), "" when it
    could."""

    @property
    def is_change_request(self) -> bool:
        """A pull request or merge request pipeline."""
        return self.change_number is not None
