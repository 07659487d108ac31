"""Tier 3: the output directory (GB301-GB305).

Layout: `<output_dir>/<goos>_<goarch>/<binary>` per target, with gobaseline's own files (SHA256SUMS,
manifest.json, SBOMs, reports/, a `.gitignore` of `*`) at the top level. On a run that builds, this stage
creates the output directory when it is missing (and says so in the facts), proves it writable with a probe file
it removes again, and never deletes anything else; on a run that only checks, it writes nothing.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
from pathlib import Path

from gobaseline.errors import GoModError
from gobaseline.golang.naming import exec_name
from gobaseline.model import Location, Stage, Target
from gobaseline.rules import rule
from gobaseline.stages import Context, Earlier, StageResult, placement

_TARGET_DIR = re.compile(r"^[a-z0-9]+_[a-z0-9]+$")
_MAX_LISTED = 10


def run(ctx: Context, earlier: Earlier | None = None) -> StageResult:
    """Check (and create when missing) the output directory for every target."""
    result = StageResult(Stage.OUTDIR)
    out = ctx.output_dir if ctx.output_dir.is_absolute() else ctx.repo_root / ctx.output_dir
    loc = _location(ctx, out)
    result.facts["output_dir"] = loc.path

    with result.check("outdir-location") as found:
        problem = _placement(ctx, out)
        if problem is not None:
            found.append(rule("GB302").finding(problem, loc))
        misplaced = bool(found)

    usable = False
    if misplaced:
        result.skip("outdir-writable", "the output directory is a symlink or outside the workspace")
    else:
        with result.check("outdir-writable") as found:
            problem = _prepare(ctx, out, result) if ctx.builds else _could_write(out)
            if problem is not None:
                found.append(rule("GB301").finding(problem, loc))
            usable = problem is None and ctx.builds

    for target in ctx.targets:
        sub = out / target_dir_name(target)
        with result.check("target-dir", target=target) as found:
            if sub.is_symlink():
                found.append(
                    rule("GB302").finding(
                        f"The target directory {sub.name} is a symlink to {sub.readlink()}. Remove the "
                        "link; the "
                        "build creates a real directory.",
                        _location(ctx, sub),
                        target=target,
                    )
                )
            elif sub.exists() and usable:
                problem = _probe_write(sub) if sub.is_dir() else f"{sub.name} exists and is not a directory."
                if problem is not None:
                    found.append(rule("GB301").finding(problem, _location(ctx, sub), target=target))

    with result.check("stale-files") as found:
        stale = stale_files(ctx, out)
        if stale:
            shown = ", ".join(_location(ctx, p).path for p in stale[:_MAX_LISTED])
            more = f" and {len(stale) - _MAX_LISTED} more" if len(stale) > _MAX_LISTED else ""
            found.append(
                rule("GB303").finding(
                    f"{len(stale)} file(s) this run will not produce: {shown}{more}. Clean the output "
                    "directory "
                    "before the build.",
                    loc,
                )
            )

    with result.check("free-space") as found:
        existing = _nearest_existing(out)
        try:
            free_mb = shutil.disk_usage(existing).free // (1024 * 1024)
        except OSError:
            free_mb = None
        if free_mb is not None:
            result.facts["output_free_mb"] = str(free_mb)
            if free_mb < ctx.policy.min_free_mb:
                found.append(
                    rule("GB304").finding(
                        f"Only {free_mb} MB free for the output directory {loc.path}; the policy wants at least "
                        f"{ctx.policy.min_free_mb} MB (output.min_free_mb). Free space or point the output "
                        "elsewhere.",
                        loc,
                    )
                )

    with result.check("system-disk") as found:
        if ctx.disks.on_system_disk(out):
            found.append(
                rule("GB305").finding(
                    f"The output directory {loc.path} is on the system disk. Point it at a dedicated disk, or "
                    "keep this as a warning on single-disk runners.",
                    loc,
                )
            )
    placement.check_output_disk(ctx, result, out, loc, usable)
    return result


def target_dir_name(target: str) -> str:
    """`linux/amd64` -> `linux_amd64`."""
    return Target.parse(target).dirname


def _location(ctx: Context, path: Path) -> Location:
    """Where a finding about `path` points: its own name relative to the repository (not the symlink's target).

    A directory has no line: formats that need a file place such findings on go.mod, and the message names it."""
    try:
        rel = Path(os.path.normpath(path)).relative_to(os.path.normpath(ctx.repo_root))
    except ValueError:
        return ctx.at(path)
    return Location(rel.as_posix() or ".")


def _placement(ctx: Context, out: Path) -> str | None:
    """Why `out` may not hold the build, or None.

    Never the repository itself or its .git; never through a symlink that redirects a directory inside the
    workspace. A directory named on the command line (or as an action input) may be anywhere else: a runner's
    temporary directory is normal. One from the policy file must stay inside the workspace.
    """
    loc = _location(ctx, out).path
    root = Path(os.path.normpath(ctx.repo_root))
    plain = Path(os.path.normpath(out))
    try:
        parts = plain.relative_to(root).parts
    except ValueError:
        parts = None
    if parts is not None:
        if not parts or parts[0] == ".git":
            what = "the repository itself" if not parts else "inside .git"
            return f"The output directory {loc} is {what}. Choose a directory of its own, such as gobaseline-out."
        here = root
        for part in parts:
            here = here / part
            if here.is_symlink():
                return (
                    f"The output directory {loc} goes through {_location(ctx, here).path}, a symlink to "
                    f"{here.readlink()}. Use a real directory inside the workspace."
                )
        if _inside(out, ctx.repo_root):
            return None
    if ctx.output_named:
        return None
    return (
        f"The output directory {loc} resolves to {out.resolve()}, outside the repository {ctx.repo_root}. "
        "Choose a directory inside the workspace (output.dir), or name one with --output."
    )


def _prepare(ctx: Context, out: Path, result: StageResult) -> str | None:
    """Create the output directory when missing, prove it writable, and make it ignore itself in git (so a build
    inside the checkout leaves the tree clean: `vcs.modified` stays false and the same source gives the same
    binary). A link planted as the .gitignore is refused (safefs), not taken for one."""
    problem = _ensure_dir(ctx, out, result) or _probe_write(out)
    ignore = out / ".gitignore"
    if problem is None and _inside(out, ctx.repo_root) and (ignore.is_symlink() or not ignore.is_file()):
        from gobaseline import safefs

        try:
            safefs.write_text(ignore, "# Written by gobaseline: this directory holds build output.\n*\n")
        except safefs.FileAccessError as e:
            return f"Cannot write {ctx.rel(ignore)}: {e.message}."
    return problem


def _could_write(out: Path) -> str | None:
    """For a run that builds nothing: whether the build could write `out`, without writing anything."""
    existing = _nearest_existing(out)
    if not existing.is_dir():
        return f"{existing} exists and is not a directory. Remove it or choose another output directory."
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"Cannot write to {existing}. Fix its permissions or choose another one."
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        _nearest_existing(path).resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _ensure_dir(ctx: Context, out: Path, result: StageResult) -> str | None:
    """Create the output directory when missing; the problem as a sentence, or None."""
    if out.is_dir():
        return None
    if out.exists():
        return f"{ctx.rel(out)} exists and is not a directory. Remove it or choose another output directory."
    created: list[Path] = []
    p = out
    while not p.exists() and p != p.parent:
        created.append(p)
        p = p.parent
    try:
        out.mkdir(parents=True)
    except OSError as e:
        return f"Cannot create the output directory: {e.strerror or e}. Choose a writable directory."
    result.facts["output_dir_created"] = ", ".join(_location(ctx, c).path for c in reversed(created))
    return None


def _probe_write(directory: Path) -> str | None:
    try:
        fd, name = tempfile.mkstemp(prefix=".gobaseline-probe-", dir=directory)
    except OSError as e:
        return f"Cannot write to {directory}: {e.strerror or e}. Fix its permissions or choose another one."
    os.close(fd)
    Path(name).unlink()
    return None


# -- stale files ---------------------------------------------------------------------------------


def module_path(ctx: Context) -> str | None:
    """The module path from go.mod's `module` line, or None (no go.mod, or one the go.mod stage rejects)."""
    try:
        return ctx.gomod().module_path or None
    except GoModError:
        return None


def expected_binaries(ctx: Context) -> frozenset[str] | None:
    """The binary names (without `.exe`) the build writes per target, or None when they cannot be known here
    (a `...` pattern, no module path, several modules, or two packages sharing a Go name: the build names those
    after their import paths, which only `go list` knows)."""
    if len(ctx.modules) > 1:
        return None
    names: set[str] = set()
    mod: str | None = None
    packages = ctx.packages or ctx.policy.build.packages
    for pkg in packages:
        if "..." in pkg:
            return None
        if pkg == "." or pkg.startswith(("./", "../")):
            mod = mod or module_path(ctx)
            if mod is None:
                return None
            path = posixpath.normpath(posixpath.join(mod, pkg))
            if path.startswith("..") or not path.startswith(mod):
                return None
        else:
            path = pkg.rstrip("/")
        names.add(exec_name(path))
    return frozenset(names) if len(names) == len(set(packages)) else None


def stale_files(ctx: Context, out: Path) -> list[Path]:
    """Files in target directories that this run will not write: everything under a `<goos>_<goarch>`
    directory for a target not built, and, in a built target's directory, anything but its binaries."""
    if not out.is_dir() or out.is_symlink():
        return []
    wanted = {target_dir_name(t): t for t in ctx.targets}
    names = expected_binaries(ctx)
    stale: list[Path] = []
    for sub in sorted(out.iterdir()):
        if sub.is_symlink() or not sub.is_dir() or not _TARGET_DIR.match(sub.name):
            continue
        target = wanted.get(sub.name)
        allowed: frozenset[str] = frozenset()
        if target is not None:
            if names is None:
                continue
            suffix = Target.parse(target).exe_suffix
            allowed = frozenset(n + suffix for n in names)
        for dirpath, dirnames, filenames in os.walk(sub):
            dirnames.sort()
            for f in sorted(filenames):
                p = Path(dirpath) / f
                if p.parent == sub and f in allowed:
                    continue
                stale.append(p)
    return sorted(stale)
