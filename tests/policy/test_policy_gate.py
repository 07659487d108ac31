"""A change can never weaken its own gate: each way a pull request, merge request or merge queue entry could try,
in a real git repository with a target branch and a change (shallow clones included)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gobaseline.errors import PolicyError
from gobaseline.model import Finding, Severity
from gobaseline.policy import Policy
from gobaseline.policy.in_force import change_base, policy_in_force
from tests.support.gitrepo import git

STRICT = "fail_on: warning\n"
LOOSE = "fail_on: never\n"
LOWERED = "fail_on: never\nseverity:\n  GB002: warning\n"


def write(root: Path, files: dict[str, str | None]) -> None:
    """Write files; None deletes one. A value starting with `-> ` makes a symbolic link to the rest."""
    for name, text in files.items():
        path = root / name
        if path.is_symlink() or path.is_file():
            path.unlink()
        if text is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if text.startswith("-> "):
            path.symlink_to(text[3:])
        else:
            path.write_text(text, encoding="utf-8")


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def base_and_change(tmp_path: Path, base: dict[str, str | None], change: dict[str, str | None]) -> tuple[Path, str]:
    """A repository whose `main` holds `base` and whose checked-out branch `change` edits it as `change` says."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"go.mod": "module example.com/x\n", **base})
    sha = commit(root, "base")
    git(root, "checkout", "-q", "-b", "change")
    write(root, change)
    commit(root, "change")
    return root, sha


def mr(base: str) -> dict[str, str]:
    return {"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "1", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base}


def github(tmp_path: Path, event_name: str, payload: dict[str, object]) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(event)}


def rules(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in findings]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        pytest.param({"weak.yml": LOOSE, ".gobaseline.yml": "-> weak.yml"}, "symbolic link", id="to-a-file-it-adds"),
        pytest.param({".gobaseline.yml": "-> examples/loose.yml"}, "symbolic link", id="to-a-weak-file-on-base"),
        pytest.param({".gobaseline.yml": "-> OUTSIDE"}, "symbolic link", id="to-a-file-outside"),
    ],
)
def test_a_policy_swapped_for_a_symlink_is_not_followed(
    tmp_path: Path, change: dict[str, str | None], words: str
) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text(LOOSE, encoding="utf-8")
    change = {k: (v.replace("OUTSIDE", str(outside)) if v else v) for k, v in change.items()}
    root, base = base_and_change(tmp_path, {".gobaseline.yml": STRICT, "examples/loose.yml": LOOSE}, change)
    assert (root / ".gobaseline.yml").is_symlink() and (root / ".gobaseline.yml").read_text() == LOOSE

    for given in (None, root / ".gobaseline.yml"):  # found in the module, or named with --policy
        policy, findings = policy_in_force(root, mr(base), given)
        assert policy.fail_on == "warning" and policy.source == f"base:{base}:.gobaseline.yml"
        assert rules(findings) == [("GB001", Severity.WARNING)]
        assert words in findings[0].message and ".gobaseline.yml" in findings[0].message


def test_a_symlink_on_the_base_is_refused_not_followed(tmp_path: Path) -> None:
    root, base = base_and_change(tmp_path, {"loose.yml": LOOSE, ".gobaseline.yml": "-> loose.yml"}, {})
    with pytest.raises(PolicyError, match=r"\.gobaseline\.yml@\w{12}: is a symbolic link on the target"):
        policy_in_force(root, mr(base))


def test_a_module_that_deletes_its_policy_keeps_it(tmp_path: Path) -> None:
    root, base = base_and_change(
        tmp_path, {".gobaseline.yml": LOOSE, "svc/go.mod": "module x/svc\n", "svc/.gobaseline.yml": STRICT},
        {"svc/.gobaseline.yml": None},
    )  # fmt: skip
    policy, findings = policy_in_force(root, mr(base), module_dir=root / "svc")
    assert policy.fail_on == "warning" and policy.source == f"base:{base}:svc/.gobaseline.yml"
    assert rules(findings) == [("GB001", Severity.WARNING)]
    assert "deletes svc/.gobaseline.yml" in findings[0].message
    assert findings[0].location is not None and findings[0].location.path == "svc/.gobaseline.yml"


def test_a_module_that_adds_a_policy_keeps_the_roots(tmp_path: Path) -> None:
    root, base = base_and_change(
        tmp_path, {".gobaseline.yml": STRICT, "svc/go.mod": "module x/svc\n"}, {"svc/.gobaseline.yml": LOOSE}
    )
    policy, findings = policy_in_force(root, mr(base), module_dir=root / "svc")
    assert policy.fail_on == "warning" and policy.source == f"base:{base}:.gobaseline.yml"
    assert rules(findings) == [("GB001", Severity.WARNING)] and "adds svc/.gobaseline.yml" in findings[0].message


def test_a_module_without_a_policy_of_its_own_gets_the_roots_and_no_finding(tmp_path: Path) -> None:
    root, base = base_and_change(tmp_path, {".gobaseline.yml": STRICT, "svc/go.mod": "module x/svc\n"}, {})
    policy, findings = policy_in_force(root, mr(base), module_dir=root / "svc")
    assert policy.fail_on == "warning" and findings == []


def test_a_module_directory_swapped_for_a_symlink_keeps_its_policy(tmp_path: Path) -> None:
    root, base = base_and_change(
        tmp_path,
        {"svc/go.mod": "module x/svc\n", "svc/.gobaseline.yml": STRICT, "lab/.gobaseline.yml": LOOSE},
        {"svc/go.mod": None, "svc/.gobaseline.yml": None, "lab/go.mod": "module x/svc\n"},
    )
    (root / "svc").rmdir()
    (root / "svc").symlink_to("lab")
    policy, findings = policy_in_force(root, mr(base), module_dir=root / "svc")
    assert policy.fail_on == "warning" and policy.source == f"base:{base}:svc/.gobaseline.yml"
    assert [f.location.path for f in findings if f.location] == ["svc/.gobaseline.yml"]


def test_the_pipeline_reads_the_policy_of_the_modules_directory(tmp_path: Path) -> None:
    from gobaseline.stages.context import policy_for

    root, base = base_and_change(
        tmp_path, {".gobaseline.yml": LOOSE, "svc/go.mod": "module x/svc\n", "svc/.gobaseline.yml": STRICT},
        {"svc/.gobaseline.yml": None},
    )  # fmt: skip
    policy, findings = policy_for(root / "svc", None, in_force=True, environ=mr(base))
    assert policy.fail_on == "warning" and rules(findings) == [("GB001", Severity.WARNING)]


def shallow(tmp_path: Path, base: dict[str, str | None], change: dict[str, str | None]) -> tuple[Path, str]:
    """A `git clone --depth 1` of the change branch: the base commit is not in it."""
    origin, sha = base_and_change(tmp_path, base, change)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "change", f"file://{origin}", str(clone))
    probe = subprocess.run(["git", "-C", str(clone), "cat-file", "-e", sha], check=False, capture_output=True)
    assert probe.returncode != 0
    return clone, sha


def test_a_shallow_clone_fetches_the_base_commit(tmp_path: Path) -> None:
    clone, base = shallow(tmp_path, {".gobaseline.yml": STRICT}, {".gobaseline.yml": LOOSE})
    policy, findings = policy_in_force(clone, mr(base))
    assert policy.fail_on == "warning" and policy.source == f"base:{base}:.gobaseline.yml"
    assert rules(findings) == [("GB001", Severity.WARNING)]
    assert git(clone, "cat-file", "-t", base) == "commit"


def unreachable(clone: Path) -> None:
    git(clone, "remote", "set-url", "origin", f"file://{clone.parent / 'gone'}")


def test_a_base_that_cannot_be_fetched_fails_closed(tmp_path: Path) -> None:
    clone, base = shallow(tmp_path, {".gobaseline.yml": STRICT}, {".gobaseline.yml": LOOSE})
    unreachable(clone)
    policy, findings = policy_in_force(clone, mr(base))
    assert policy == Policy() and policy.source == "default"  # not the change's fail_on: never
    assert rules(findings) == [("GB002", Severity.ERROR)]
    assert base[:12] in findings[0].message and "not admitted" in findings[0].message


def test_a_policy_that_lowers_gb002_is_used_when_the_base_cannot_be_fetched(tmp_path: Path) -> None:
    clone, base = shallow(tmp_path, {".gobaseline.yml": LOWERED}, {"main.go": "package main\n"})
    unreachable(clone)
    policy, findings = policy_in_force(clone, mr(base))
    assert policy.fail_on == "never" and policy.source == ".gobaseline.yml"
    assert rules(policy.apply(findings)) == [("GB002", Severity.WARNING)]


def test_a_symlinked_policy_is_never_read_when_the_base_is_missing(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text(LOWERED, encoding="utf-8")
    clone, base = shallow(tmp_path, {".gobaseline.yml": STRICT}, {".gobaseline.yml": f"-> {outside}"})
    unreachable(clone)
    policy, findings = policy_in_force(clone, mr(base))
    assert policy == Policy() and rules(policy.apply(findings)) == [("GB002", Severity.ERROR)]


def test_a_pull_request_event_without_a_base_fails_closed(tmp_path: Path) -> None:
    root, _ = base_and_change(tmp_path, {".gobaseline.yml": STRICT}, {".gobaseline.yml": LOOSE})
    env = github(tmp_path, "pull_request", {"pull_request": {"number": 3, "head": {"sha": "1" * 40}}})
    policy, findings = policy_in_force(root, env)
    assert policy == Policy() and rules(findings) == [("GB002", Severity.ERROR)]
    assert "names no target commit" in findings[0].message


def test_a_merge_queue_entry_gets_the_merge_groups_base(tmp_path: Path) -> None:
    root, base = base_and_change(tmp_path, {".gobaseline.yml": STRICT}, {".gobaseline.yml": LOOSE})
    head = git(root, "rev-parse", "HEAD")
    env = github(tmp_path, "merge_group", {"merge_group": {"base_sha": base, "head_sha": head}})
    assert change_base(env) == base
    policy, findings = policy_in_force(root, env)
    assert policy.fail_on == "warning" and policy.source == f"base:{base}:.gobaseline.yml"
    assert rules(findings) == [("GB001", Severity.WARNING)]


def test_a_gitlab_merged_results_pipeline_uses_the_target_branch_head(tmp_path: Path) -> None:
    root, fork_point = base_and_change(tmp_path, {".gobaseline.yml": LOOSE}, {"main.go": "package main\n"})
    git(root, "checkout", "-q", "main")
    write(root, {".gobaseline.yml": STRICT})
    target = commit(root, "tighten")
    git(root, "merge", "-q", "--no-edit", "change")  # the merged-results checkout: target + change
    env = {**mr(fork_point), "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": target}
    policy, findings = policy_in_force(root, env)
    assert policy.fail_on == "warning" and policy.source == f"base:{target}:.gobaseline.yml" and findings == []
    # A plain merge request pipeline has only the merge base.
    assert change_base(mr(fork_point)) == fork_point


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({}, id="local"),
        pytest.param({"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push"}, id="gitlab-push"),
        pytest.param({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}, id="github-push"),
    ],
)
def test_outside_a_change_the_modules_working_tree_policy_applies(tmp_path: Path, env: dict[str, str]) -> None:
    root, _ = base_and_change(tmp_path, {".gobaseline.yml": STRICT, "svc/.gobaseline.yml": STRICT}, {})
    write(root, {"svc/.gobaseline.yml": LOOSE})
    assert change_base(env) is None
    policy, findings = policy_in_force(root, env, module_dir=root / "svc")
    assert policy.fail_on == "never" and policy.source == "svc/.gobaseline.yml" and findings == []
    policy, _ = policy_in_force(root, env, module_dir=root / "lib")
    assert policy.fail_on == "warning" and policy.source == ".gobaseline.yml"


@pytest.mark.parametrize("bad", ["--upload-pack=touch /tmp/x", "HEAD~1", "main", "f" * 39])
def test_a_base_that_is_not_a_commit_id_is_never_passed_to_git(tmp_path: Path, bad: str) -> None:
    root, _ = base_and_change(tmp_path, {".gobaseline.yml": STRICT}, {})
    assert change_base(mr(bad)) == ""
    policy, findings = policy_in_force(root, mr(bad))
    assert policy == Policy() and rules(findings) == [("GB002", Severity.ERROR)]
