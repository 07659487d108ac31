"""The policy in force on a change request is the target branch's (real git repositories in tmp dirs)."""

from __future__ import annotations

from pathlib import Path

from gobaseline.policy import Policy
from gobaseline.policy.in_force import policy_in_force
from tests.support.gitrepo import git

STRICT = "fail_on: warning\n"
LOOSE = "fail_on: never\n"


def repo_with_base(tmp_path: Path, base_policy: str | None) -> tuple[Path, str]:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "go.mod").write_text("module example.com/x\n", encoding="utf-8")
    if base_policy is not None:
        (root / ".gobaseline.yml").write_text(base_policy, encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root, git(root, "rev-parse", "HEAD")


def mr_env(base: str) -> dict[str, str]:
    return {"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "1", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base}


def test_change_that_relaxes_the_policy_gets_the_base_policy_and_gb001(tmp_path: Path) -> None:
    root, base = repo_with_base(tmp_path, STRICT)
    (root / ".gobaseline.yml").write_text(LOOSE, encoding="utf-8")
    policy, findings = policy_in_force(root, mr_env(base))
    assert policy.fail_on == "warning" and policy.source == f"base:{base}:.gobaseline.yml"
    (gb001,) = findings
    assert gb001.rule_id == "GB001" and gb001.severity.value == "warning"
    assert gb001.location is not None and (gb001.location.path, gb001.location.line) == (".gobaseline.yml", 1)


def test_unchanged_policy_has_no_findings(tmp_path: Path) -> None:
    root, base = repo_with_base(tmp_path, STRICT)
    policy, findings = policy_in_force(root, mr_env(base))
    assert policy.fail_on == "warning" and findings == []


def test_policy_added_by_the_change_is_not_in_force(tmp_path: Path) -> None:
    root, base = repo_with_base(tmp_path, None)
    (root / ".gobaseline.yml").write_text(LOOSE, encoding="utf-8")
    policy, findings = policy_in_force(root, mr_env(base))
    assert policy.fail_on == Policy().fail_on and policy.source == f"base:{base}"
    assert [f.rule_id for f in findings] == ["GB001"]
    assert "adds" in findings[0].message


def test_base_not_in_the_clone_fails_closed_with_gb002(tmp_path: Path) -> None:
    root, _ = repo_with_base(tmp_path, STRICT)
    (root / ".gobaseline.yml").write_text(LOOSE, encoding="utf-8")
    policy, findings = policy_in_force(root, mr_env("f" * 40))
    assert policy == Policy() and policy.fail_on != "never"  # the change's own policy never applies
    assert [(f.rule_id, f.severity.value) for f in findings] == [("GB002", "error")]


def test_given_policy_path_inside_the_repo_is_read_at_base(tmp_path: Path) -> None:
    root, _ = repo_with_base(tmp_path, None)
    (root / "ci").mkdir()
    (root / "ci" / "gate.yml").write_text(STRICT, encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "gate")
    base = git(root, "rev-parse", "HEAD")
    (root / "ci" / "gate.yml").write_text(LOOSE, encoding="utf-8")
    policy, findings = policy_in_force(root, mr_env(base), root / "ci" / "gate.yml")
    assert policy.fail_on == "warning" and findings[0].location is not None
    assert findings[0].location.path == "ci/gate.yml"


def test_outside_change_requests_the_working_tree_policy_is_used(tmp_path: Path) -> None:
    root, _ = repo_with_base(tmp_path, STRICT)
    (root / ".gobaseline.yml").write_text(LOOSE, encoding="utf-8")
    policy, findings = policy_in_force(root, {"GITLAB_CI": "true"})
    assert policy.fail_on == "never" and findings == []


def test_github_pull_request_reads_the_base_from_the_event(tmp_path: Path) -> None:
    import json

    root, base = repo_with_base(tmp_path, STRICT)
    (root / ".gobaseline.yml").write_text(LOOSE, encoding="utf-8")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 2, "base": {"sha": base}, "head": {"sha": "1" * 40}}}))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    policy, findings = policy_in_force(root, env)
    assert policy.fail_on == "warning" and [f.rule_id for f in findings] == ["GB001"]
