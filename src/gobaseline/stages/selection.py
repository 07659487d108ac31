"""The build's package selection in a run: listed by `go list` up front, guessed while it lists, and where the go
commands run.

`go list ./...` loads every package of the module, which takes about as long as a warm build of it (0.2 s for 300
packages here, `load.PackagesAndErrors` in the go command's own trace). So the pipeline lists in the background
while admission runs (`list_up_front`, `Context.selection`), and the build stage, when the list is not in yet,
starts building the main packages `guess` reads from the files' first lines. The list has the last word: the
guessed build is kept only when the list gives exactly the same main packages for every target (`matches`, so
the same `go build` commands), and otherwise it is thrown away, its binaries removed, and the listed packages
are built. A guess never decides what is built; it only lets the build start earlier.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gobaseline.errors import GobaselineError
from gobaseline.golang import gofiles
from gobaseline.golang.naming import module_path
from gobaseline.golang.workspace import ignored_dir
from gobaseline.stages.build_options import BuildOptions, plan_options
from gobaseline.stages.packages import DEFAULT_PATTERNS, Root, Selection, common_prefix, names, route, select

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go
    from gobaseline.stages import Context


def list_up_front(ctx: Context) -> Selection | None:
    """The main packages of every target, listed before the build stage (the pipeline starts this in the
    background while admission runs: `Context.selection`); None when the build lists them itself (a build cache
    of its own, set up by the build stage, or options the build refuses)."""
    if ctx.go is None or ctx.policy.build.gocache != "shared":
        return None
    opts, findings = plan_options(ctx.policy.build, None)
    if any(f.rule_id == "GB503" for f in findings):
        return None
    return select_for(ctx, ctx.go, opts, {})


def select_for(ctx: Context, go: Go, opts: BuildOptions, cache_env: dict[str, str]) -> Selection:
    """`packages.select` with the build's environment: `go list` per target and build root."""
    paths = module_paths(ctx)
    roots = _roots(ctx, paths, tuple(ctx.packages or ctx.policy.build.packages))
    env = {"CGO_ENABLED": "0", **opts.env, **cache_env}
    if opts.tags:
        env["GOFLAGS"] = "-tags=" + ",".join(opts.tags)
    return select(go, roots, ctx.targets, module=common_prefix(list(paths.values())), env=env, base=ctx.module_dir)


def guess(ctx: Context) -> Selection | None:
    """The main packages `./...` gives on every target, read from the files' first lines (`gobaseline.golang.
    gofiles`), in the order go lists them; None when the run is not one module with the default patterns, or when
    some directory cannot be told: a `package main` file that a build constraint may leave out, a file whose
    package clause is not near its top, or one that cannot be read."""
    if (
        ctx.workspace is not None
        or len(ctx.modules) > 1
        or tuple(ctx.packages or ctx.policy.build.packages) != (DEFAULT_PATTERNS)
    ):
        return None
    root = ctx.module_dir
    prefix = _module_path(ctx)
    found: dict[str, tuple[dict[str, Any], Root]] = {}
    top = Root(root, DEFAULT_PATTERNS)
    for dirpath, dirnames, filenames in os.walk(root):  # go's order: each directory's entries by name
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not ignored_dir(d) and not os.path.lexists(here / d / "go.mod"))
        sources = sorted(f for f in filenames if f.endswith(".go") and not f.endswith("_test.go"))
        sources = [f for f in sources if not f.startswith((".", "_"))]
        try:
            heads = [gofiles.header(here / f) for f in sources]
        except OSError:
            return None
        if any(h.package is None for h in heads):
            return None
        if any(h.package == "main" for h in heads):
            if any(h.constrained or h.package != "main" for h in heads):
                return None
            rel = here.relative_to(root).as_posix()
            import_path = prefix if rel == "." else f"{prefix}/{rel}"
            found[import_path] = ({"ImportPath": import_path, "Dir": dirpath}, top)
    named = names(found, prefix, root)
    mains = [named[p] for p in found]
    return Selection(mains={t: list(mains) for t in ctx.targets})


def matches(guessed: Selection, listed: Selection) -> bool:
    """Whether a build of the guessed packages is the build of the listed ones: the same main packages, named
    alike, in the same order, on every target, and nothing the list could not resolve."""
    return not listed.errors and guessed.mains == listed.mains


def module_paths(ctx: Context) -> dict[Path, str]:
    """Each module directory of the run and its module path."""
    return {one.module_dir: _module_path(one) for one, _ in ctx.each_module()}


def _module_path(ctx: Context) -> str:
    """The module's path from the run's one go.mod parse (shared with the admission stages), else as read now."""
    try:
        return ctx.gomod().module_path
    except GobaselineError:
        return module_path(ctx.module_dir)


def _roots(ctx: Context, paths: dict[Path, str], patterns: tuple[str, ...]) -> list[Root]:
    """Where the go commands run: the module; a go.work workspace's root, where by default each module's
    `./<dir>/...` (the root of a workspace holds no packages of its own); else each module with its share of the
    patterns."""
    if ctx.workspace is not None:
        if patterns == DEFAULT_PATTERNS:
            patterns = tuple(below(ctx, d) for d in paths)
        return [Root(ctx.module_dir, patterns)]
    if len(paths) == 1:
        return [Root(ctx.module_dir, patterns)]
    return route(ctx.module_dir, paths, patterns)


def below(ctx: Context, directory: Path) -> str:
    """The `...` pattern of a module directory, relative to the run's directory."""
    try:
        rel = directory.relative_to(ctx.module_dir).as_posix()
    except ValueError:
        return str(directory) + "/..."
    return "./..." if rel in ("", ".") else f"./{rel}/..."
