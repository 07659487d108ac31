"""Setting up a run: the repository root, the toolchain, and the Context every stage reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import git
from gobaseline.errors import GobaselineError, GoCommandError, GoModError
from gobaseline.stages import Context, Module

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go
    from gobaseline.model import Finding
    from gobaseline.policy import Policy


def repository_root(module_dir: Path) -> Path:
    """The git top level above `module_dir`, or `module_dir` itself outside a git checkout."""
    return git.toplevel(module_dir) or module_dir


def discover_go(explicit: str | None, environ: Mapping[str, str]) -> Go | None:
    """The toolchain to use, or None when there is none on PATH (the toolchain stage reports GB112).

    Raises GoCommandError for a `--go` (`explicit`) that is not a go command that answers, and FileAccessError
    for a go env file (GOENV) that cannot be read safely: a FIFO, a device, a directory, a huge file."""
    from gobaseline.golang.gotool import Go

    try:
        go = Go.discover(explicit, environ)
    except GoCommandError:
        if explicit:
            raise
        return None
    if explicit:
        # A go command the user named must answer (`go env`, bounded in time and size), or the run stops here
        # with one line naming it: a directory, a script that hangs or prints garbage is a usage error.
        try:
            go.env  # noqa: B018
        except GoCommandError as e:
            raise GoCommandError(f"--go {explicit!r} is not a working go command: {e.message}") from e
    return go


def make_context(
    path: Path,
    *,
    policy: Policy,
    go: Go | None,
    targets: Sequence[str] | None,
    output: Path | None,
    packages: tuple[str, ...] | None = None,
    progress: Callable[[str], None] | None = None,
    builds: bool = True,
) -> Context:
    """A Context for the module or workspace at `path` (`golang.workspace.discover` says which modules it covers).
    Raises GoModError when there is no module there."""
    from gobaseline.golang.workspace import discover

    module_dir = path.resolve()
    if not module_dir.is_dir():
        raise GobaselineError("not a directory", path=str(path))
    root = repository_root(module_dir)
    layout = discover(module_dir, root, go, nested=policy.nested_modules == "include")
    if not layout.dirs:
        raise GoModError(
            "no go.mod here; run `go mod init <module path>` or point gobaseline at the module directory",
            path=str(path),
        )
    if go is not None:  # every later go command works on the workspace, or on one module with go.work ignored
        go = go.scoped({"GOWORK": str(layout.work) if layout.work is not None else "off"})
    out = output if output is not None else module_dir / policy.output_dir
    return Context(
        repo_root=root,
        module_dir=module_dir,
        policy=policy,
        go=go,
        targets=tuple(targets or policy.targets),
        output_dir=out if out.is_absolute() else (Path.cwd() / out),
        output_named=output is not None,
        builds=builds,
        modules=tuple(Module.read(d) for d in layout.dirs),
        workspace=layout.work,
        packages=packages,
        progress=progress,
    )


def in_background(ctx: Context, pool: Executor, *, build: bool) -> Context:
    """`ctx` with the work admission does not wait for started in `pool` (one thread): the modules download and
    the build list (go.mod was read before, since `go list -m all` may rewrite it), then, for a run that builds,
    the packages to build (after the build list, never with it)."""
    if ctx.module.gomod_bytes is not None and ctx.go is not None:
        from gobaseline.stages import moddownload

        ctx = replace(ctx, build_list=pool.submit(moddownload.prepare_all, ctx))
    if build:
        from gobaseline.stages import selection

        ctx = replace(ctx, selection=pool.submit(selection.list_up_front, ctx))
    return ctx


def policy_for(
    path: Path, given: Path | None, *, in_force: bool, environ: Mapping[str, str]
) -> tuple[Policy, list[Finding]]:
    """The policy for the module at `path` (`given` names the file), and findings about it.

    `in_force`: on a change under review, the target's policy read from git objects (a change cannot relax its own
    gate); otherwise the file in the working tree, or the defaults.
    """
    from gobaseline import policy as policy_mod

    module_dir = path.resolve()
    if not module_dir.is_dir():
        if in_force:
            raise GobaselineError("not a directory", path=str(path))
        return policy_mod.Policy(), []
    if in_force:
        from gobaseline.policy.in_force import policy_in_force

        return policy_in_force(repository_root(module_dir), environ, given, module_dir=path)
    return policy_mod.load(given, module_dir), []
