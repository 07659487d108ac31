"""GitLab CI's context: the predefined variables, no API calls.

In merged-results pipelines CI_COMMIT_SHA is a merge commit nobody sees, so statuses go to the source head.
"""

from __future__ import annotations

from collections.abc import Mapping

from gobaseline.forges.context import CIContext, ForgeKind

TOKEN_VAR = "GOBASELINE_GITLAB_TOKEN"  # noqa: S105 (a variable name, not a secret)


def read(env: Mapping[str, str], token_var: str | None = None) -> CIContext | None:
    """The context of a GitLab CI job, or None when `env` is not one."""
    if env.get("GITLAB_CI") != "true":
        return None
    return _gitlab(env, token_var or TOKEN_VAR)


def _blob_url(project_url: str, sha: str) -> str:
    """`https://host/group/project/-/blob/SHA/`: the checked commit's files (CI_COMMIT_SHA, the merge result in
    merged-results pipelines, whose lines are the ones reported)."""
    return f"{project_url.rstrip('/')}/-/blob/{sha}/" if project_url and sha else ""


def _gitlab(env: Mapping[str, str], token_var: str) -> CIContext:
    sha = env.get("CI_COMMIT_SHA", "")
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    number = int(iid) if iid.isdigit() else None
    # In merged-results pipelines CI_COMMIT_SHA is a merge commit nobody sees; statuses belong on the source
    # head.
    head_sha = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or sha
    source_project = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "")
    target_project = env.get("CI_MERGE_REQUEST_PROJECT_ID", "")
    pipeline = env.get("CI_PIPELINE_ID", "")
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
        blob_url=_blob_url(env.get("CI_PROJECT_URL", ""), sha),
        # GitLab puts a status in the newest pipeline of its commit unless told which; a merged-results pipeline
        # runs on a merge commit, so the source head's status cannot join it and names no pipeline.
        pipeline_id=int(pipeline) if pipeline.isdigit() and head_sha == sha else None,
        token_var=token_var,
        token=env.get(token_var, ""),
    )
