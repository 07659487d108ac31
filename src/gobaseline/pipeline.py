"""The pipeline in one screen: `run(RunOptions) -> RunResult`.

    policy -> toolchain -> go.mod -> module cache -> output dir -> build -> verify -> probe -> Report

Every stage is a `StageRun` reading one frozen `Context` and the earlier stages' results, and returns
findings; the policy's severities are applied once (`RunRecord.findings`). A blocking admission finding stops
before the build. The commands (`gobaseline.commands`) print, write and post the result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from gobaseline import console, rollout
from gobaseline.model import Report, Stage
from gobaseline.policy import Policy
from gobaseline.stages import Context, StageRun
from gobaseline.stages.context import discover_go, in_background, make_context, policy_for
from gobaseline.stages.record import RunRecord


@dataclass(frozen=True)
class RunOptions:
    """What one run looks at and how far it goes."""

    path: Path
    """The Go module directory, or a workspace root (go.work, or a repository with several go.mod files)."""
    policy: Path | None = None
    """The policy file; default `.gobaseline.yml` in the module, if any."""
    in_force: bool = False
    """On a change under review, use the target branch's policy (a change cannot relax its own gate)."""
    go_command: str | None = None
    targets: tuple[str, ...] | None = None
    output: Path | None = None
    packages: tuple[str, ...] | None = None
    build: bool = False
    """Build and verify after the admission stages."""
    probe: bool = False
    """Probe the host target's binary after the build (when the policy enables the probe)."""
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    progress: Callable[[str], None] = console.say
    """Receives the build's progress lines (stderr by default)."""
    rollout: rollout.Settings = field(default_factory=rollout.Settings)
    """The baseline file and new_only from the command line, or neither applied (`gobaseline baseline`)."""


@dataclass(frozen=True)
class RunResult:
    """The Report of the run, the context it ran in and the files the stages wrote (`manifest`, `sha256sums`)."""

    report: Report
    context: Context
    files: Mapping[str, Path]

    @property
    def policy(self) -> Policy:
        """The policy in force."""
        return self.context.policy


def run(options: RunOptions) -> RunResult:
    """Run the stages in order; raises GobaselineError for what a person must fix (no go.mod, bad policy)."""
    policy, extra = policy_for(options.path, options.policy, in_force=options.in_force, environ=options.environ)
    go = discover_go(options.go_command, options.environ)
    ctx = make_context(
        options.path,
        policy=policy,
        go=go,
        targets=options.targets,
        output=options.output,
        packages=options.packages or None,
        progress=options.progress,
        builds=options.build,
    )
    settled = rollout.prepare(ctx, options.rollout, in_force=options.in_force, environ=options.environ)
    record = RunRecord(ctx, extra_findings=extra, rollout=settled)
    pool = ThreadPoolExecutor(max_workers=1)
    try:  # the build list and the packages to build load while admission runs
        record.ctx = in_background(ctx, pool, build=options.build)
        admission(record)
    finally:  # the packages may still be listing: the build stage waits for them, nothing else does
        pool.shutdown(wait=False, cancel_futures=not options.build or record.blocking)
    if options.build and record.blocking:
        record.skipped(Stage.BUILD, "build", "admission found blocking problems")
    elif options.build:
        for stage, fn in _after_admission(options, policy):
            record.run(stage, fn)
    return RunResult(record.report(), record.ctx, record.files)


def admission(record: RunRecord) -> None:
    """Toolchain, go.mod, module cache and output dir: each may read what the earlier ones found."""
    from gobaseline.stages import gomod, modcache, outdir, toolchain

    tc = record.run(Stage.TOOLCHAIN, toolchain.run)
    record.run(Stage.GOMOD, gomod.run)
    if record.ctx.go is not None and not any(f.rule_id == "GB112" for f in tc.findings):
        record.run(Stage.MODCACHE, modcache.run)
    else:
        record.skipped(Stage.MODCACHE, "module-cache", "no usable go command")
    record.run(Stage.OUTDIR, outdir.run)


def _after_admission(options: RunOptions, policy: Policy) -> list[tuple[Stage, StageRun]]:
    from gobaseline.stages import build, probe_select, verify

    stages: list[tuple[Stage, StageRun]] = [(Stage.BUILD, build.run), (Stage.VERIFY, verify.run)]
    if options.probe and policy.probe.enabled:
        stages.append((Stage.PROBE, probe_select.run))
    return stages
