"""The one place that runs git.

Every call passes `-c safe.directory=*`: the checkout may belong to another user (a container's workspace, a
runner's volume) and git would refuse it as "dubious ownership". `go build` runs git itself without that flag,
so the container marks its workspace safe in the global config (`mark_safe`). Every call has a timeout, and
none raises: a missing git, a hung one or a directory outside any checkout all mean "git does not know".

What a commit holds is read from its objects (`ls-tree`, `cat-file`), never through the working tree, so a
symbolic link in a checkout cannot redirect a read.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 30.0
"""Seconds any one git call may take."""
FETCH_TIMEOUT = 60.0
"""Seconds a fetch of one commit from the remote may take."""

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def is_sha(text: str) -> bool:
    """True for a full commit id (SHA-1 or SHA-256, lower case): nothing git could read as an option or a range."""
    return _SHA.fullmatch(text) is not None


def _run(
    root: Path, *args: str, timeout: float = TIMEOUT, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes] | None:
    """`git -C ROOT ARGS`, or None when git cannot be started or does not finish in time."""
    try:
        return subprocess.run(
            ["git", "-c", "safe.directory=*", "-C", str(root), *args],
            capture_output=True,
            check=False,
            timeout=timeout,
            env=None if env is None else {**os.environ, **env},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _call(
    argv: list[str], environ: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes] | OSError | subprocess.TimeoutExpired:
    """Run git with `argv` (the environment is ours unless given); what went wrong when it could not run."""
    try:
        return subprocess.run(
            argv,
            env=None if environ is None else dict(environ),
            capture_output=True,
            check=False,
            timeout=TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return e


def toplevel(path: Path) -> Path | None:
    """The top level of the git checkout holding `path` (resolved), or None outside a checkout."""
    proc = _run(path, "rev-parse", "--show-toplevel")
    if proc is None or proc.returncode != 0:
        return None
    top = proc.stdout.decode("utf-8", errors="replace").strip()
    return Path(top).resolve() if top else None


def has_commit(root: Path, sha: str) -> bool:
    """True when the clone at `root` holds commit `sha` (a shallow fetch may not)."""
    if not is_sha(sha):
        return False
    proc = _run(root, "cat-file", "-e", f"{sha}^{{commit}}")
    return proc is not None and proc.returncode == 0


def fetch_commit(root: Path, sha: str, *, remote: str = "origin", timeout: float = FETCH_TIMEOUT) -> bool:
    """Fetch the one commit `sha` (depth 1, no tags) from `remote`; True when the clone holds it afterwards.

    Never prompts for credentials: a fetch that would need them fails at once.
    """
    if not is_sha(sha):
        return False
    proc = _run(
        root,
        "fetch",
        "--quiet",
        "--depth=1",
        "--no-tags",
        "--no-recurse-submodules",
        remote,
        sha,
        timeout=timeout,
        env={"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"},
    )
    return proc is not None and proc.returncode == 0 and has_commit(root, sha)


@dataclass(frozen=True)
class Entry:
    """One path in a commit's tree, as `git ls-tree` shows it."""

    mode: str
    """`100644`/`100755` a file, `120000` a symbolic link, `040000` a directory, `160000` a submodule."""
    oid: str
    size: int | None
    """Bytes of a blob; None for a directory or a submodule."""

    @property
    def is_file(self) -> bool:
        return self.mode.startswith("100")

    @property
    def is_link(self) -> bool:
        return self.mode == "120000"

    @property
    def kind(self) -> str:
        """What the entry is, in words."""
        if self.is_file:
            return "a file"
        if self.is_link:
            return "a symbolic link"
        return {"040000": "a directory", "160000": "a submodule"}.get(self.mode, f"an entry of mode {self.mode}")


def tree_entries(root: Path, rev: str, paths: Iterable[str]) -> dict[str, Entry] | None:
    """The entries of `paths` (repository-relative, forward slashes) in the tree of commit `rev`: a path the
    commit does not have is absent from the result. None when git cannot tell (no such commit, git failed).

    Paths are literal (no pathspec magic), and a path below a symbolic link in the tree is not there.
    """
    wanted = list(paths)
    if not is_sha(rev):
        return None
    proc = _run(root, "--literal-pathspecs", "ls-tree", "-z", "-l", "--full-tree", rev, "--", *wanted)
    if proc is None or proc.returncode != 0:
        return None
    found: dict[str, Entry] = {}
    for record in proc.stdout.split(b"\0"):
        meta, tab, name = record.partition(b"\t")
        fields = meta.split()
        if not tab or len(fields) != 4:
            continue
        mode, _, oid, size = (f.decode("ascii", errors="replace") for f in fields)
        path = name.decode("utf-8", errors="surrogateescape")
        if path in wanted:
            found[path] = Entry(mode, oid, int(size) if size.isdigit() else None)
    return found


def blob(root: Path, oid: str, *, limit: int) -> bytes | None:
    """The content of blob `oid`, or None when git cannot read it or it is larger than `limit` bytes."""
    if not is_sha(oid):
        return None
    proc = _run(root, "cat-file", "blob", oid)
    if proc is None or proc.returncode != 0 or len(proc.stdout) > limit:
        return None
    return proc.stdout


_HUNK = re.compile(rb"^@@ -([0-9]+)(?:,([0-9]+))? \+([0-9]+)(?:,([0-9]+))? @@")


def changed_lines(root: Path, base: str) -> dict[str, frozenset[int]] | None:
    """The lines a change touched: for each file that differs between the merge base of `base` and HEAD and the
    working tree, its new or changed line numbers (an empty set for a file only renamed, or binary); paths
    repository-relative with forward slashes. None when git cannot tell (`base` is not in the clone).

    A shallow clone may have no merge base; then `base` itself is the base, which is exact for the checkouts of
    change events (a merge commit on the target, or the source branch with `base` its merge base)."""
    if not is_sha(base):
        return None
    found = _run(root, "merge-base", base, "HEAD")
    since = found.stdout.decode("ascii", errors="replace").strip() if found and found.returncode == 0 else ""
    since = since if is_sha(since) else base
    # Explicit prefixes and no external diff or text conversion: the user's configuration cannot change the form.
    args = ("diff", "--no-ext-diff", "--no-textconv", "--no-color", "-U0", "-M", "--src-prefix=a/", "--dst-prefix=b/")
    proc = _run(root, "-c", "core.quotePath=false", *args, since, "--")
    if proc is None or proc.returncode != 0:
        return None
    lines: dict[str, set[int]] = {}
    current: set[int] | None = None
    body = 0  # lines of the current hunk still to skip: never read as headers
    for raw in proc.stdout.split(b"\n"):
        if body > 0:
            body -= 0 if raw.startswith(b"\\") else 1
        elif m := _HUNK.match(raw):
            start, count = int(m.group(3)), int(m.group(4) or b"1")
            body = int(m.group(2) or b"1") + count
            if current is not None:
                current.update(range(start, start + count))
        elif raw.startswith((b"+++ ", b"rename to ")):
            renamed = raw.startswith(b"rename to ")
            name = raw.removeprefix(b"rename to " if renamed else b"+++ ")
            current = None if name == b"/dev/null" else lines.setdefault(_diff_path(name, strip=not renamed), set())
    return {path: frozenset(numbers) for path, numbers in lines.items()}


def _diff_path(name: bytes, *, strip: bool) -> str:
    """A path as `git diff` prints it (C-quoted when it holds a quote, a backslash or a control character)."""
    if name.startswith(b'"') and name.endswith(b'"'):
        name = name[1:-1].decode("unicode_escape").encode("latin-1")
    if strip:
        name = name.removeprefix(b"b/")
    return name.decode("utf-8", errors="surrogateescape")


def mark_safe(directories: Iterable[Path], environ: Mapping[str, str]) -> str | None:
    """Add each directory not yet listed to `safe.directory` in the global git config of `environ` (its HOME).

    Returns why that could not be done, or None: done, or no git on the PATH of `environ` (nothing would run it).
    """
    found = shutil.which("git", path=environ.get("PATH"))
    if found is None:
        return None
    listed = _call([found, "config", "--global", "--get-all", "safe.directory"], environ)
    if not isinstance(listed, subprocess.CompletedProcess):
        return str(listed)
    known = listed.stdout.decode("utf-8", errors="replace").splitlines()
    for directory in dict.fromkeys(str(d) for d in directories):
        if directory in known:
            continue
        added = _call([found, "config", "--global", "--add", "safe.directory", directory], environ)
        if not isinstance(added, subprocess.CompletedProcess):
            return str(added)
        if added.returncode != 0:
            return added.stderr.decode("utf-8", errors="replace").strip() or f"git config exited {added.returncode}"
    return None
