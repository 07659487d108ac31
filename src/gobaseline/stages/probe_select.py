"""What the start-up probe starts: the host target's binary, the version stamped into it, its main.go."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gobaseline.model import Artifact
from gobaseline.stages import Context


def host_target(ctx: Context) -> str:
    """`GOHOSTOS/GOHOSTARCH` of the toolchain, or "" without one."""
    if ctx.go is not None:
        return f"{ctx.go.env.get('GOHOSTOS', '')}/{ctx.go.env.get('GOHOSTARCH', '')}"
    return ""


def probe_binary(ctx: Context, artifacts: Sequence[Artifact]) -> Path | None:
    """The policy's `probe.binary`, else the built binary of the host target (of `probe.package` when set)."""
    pol = ctx.policy.probe
    if pol.binary:
        p = Path(pol.binary)
        return p if p.is_absolute() else ctx.module_dir / p
    host = host_target(ctx)
    wanted = Path(pol.package).name if pol.package and pol.package != "." else None
    for a in artifacts:
        if a.target != host:
            continue
        path = Path(a.path)
        if not path.is_absolute():
            path = ctx.repo_root / path
        if wanted is None or path.stem == wanted:
            return path
    return None


def stamped_version(ldflags: Sequence[str]) -> str | None:
    """The value given to `-X main.version=...` in the policy's ldflags, if any."""
    for flag in " ".join(ldflags).split():
        if flag.startswith("main.version="):
            return flag.split("=", 1)[1]
    return None


def main_file(ctx: Context, package: str | None) -> str | None:
    """The probed package's main.go relative to the repository root, when there is one."""
    pkg_dir = ctx.module_dir / (package or ".")
    main = pkg_dir / "main.go"
    return ctx.rel(main) if main.is_file() else None
