"""The policy in force on a pull or merge request is the target branch's: a change cannot relax its gate.

On a change-request pipeline the policy file is read with `git show <base sha>:<path>`. When that commit is
not in
the clone (a shallow fetch) the given policy file, else the working tree's, is used with a GB002 note. When
the
change edits the policy, GB001 says so at the policy file's first line; the edit applies once it is merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from gobaseline import git
from gobaseline.forges import detect
from gobaseline.model import Finding, Location
from gobaseline.policy import POLICY_FILENAME, Policy, load, parse


def _relative(path: Path | None, root: Path) -> str | None:
    """The policy path relative to the repository root (forward slashes), or None when it lies outside."""
    if path is None:
        return POLICY_FILENAME
    candidate = path if path.is_absolute() else root / path
    try:
        return candidate.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def read_at(root: Path, sha: str, rel: str) -> str | None:
    """The file `rel` at commit `sha`: its text, "" when the commit has no such file, None when the commit is
    not in the clone (or git cannot run)."""
    if not git.has_commit(root, sha):
        return None
    shown = git.show(root, sha, rel)
    if shown is None:
        return ""
    try:
        return shown.decode("utf-8")
    except UnicodeDecodeError:
        return None


def policy_in_force(
    repo_root: Path, environ: Mapping[str, str], given: Path | None = None
) -> tuple[Policy, list[Finding]]:
    """The policy for this run and the GB001/GB002 findings about where it came from.

    `given` is the policy file named on the command line (None: `.gobaseline.yml` in the repository, if any).
    """
    from gobaseline.rules import rule

    ctx = detect(environ)
    rel = _relative(given, repo_root)
    if not (ctx.is_change_request and ctx.base_sha) or rel is None:
        # Not a change under review, or a policy from outside the repository the change cannot edit.
        return load(given, repo_root), []

    base_text = read_at(repo_root, ctx.base_sha, rel)
    if base_text is None:
        note = rule("GB002").finding(
            f"The base commit {ctx.base_sha[:12]} is not in this clone, so {rel} from the working tree is "
            f"used; "
            "fetch the full history (fetch-depth: 0 or GIT_DEPTH: 0) to enforce the target branch's policy.",
            Location(rel, 1),
        )
        return load(given, repo_root), [note]

    working = repo_root / rel
    try:
        work_text: str | None = working.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        work_text = None
    findings: list[Finding] = []
    if (work_text or "") != base_text:
        what = "adds" if not base_text else ("deletes" if work_text is None else "changes")
        findings.append(
            rule("GB001").finding(
                f"This change {what} {rel}; the target branch's policy ({ctx.base_sha[:12]}) is in force for "
                f"this "
                "run. Get the policy change reviewed on its own; it applies once merged.",
                Location(rel, 1),
            )
        )
    source = f"base:{ctx.base_sha}"
    policy = parse(base_text, f"{rel}@{ctx.base_sha[:12]}") if base_text else Policy()
    return replace(policy, source=source), findings
