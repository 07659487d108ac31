"""Running the build and verify stages the way the pipeline does, for tests that look at both."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gobaseline.model import Artifact, Stage
from gobaseline.stages import Context, StageResult, build, verify


@dataclass
class BuildAndVerify:
    """The two stage results, the verified artifacts and the files verify wrote."""

    build: StageResult
    verify: StageResult
    artifacts: list[Artifact] = field(default_factory=list)
    manifest_path: Path | None = None
    sums_path: Path | None = None


def build_and_verify(
    ctx: Context, *, packages: tuple[str, ...] | None = None, progress: Callable[[str], None] | None = None
) -> BuildAndVerify:
    """The build stage, then the verify stage on what it wrote."""
    if packages is not None or progress is not None:
        ctx = dataclasses.replace(ctx, packages=packages or ctx.packages, progress=progress or ctx.progress)
    built = build.run(ctx, {})
    verified = verify.run(ctx, {Stage.BUILD: built})
    return BuildAndVerify(
        built,
        verified,
        list(verified.artifacts),
        verified.files.get("manifest"),
        verified.files.get("sha256sums"),
    )
