"""The pipeline in one screen: `run(RunOptions) -> RunResult`.

    policy -> toolchain -> go.mod -> module cache -> output dir -> build -> verify -> probe -> Report

Stages return findings; the policy's severities are applied once (`RunRecord.findings`). A blocking admission
finding stops before the build. The commands (`gobaseline.commands`) print, write and post the result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from gobaseline import console
from gobaseline.errors import GobaselineError
from gobaseline.model import Finding, Report, Stage
from gobaseline.policy import Policy
from gobaseline.stages import Context
from gobaseline.stages.context import discover_go, make_context, repository_root
from gobaseline.stages.record import RunRecord


def _log(message: str) -> None:
    console.say(message)


@dataclass(frozen=True)
class RunOptions:
    """What one run looks at and how far it goes."""

    path: Path
    """The Go module directory."""
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
    progress: Callable[[str], None] = _log
    """Receives the build's progress lines (stderr by default)."""


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
    policy, extra = _policy(options)
    go = discover_go(options.go_command, options.environ)
    ctx = make_context(options.path, policy=policy, go=go, targets=options.targets, output=options.output)
    record = RunRecord(ctx, extra_findings=extra)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # `go list -m all` may rewrite go.mod under -mod=mod (restored afterwards): every stage reads go.mod from
        # a snapshot taken first. Then the build list loads while the toolchain stage runs `go env`.
        if ctx.snapshot_gomod() and ctx.go is not None:
            from gobaseline.stages import modcache

            ctx.build_list = pool.submit(modcache.list_build, ctx)
        admission(record)
    if options.build:
        _build_and_verify(record, options)
        if options.probe:
            _probe(record)
    return RunResult(record.report(), record.ctx, dict(record.files))


def _policy(options: RunOptions) -> tuple[Policy, list[Finding]]:
    from gobaseline import policy as policy_mod

    module_dir = options.path.resolve()
    if not module_dir.is_dir():
        if options.in_force:
            raise GobaselineError("not a directory", path=str(options.path))
        return Policy(), []
    if options.in_force:
        from gobaseline.policy.in_force import policy_in_force

        given = options.policy
        if given is None and (module_dir / policy_mod.POLICY_FILENAME).is_file():
            given = module_dir / policy_mod.POLICY_FILENAME
        return policy_in_force(repository_root(module_dir), options.environ, given)
    return policy_mod.load(options.policy, module_dir), []


def admission(record: RunRecord) -> None:
    """Toolchain, go.mod, module cache and output dir, in an order where each can use what the previous found."""
    from gobaseline.stages import gomod, modcache, outdir, toolchain

    ctx = record.ctx
    tc = record.timed(Stage.TOOLCHAIN, lambda: toolchain.run(ctx))
    record.timed(Stage.GOMOD, lambda: gomod.run(ctx))
    if ctx.go is not None and not any(f.rule_id == "GB112" for f in tc.findings):
        record.timed(Stage.MODCACHE, lambda: modcache.run(ctx))
    else:
        record.skipped(Stage.MODCACHE, "module-cache", "no usable go command")
    record.timed(Stage.OUTDIR, lambda: outdir.run(ctx))


def _build_and_verify(record: RunRecord, options: RunOptions) -> None:
    from gobaseline.stages import build

    if record.blocking:
        record.skipped(Stage.BUILD, "build", "admission found blocking problems")
        return
    start = time.perf_counter()
    outcome = build.run(record.ctx, packages=options.packages or None, progress=options.progress)
    outcome.build.seconds = outcome.build.seconds or (time.perf_counter() - start)
    record.add(outcome.build)
    record.add(outcome.verify)
    record.artifacts.extend(outcome.artifacts)
    if outcome.manifest_path is not None:
        record.files["manifest"] = outcome.manifest_path
    if outcome.sums_path is not None:
        record.files["sha256sums"] = outcome.sums_path


def _probe(record: RunRecord) -> None:
    from gobaseline.stages import probe, probe_select

    ctx = record.ctx
    pol = ctx.policy.probe
    if not pol.enabled:
        return
    binary = probe_select.probe_binary(ctx, record.artifacts)
    if binary is None:
        record.skipped(Stage.PROBE, "probe", "no binary for the host target was built")
        return
    stamped = probe_select.stamped_version(ctx.policy.build.ldflags)
    main_file = probe_select.main_file(ctx, pol.package)
    target = probe_select.host_target(ctx) or None
    record.timed(
        Stage.PROBE, lambda: probe.run(ctx, binary, main_file=main_file, stamped_version=stamped, target=target)
    )
