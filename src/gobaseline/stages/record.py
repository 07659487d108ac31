"""The record of one run: every stage's result in order, and the Report made of them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gobaseline import __version__
from gobaseline.model import CheckStatus, Finding, Report, Severity, Stage
from gobaseline.rollout import Rollout, Settings, prepare
from gobaseline.stages import Context, StageResult, StageRun


@dataclass
class RunRecord:
    """The state of one run: the context, and every stage's result in order."""

    ctx: Context
    stages: list[StageResult] = field(default_factory=list)
    extra_findings: list[Finding] = field(default_factory=list)
    """Findings from outside the stages (policy changed in the change under review, publish degraded)."""
    started_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    rollout: Rollout | None = None
    """Suppressions, the baseline and new_only (`gobaseline.rollout`); without one, go.mod's suppressions only."""

    def __post_init__(self) -> None:
        if self.rollout is None:
            self.rollout = prepare(self.ctx, Settings(accept=False), in_force=False, environ={})

    def add(self, result: StageResult) -> StageResult:
        """Keep a stage's result; returns it."""
        self.stages.append(result)
        return result

    def run(self, stage: Stage, fn: StageRun) -> StageResult:
        """Run one stage on the context and the results so far, record its wall time, keep its result."""
        start = time.perf_counter()
        result = fn(self.ctx, self.earlier)
        result.seconds = time.perf_counter() - start
        if result.stage is not stage:  # a stage must report under its own name
            raise AssertionError(f"stage {stage} returned a result for {result.stage}")
        return self.add(result)

    def skipped(self, stage: Stage, check: str, why: str) -> None:
        """Record a stage that did not run, and why."""
        result = StageResult(stage)
        result.skip(check, why)
        self.add(result)

    @property
    def earlier(self) -> dict[Stage, StageResult]:
        """The results so far, by stage (what the next stage may read)."""
        return {s.stage: s for s in self.stages}

    @property
    def files(self) -> dict[str, Path]:
        """Files the stages wrote that publishers and step outputs name (`manifest`, `sha256sums`)."""
        return {name: path for s in self.stages for name, path in s.files.items()}

    @property
    def blocking(self) -> bool:
        """True when an error-level finding (after policy severities) stops the pipeline."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def ran(self) -> set[Stage]:
        """The stages that ran at least one check (a stage only skipped did not)."""
        return {
            s.stage for s in self.stages if s.findings or any(c.status is not CheckStatus.SKIPPED for c in s.checks)
        }

    @property
    def findings(self) -> list[Finding]:
        """All findings with the policy's severities applied, then settled by the rollout, in one place."""
        raw = [f for s in self.stages for f in s.findings] + self.extra_findings
        applied = self.ctx.policy.apply(raw)
        return self.rollout.apply(applied, ran=self.ran, targets=self.ctx.targets) if self.rollout else applied

    def report(self) -> Report:
        """The Report of everything so far."""
        environment: dict[str, str] = {"gobaseline": __version__}
        for s in self.stages:
            environment.update(s.facts)
        timings: dict[str, float] = {}
        for s in self.stages:
            timings[s.stage.value] = timings.get(s.stage.value, 0.0) + s.seconds
        return Report(
            tool_version=__version__,
            root=str(self.ctx.repo_root),
            findings=tuple(_dedupe(self.findings)),
            checks=tuple(c for s in self.stages for c in s.checks),
            artifacts=tuple(a for s in self.stages for a in s.artifacts),
            timings=timings,
            environment=environment,
            targets=self.ctx.targets,
            policy_source=self.ctx.policy.source,
            started_at=self.started_at,
        )


def _dedupe(findings: Sequence[Finding]) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.fingerprint not in seen:
            seen.add(f.fingerprint)
            out.append(f)
    return out
