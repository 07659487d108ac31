"""The probe stage: which binary it starts (the host target's), the version stamped into it, its main.go."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gobaseline.model import Artifact, Stage
from gobaseline.stages import Context, Earlier, StageResult


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


def run(ctx: Context, earlier: Earlier) -> StageResult:
    """The probe stage: start the host target's binary (or the policy's `probe.binary`) and check it."""
    from gobaseline.stages import probe

    verified = earlier.get(Stage.VERIFY)
    binary = probe_binary(ctx, verified.artifacts if verified is not None else ())
    if binary is None:
        result = StageResult(Stage.PROBE)
        result.skip("probe", "no binary for the host target was built")
        return result
    return probe.run(
        ctx,
        binary,
        main_file=main_file(ctx, ctx.policy.probe.package),
        stamped_version=stamped_version(ctx.policy.build.ldflags),
        target=host_target(ctx) or None,
    )
