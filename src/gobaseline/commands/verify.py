"""`gobaseline verify BIN...`: any Go binary, from the file itself."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gobaseline import __version__
from gobaseline.commands.output import emit, exit_code, fail_on_in_force
from gobaseline.errors import GobaselineError
from gobaseline.model import ExitCode, Report


@dataclass(frozen=True)
class Options:
    """`gobaseline verify` parameters."""

    binaries: tuple[Path, ...]
    policy: Path | None = None
    manifest: Path | None = None
    """A build manifest to compare each binary with."""
    go_command: str | None = None
    formats: tuple[str, ...] = ("text",)
    report_dir: Path | None = None
    fail_on: str | None = None


def run(options: Options) -> ExitCode:
    """Verify each binary against the policy (and the manifest); print or write the report."""
    import json

    from gobaseline import policy as policy_mod
    from gobaseline.golang.releases import Baseline, Releases
    from gobaseline.stages.context import discover_go
    from gobaseline.stages.verify import verify_files

    cwd = Path.cwd()
    policy = policy_mod.load(options.policy, cwd)
    go = discover_go(options.go_command, os.environ)
    manifest = None
    if options.manifest is not None:
        try:
            manifest = json.loads(options.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise GobaselineError(f"cannot read the build manifest: {e}", path=str(options.manifest)) from e
    baseline = Baseline.from_policy(policy.go_versions, Releases.snapshot())
    result, artifacts = verify_files(list(options.binaries), go=go, baseline=baseline, manifest=manifest, root=cwd)
    report = Report(
        tool_version=__version__,
        root=str(cwd),
        findings=tuple(policy.apply(result.findings)),
        checks=tuple(result.checks),
        artifacts=tuple(artifacts),
        timings={"verify": result.seconds},
        policy_source=policy.source,
    )
    emit(report, options.formats, options.report_dir)
    return exit_code(report.verdict, fail_on_in_force(options.fail_on, policy.fail_on))
