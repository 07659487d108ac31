"""A fleet adopts the gate on a real git repository: red, `gobaseline baseline`, green with notes; on a merge
request a new violation still blocks (even when the change accepts it itself), an expired entry blocks again, a
stale entry is reported, and `--new-only` demotes what the change did not touch."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gobaseline.cli import main
from gobaseline.model import ExitCode
from tests.support.gitrepo import git

GOMOD = """module example.com/app

go 1.19

replace example.com/a => example.com/fork v1.0.0
"""
NEW_REPLACE = "replace example.com/c => example.com/fork v1.0.0\n"
TARGETS = ["--targets", "linux/amd64"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]) -> pytest.MonkeyPatch:
    """No CI variables of this machine; the isolated Go environment."""
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "GITLAB_", "CI_", "GOBASELINE_", "GO", "INPUT_")) or key == "CI":
            monkeypatch.delenv(key, raising=False)
    for key, value in go_env.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


@pytest.fixture
def repo(tmp_path: Path, env: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "go.mod").write_text(GOMOD, encoding="utf-8")
    (root / "main.go").write_text("package main\n\nfunc main() {}\n", encoding="utf-8")
    (root / ".gitignore").write_text("gobaseline-out/\nreports/\n", encoding="utf-8")
    commit(root, "debt")
    return root


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def check(root: Path, *more: str) -> tuple[int, dict[tuple[str, str], dict[str, Any]]]:
    """`gobaseline check`: the exit code and the findings by (rule, severity) of its JSON report."""
    out = root.parent / "reports"
    code = main(["check", str(root), *TARGETS, "--format", "json", "--output-dir", str(out), *more])
    return code, findings_of(out / "report.json")


def change_request(root: Path, env: pytest.MonkeyPatch, base: str, *more: str) -> tuple[int, dict[Any, Any]]:
    """`gobaseline run` (no build, nothing posted) in a GitLab merge request pipeline whose base is `base`."""
    for key, value in {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "1",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
    }.items():
        env.setenv(key, value)
    code = main(["run", str(root), *TARGETS, "--no-build", "--no-publish", *more])
    return code, findings_of(root / "gobaseline-out" / "reports" / "report.json")


def findings_of(report: Path) -> dict[tuple[str, str], dict[str, Any]]:
    data = json.loads(report.read_text(encoding="utf-8"))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for f in data["findings"]:
        if f["rule_id"].startswith("GB4") or f["rule_id"].startswith("GB0"):
            out[(f["rule_id"], f["message"].split()[1].strip("`"))] = f
    return out


def severities(findings: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {k: f["severity"] for k, f in findings.items()}


def accept(root: Path, *more: str) -> dict[str, Any]:
    assert main(["baseline", str(root), *TARGETS, *more]) == ExitCode.PASS
    data: dict[str, Any] = json.loads((root / ".gobaseline-baseline.json").read_text(encoding="utf-8"))
    return data


def test_red_then_baseline_then_green_with_owned_and_dated_notes(repo: Path) -> None:
    code, found = check(repo)
    assert code == ExitCode.ERRORS
    assert sorted(f["rule_id"] for f in found.values()) == ["GB402", "GB404"]

    data = accept(repo, "--owner", "platform", "--ticket", "OPS-1", "--expires", "2999-12-31")
    assert [(e["rule"], e["file"], e["line"], e["owner"], e["ticket"], e["expires"]) for e in data["entries"]] == [
        ("GB402", "go.mod", 3, "platform", "OPS-1", "2999-12-31"),
        ("GB404", "go.mod", 5, "platform", "OPS-1", "2999-12-31"),
    ]
    code, found = check(repo)
    assert code in (ExitCode.PASS, ExitCode.WARNINGS)  # system-disk warnings on a one-disk machine
    assert {f["severity"] for f in found.values()} == {"note"}
    assert all("Accepted until 2999-12-31 (platform, OPS-1)" in f["message"] for f in found.values())

    # A second `gobaseline baseline` keeps what the entries say; new entries get the new owner.
    (repo / "go.mod").write_text(GOMOD + NEW_REPLACE, encoding="utf-8")
    data = accept(repo, "--owner", "other")
    assert [e.get("owner") for e in data["entries"]] == ["platform", "platform", "other"]


def test_on_a_merge_request_a_new_violation_blocks_even_when_the_change_accepts_it(
    repo: Path, env: pytest.MonkeyPatch
) -> None:
    accept(repo, "--owner", "platform", "--expires", "2999-12-31")
    base = commit(repo, "accept today's debt")
    git(repo, "checkout", "-q", "-b", "change")
    moved = "// a header a person added\n\n" + GOMOD.replace("\ngo 1.19", "\n// why\ngo 1.19") + NEW_REPLACE
    (repo / "go.mod").write_text(moved, encoding="utf-8")
    accept(repo, "--owner", "me")  # the change tries to accept its own new finding
    commit(repo, "add a replace")

    code, found = change_request(repo, env, base)
    assert code == ExitCode.ERRORS
    assert severities(found) == {
        ("GB402", "1.19"): "note",  # moved, still accepted
        ("GB404", "example.com/a"): "note",
        ("GB404", "example.com/c"): "error",  # the target's baseline lacks it
        ("GB006", "change"): "warning",  # and the reviewer is told the change edits the baseline
    }
    edited = found[("GB006", "change")]
    assert edited["location"] == {"path": ".gobaseline-baseline.json", "line": 1}
    assert edited["message"].startswith(
        f"This change changes .gobaseline-baseline.json; the target's baseline ({base[:12]})"
    )


def test_a_change_that_deletes_the_baseline_is_told_so_and_the_target_s_entries_still_apply(
    repo: Path, env: pytest.MonkeyPatch
) -> None:
    accept(repo, "--owner", "platform", "--expires", "2999-12-31")
    base = commit(repo, "accept today's debt")
    git(repo, "checkout", "-q", "-b", "change")
    (repo / ".gobaseline-baseline.json").unlink()
    commit(repo, "drop the baseline")

    code, found = change_request(repo, env, base, "--new-only")  # new_only does not demote what the change did
    assert severities(found) == {
        ("GB402", "1.19"): "note",
        ("GB404", "example.com/a"): "note",
        ("GB006", "change"): "warning",
    }
    assert "This change deletes .gobaseline-baseline.json" in found[("GB006", "change")]["message"]
    assert code == ExitCode.WARNINGS

    # Outside a change nothing is compared: the working tree's (absent) baseline applies, without GB006.
    code, found = check(repo)
    assert ("GB006", "change") not in found and code == ExitCode.ERRORS


def test_an_expired_entry_blocks_again_and_says_so(repo: Path) -> None:
    data = accept(repo, "--owner", "platform", "--ticket", "OPS-1")
    for entry in data["entries"]:
        entry["expires"] = "2001-02-03"
    (repo / ".gobaseline-baseline.json").write_text(json.dumps(data), encoding="utf-8")
    code, found = check(repo)
    assert code == ExitCode.ERRORS
    assert {f["severity"] for f in found.values()} == {"error"}
    assert all("baseline entry (platform, OPS-1) expired on 2001-02-03" in f["message"] for f in found.values())


def test_a_stale_entry_is_reported_so_the_file_shrinks(repo: Path) -> None:
    accept(repo)
    (repo / "go.mod").write_text(GOMOD.replace("go 1.19", "go 1.27"), encoding="utf-8")
    code, found = check(repo)
    assert code == ExitCode.WARNINGS
    [stale] = [f for f in found.values() if f["rule_id"] == "GB005"]
    assert stale["severity"] == "warning" and "for GB402 at go.mod" in stale["message"]
    assert stale["location"] == {"path": ".gobaseline-baseline.json", "line": 5}
    assert len(accept(repo)["entries"]) == 1


def test_new_only_demotes_findings_on_lines_the_change_did_not_touch(repo: Path, env: pytest.MonkeyPatch) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "go.mod").write_text("// header\n" + GOMOD + NEW_REPLACE, encoding="utf-8")
    commit(repo, "add a replace")

    code, found = change_request(repo, env, base)
    assert code == ExitCode.ERRORS and set(severities(found).values()) == {"error"}
    code, found = change_request(repo, env, base, "--new-only")
    assert code == ExitCode.ERRORS
    assert severities(found) == {
        ("GB402", "1.19"): "note",
        ("GB404", "example.com/a"): "note",
        ("GB404", "example.com/c"): "error",
    }
    assert "did not touch (new_only)" in found[("GB402", "1.19")]["message"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", ".gobaseline-baseline.json:1: not JSON"),
        ('{"entries": [{"rule": "GB402"}]}', "entries[0]: key fingerprint: required"),
        ('{"entries": [{"fingerprint": "f", "rule": "GB402", "expires": "soon"}]}', "entries[0]: key expires"),
    ],
)
def test_a_bad_baseline_file_is_one_line_naming_the_file_and_entry_exit_3(
    repo: Path, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    (repo / ".gobaseline-baseline.json").write_text(text, encoding="utf-8")
    assert main(["check", str(repo), *TARGETS]) == ExitCode.INTERNAL
    [line] = [x for x in capsys.readouterr().err.splitlines() if x.startswith("gobaseline: error")]
    assert words in line
