"""`gobaseline baseline`: accept today's findings in `.gobaseline-baseline.json`, so the gate blocks only new ones.

Runs the admission checks as `gobaseline check` does, without the baseline and new_only (suppressions in go.mod
still apply), and writes one entry per error or warning on a line of a file. An entry already in the file keeps
its owner, ticket and expiry; `--owner`, `--ticket` and `--expires` apply to new entries; entries that match
nothing are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from gobaseline import pipeline, rollout, safefs
from gobaseline.baseline import dumps, merge, read_file
from gobaseline.commands.output import log
from gobaseline.model import ExitCode, Finding, Severity, Stage


@dataclass(frozen=True)
class Options:
    """`gobaseline baseline` parameters."""

    path: Path = Path()
    policy: Path | None = None
    targets: tuple[str, ...] | None = None
    go_command: str | None = None
    baseline: Path | None = None
    """The file to write; default the policy's `baseline`, else `.gobaseline-baseline.json` in the module."""
    owner: str = ""
    ticket: str = ""
    expires: dt.date | None = None


def _debt(f: Finding) -> bool:
    """A finding on a line of a file: debt in the code. Facts about the runner (no line: the system disk, the
    toolchain) differ between machines, and findings about the policy, the baseline or publishing belong to one
    run; neither is accepted here (the policy's `severity` sets theirs)."""
    from gobaseline.rules import catalogue

    known = catalogue().get(f.rule_id)
    return (
        f.location is not None and f.location.line is not None and known is not None and known.stage is not Stage.POLICY
    )


def run(options: Options) -> ExitCode:
    """Check, then write the baseline file; exit 0 (3 when the existing file cannot be read)."""
    settings = rollout.Settings(baseline=options.baseline, accept=False)
    result = pipeline.run(
        pipeline.RunOptions(
            options.path,
            policy=options.policy,
            go_command=options.go_command,
            targets=options.targets,
            rollout=settings,
        )
    )
    ctx = result.context
    path = rollout.baseline_path(ctx, settings)
    display = ctx.rel(path)
    old = read_file(path, display)
    accepted = [f for f in result.report.findings if f.severity is not Severity.NOTE and _debt(f)]
    entries = merge(accepted, old, owner=options.owner, ticket=options.ticket, expires=options.expires)
    safefs.write_text(path, dumps(entries))
    before = {e.fingerprint for e in old.entries} if old is not None else set()
    now = {e.fingerprint for e in entries}
    noun = "entry" if len(entries) == 1 else "entries"
    log(
        f"gobaseline: wrote {len(entries)} {noun} to {display} ({len(now - before)} new, {len(now & before)} kept, "
        f"{len(before - now)} dropped)"
    )
    return ExitCode.PASS
