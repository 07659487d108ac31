"""`gobaseline merge A.json B.json -o merged.json`: the JSON reports of a target matrix sharded over CI jobs,
merged into one report.

Each shard runs the admission checks on its own machine and builds its share of the targets. The merge is the
report of the whole matrix:

- findings: the union, one per fingerprint (the most severe copy when shards disagree);
- checks: one per (stage, name, target, status), the slowest copy;
- artifacts: one per (target, path);
- targets: the union;
- timings: per stage, the largest value over the shards: shards run in parallel, so the slowest shard is the
  time the matrix spent in that stage (a sum would count machine time, not waiting time);
- environment: per key, the distinct values joined with ", " in sorted order (`go: go1.26.6, go1.27.3`);
- tool version, root and policy source: the first report's; `started_at`: the earliest.

The result is canonical (every list sorted), so it does not depend on how the whole was split:
`merge(shards) == merge([whole])`, and merging a merged report changes nothing. Only the tool version, root
and policy source depend on the order of the reports. The verdict is a property of the findings, so it is
recomputed by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gobaseline import safefs
from gobaseline.commands.output import log
from gobaseline.model import Artifact, CheckRecord, ExitCode, Finding, Report, Stage

_STAGES = {stage: i for i, stage in enumerate(Stage)}


def _finding_key(f: Finding) -> tuple[object, ...]:
    loc = f.location
    return (
        f.rule_id,
        loc.path if loc else "",
        (loc.line or 0) if loc else 0,
        (loc.column or 0) if loc else 0,
        f.target or "",
        f.message,
        f.fingerprint,
        -f.severity.rank,
        repr(loc),
    )


def _findings(reports: Sequence[Report]) -> tuple[Finding, ...]:
    chosen: dict[str, Finding] = {}
    for f in (f for r in reports for f in r.findings):
        old = chosen.get(f.fingerprint)
        # Most severe wins; among equals, a total order keeps the choice independent of report order.
        if old is None or (-f.severity.rank, _finding_key(f)) < (-old.severity.rank, _finding_key(old)):
            chosen[f.fingerprint] = f
    return tuple(sorted(chosen.values(), key=_finding_key))


def _checks(reports: Sequence[Report]) -> tuple[CheckRecord, ...]:
    chosen: dict[tuple[object, ...], CheckRecord] = {}
    for c in (c for r in reports for c in r.checks):
        key = (_STAGES[c.stage], c.name, c.target or "", c.status.value)
        old = chosen.get(key)
        if old is None or (c.seconds, c.detail) > (old.seconds, old.detail):
            chosen[key] = c
    return tuple(chosen[k] for k in sorted(chosen))


def _artifacts(reports: Sequence[Report]) -> tuple[Artifact, ...]:
    chosen: dict[tuple[str, str], Artifact] = {}
    for a in (a for r in reports for a in r.artifacts):
        key = (a.target, a.path)
        old = chosen.get(key)
        if old is None or repr(sorted(a.to_dict().items())) < repr(sorted(old.to_dict().items())):
            chosen[key] = a
    return tuple(chosen[k] for k in sorted(chosen))


def _timings(reports: Sequence[Report]) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in reports:
        for key, seconds in r.timings.items():
            out[key] = max(out.get(key, 0.0), seconds)
    return dict(sorted(out.items()))


def _environment(reports: Sequence[Report]) -> dict[str, str]:
    values: dict[str, set[str]] = {}
    for r in reports:
        for key, value in r.environment.items():
            values.setdefault(key, set()).add(value)
    return {key: ", ".join(sorted(values[key])) for key in sorted(values)}


def _earliest(stamps: Iterable[str]) -> str:
    parsed: list[tuple[datetime, str]] = []
    for stamp in stamps:
        try:
            when = datetime.fromisoformat(stamp)
        except ValueError:
            continue
        if when.tzinfo is not None:
            parsed.append((when, stamp))
    return min(parsed)[1] if parsed else ""


def merge(reports: Sequence[Report]) -> Report:
    """One report for the whole matrix (see the module docstring for the rule of each field)."""
    if not reports:
        raise ValueError("merge needs at least one report")
    first = reports[0]
    return Report(
        tool_version=first.tool_version,
        root=first.root,
        findings=_findings(reports),
        checks=_checks(reports),
        artifacts=_artifacts(reports),
        timings=_timings(reports),
        environment=_environment(reports),
        targets=tuple(sorted({t for r in reports for t in r.targets})),
        policy_source=first.policy_source,
        started_at=_earliest(r.started_at for r in reports),
    )


@dataclass(frozen=True)
class Options:
    """`gobaseline merge` parameters."""

    reports: tuple[Path, ...]
    output: Path
    """The merged JSON report."""
    publish: bool = False
    """Then post the merged report, as `gobaseline publish` does (the merge job of a sharded matrix)."""
    fail_on: str | None = None
    """As for `gobaseline publish`: what fails the posted result and the exit code."""


def run(options: Options, environ: Mapping[str, str] | None = None) -> ExitCode:
    """Merge the saved reports into `output` (and post it, as the job `environ`); the exit code of the merged
    verdict."""
    from gobaseline.commands.output import exit_code
    from gobaseline.formats.json_report import dumps, load

    merged = merge([load(p) for p in options.reports])
    safefs.ensure_dir(options.output.parent)  # a planted link on the way, or as the file, is refused
    safefs.write_text(options.output, dumps(merged))
    log(f"gobaseline: merged {len(options.reports)} reports into {options.output}: {merged.verdict.value}")
    if options.publish:
        from gobaseline.commands import publish

        publish.run(publish.Options(options.output, fail_on=options.fail_on), environ)
    return exit_code(merged.verdict, options.fail_on)
