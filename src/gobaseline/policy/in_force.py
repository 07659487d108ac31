"""The policy in force on a change is its target's: a pull request, merge request or merge queue entry cannot
weaken the gate that checks it.

On a change the policy is read from the git objects of the target's commit (`ls-tree` for the mode, then the
blob), for the module's directory: `<module>/.gobaseline.yml`, else the root `.gobaseline.yml`, else the
defaults. A symbolic link there is refused, never followed. A base commit missing from a shallow clone is
fetched (`git fetch --depth=1 origin <sha>`); when that fails the run fails closed with a GB002 error, unless
the policy lowers GB002. Every difference between a policy file on the base and in the working tree (an edit,
an addition, a deletion, a swap for a symbolic link) is a GB001 finding; the change's version never applies.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gobaseline import git, safefs
from gobaseline.errors import GobaselineError, PolicyError
from gobaseline.forges import detect
from gobaseline.forges.context import ForgeKind
from gobaseline.model import Finding, Location, Severity
from gobaseline.policy import POLICY_FILENAME, Policy, document, load, parse

_PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


@dataclass(frozen=True)
class _State:
    """A policy path as a tree holds it: `absent`, `file`, `link` (data: the link's target) or `other`."""

    kind: str
    data: bytes = b""


_ABSENT = _State("absent")


def change_base(environ: Mapping[str, str]) -> str | None:
    """The target's commit on a change event; "" when the event is a change but names no valid commit; None when
    the run is not a change (a push, a schedule, a local run).

    GitHub: the pull request's `base.sha`, the merge group's `base_sha`. GitLab: the target branch head of a
    merged-results pipeline (`CI_MERGE_REQUEST_TARGET_BRANCH_SHA`: the checkout is the merge with it), else the
    merge base (`CI_MERGE_REQUEST_DIFF_BASE_SHA`: the checkout is the source branch).
    """
    ctx = detect(environ)
    if ctx.forge is ForgeKind.GITHUB and ctx.event_name == "merge_group":
        group = ctx.event.get("merge_group")
        base: Any = group.get("base_sha") if isinstance(group, Mapping) else None
    elif ctx.forge is ForgeKind.GITHUB and ctx.event_name in _PULL_REQUEST_EVENTS:
        base = ctx.base_sha  # an unreadable payload is still a change
    elif ctx.forge is ForgeKind.GITLAB and (ctx.is_change_request or ctx.event_name == "merge_request_event"):
        base = environ.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA") or environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
    elif ctx.is_change_request:  # a workflow_run for a pull request
        base = ctx.base_sha
    else:
        return None
    return base if isinstance(base, str) and git.is_sha(base) else ""


def policy_in_force(
    repo_root: Path, environ: Mapping[str, str], given: Path | None = None, *, module_dir: Path | None = None
) -> tuple[Policy, list[Finding]]:
    """The policy for this run and the GB001/GB002 findings about where it came from.

    `given` is the policy file named on the command line; without it the module's `.gobaseline.yml`, else the
    repository's, applies. `module_dir` defaults to `repo_root`.
    """
    module_dir = module_dir or repo_root
    base = change_base(environ)
    paths = _candidates(repo_root, module_dir, given)
    if base is None or paths is None:
        # Not a change under review, or a policy from outside the repository the change cannot edit.
        return _working_policy(repo_root, module_dir, given), []
    if base and not git.has_commit(repo_root, base):
        git.fetch_commit(repo_root, base)
    entries = git.tree_entries(repo_root, base, paths) if base else None
    if entries is None:
        return _unavailable(repo_root, base, paths, "" if base else detect(environ).event_problem)

    from gobaseline.rules import rule

    at_base = {p: _base_state(repo_root, entries.get(p)) for p in paths}
    findings = [
        rule("GB001").finding(
            f"This change {what}; the target's policy ({base[:12]}) is in force for this run. Get the "
            "policy change reviewed on its own; it applies once merged.",
            Location(path, 1),
        )
        for path, what in _differences(repo_root, at_base)
    ]
    return _base_policy(base, paths, entries, at_base), findings


def changes(root: Path, base: str, paths: list[str], *, limit: int = document.LIMIT) -> list[tuple[str, str]]:
    """What the working tree does to each of `paths` (repository paths of files the gate reads from the target,
    at most `limit` bytes each) against commit `base`: (path, "adds/changes/deletes/replaces ...") for each that
    differs, as GB001 says it for the policy; nothing when git cannot read `base`."""
    entries = git.tree_entries(root, base, paths)
    if entries is None:
        return []
    return _differences(root, {p: _base_state(root, entries.get(p), limit) for p in paths}, limit)


def _differences(root: Path, at_base: Mapping[str, _State], limit: int = document.LIMIT) -> list[tuple[str, str]]:
    out = []
    for path, before in at_base.items():
        work = _work_state(root, path, limit)
        if work != before:
            out.append((path, _describe(before, work, path)))
    return out


def _inside(path: Path, root: Path) -> str | None:
    """`path` relative to `root` (forward slashes), or None when it lies outside.

    Judged by name below the repository: the shallowest ancestor of `path` that is the root (links above the
    repository allowed) fixes it, and the components below are kept as named, so that a link in the checkout
    never decides which policy file a path means. A link outside that points in counts as inside.
    """
    named = Path(os.path.normpath(path.absolute()))
    top = root.resolve()
    for ancestor in reversed([named, *named.parents]):
        with contextlib.suppress(OSError):
            if ancestor.resolve() == top:
                return named.relative_to(ancestor).as_posix()
    with contextlib.suppress(ValueError, OSError):
        return path.resolve().relative_to(top).as_posix()
    return None


def _candidates(root: Path, module_dir: Path, given: Path | None) -> list[str] | None:
    """The repository paths of the policy files that may apply, nearest first; None for a given file outside."""
    if given is not None:
        rel = _inside(given, root)
        return None if rel is None else [rel]
    module = _inside(module_dir, root)
    paths = [POLICY_FILENAME]
    if module not in (None, "."):
        paths.insert(0, f"{module}/{POLICY_FILENAME}")
    return paths


def _working_policy(root: Path, module_dir: Path, given: Path | None) -> Policy:
    """Outside a change: the given file, else the module's, else the repository's, else the defaults."""
    own = module_dir / POLICY_FILENAME
    return load(given if given is not None or not os.path.lexists(own) else own, root)


def _work_state(root: Path, path: str, limit: int = document.LIMIT) -> _State:
    """`path` in the working tree, never following a link: a link on the way means git has no such path."""
    *dirs, name = path.split("/")
    here = root
    for part in dirs:
        here = here / part
        try:
            if not stat.S_ISDIR(os.lstat(here).st_mode):
                return _ABSENT
        except OSError:
            return _ABSENT
    here = here / name
    try:
        mode = os.lstat(here).st_mode
    except OSError:
        return _ABSENT
    if stat.S_ISLNK(mode):
        with contextlib.suppress(OSError):
            return _State("link", os.fsencode(here.readlink()))
        return _State("link")
    if not stat.S_ISREG(mode):
        return _State("other")
    try:
        return _State("file", _lf(safefs.read_bytes(here, limit=limit, what="file the gate reads")))
    except GobaselineError:
        return _State("other")


def _base_state(root: Path, entry: git.Entry | None, limit: int = document.LIMIT) -> _State:
    if entry is None:
        return _ABSENT
    if not (entry.is_file or entry.is_link) or (entry.size or 0) > limit:
        return _State("other", entry.oid.encode())
    data = git.blob(root, entry.oid, limit=limit)
    if data is None:
        return _State("other", entry.oid.encode())
    return _State("link", data) if entry.is_link else _State("file", _lf(data))


def _lf(data: bytes) -> bytes:
    """Line ends as git stores them, so a checkout with CRLF conversion is not a change."""
    return data.replace(b"\r\n", b"\n")


def _describe(base: _State, work: _State, path: str) -> str:
    if base.kind == "absent":
        return f"adds {path}" + (" as a symbolic link" if work.kind == "link" else "")
    if work.kind == "absent":
        return f"deletes {path}"
    if work.kind == "link":
        target = work.data.decode("utf-8", errors="replace")[:200]
        if base.kind == "link":
            return f"changes the symbolic link {path} (now to {target!r})"
        return f"replaces {path} with a symbolic link (to {target!r})"
    if base.kind == "link":
        return f"replaces the symbolic link {path} with a file"
    return f"changes {path}"


def _base_policy(
    base: str, paths: list[str], entries: Mapping[str, git.Entry], at_base: Mapping[str, _State]
) -> Policy:
    """The first policy file the base has among `paths`; a link or a non-file there is refused."""
    for path in paths:
        entry = entries.get(path)
        if entry is None:
            continue
        where = f"{path}@{base[:12]}"
        if not entry.is_file:
            raise PolicyError(
                f"is {entry.kind} on the target's commit {base[:12]}: the policy on a change is read only from "
                "a regular file, never through a link",
                path=where,
            )
        if (entry.size or 0) > document.LIMIT:
            raise PolicyError(f"the policy file is larger than {document.LIMIT} bytes", path=where)
        if at_base[path].kind != "file":
            raise PolicyError("git cannot read the policy file on the target's commit", path=where)
        return replace(parse(document.decode(at_base[path].data, where), where), source=f"base:{base}:{path}")
    # The base has no policy file for this module: its policy is the defaults.
    return Policy(source=f"base:{base}")


def _unavailable(root: Path, base: str, paths: list[str], problem: str = "") -> tuple[Policy, list[Finding]]:
    """No base to read: fail closed (the defaults and a GB002 error) unless the working tree's policy lowers GB002,
    in which case that policy applies, as its owners chose."""
    from gobaseline.rules import rule

    why = (
        f"The target's commit {base[:12]} is not in this clone and `git fetch --depth=1 origin {base[:12]}` failed"
        if base
        else "The change event names no target commit" + (f" ({problem})" if problem else "")
    )
    states = ((p, _work_state(root, p)) for p in paths)
    path, state = next(((p, s) for p, s in states if s != _ABSENT), (None, _ABSENT))
    working: Policy | None = Policy()
    if path is not None and state.kind == "file":
        working = parse(document.read(root / path), path)
    elif path is not None:
        working = None  # a link or a special file in the change is never read
    if working is not None and working.severity_for("GB002", Severity.ERROR) is not Severity.ERROR:
        note = rule("GB002").finding(
            f"{why}, so the policy in the working tree ({path or 'the defaults'}) is used, as its severity for "
            "GB002 allows. Fetch the base (fetch-depth: 0 or GIT_DEPTH: 0) to enforce the target's policy.",
            Location(path or POLICY_FILENAME, 1),
        )
        return replace(working, source=path or "default"), [note]
    error = rule("GB002").finding(
        f"{why}, so the target's policy cannot be enforced and this change is not admitted. Let the job fetch "
        "the base commit (fetch-depth: 0 or GIT_DEPTH: 0, with the checkout's credentials kept).",
        Location(path or POLICY_FILENAME, 1),
    )
    return Policy(), [error]
