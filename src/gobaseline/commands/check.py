"""`gobaseline check`: the admission stages and the go.mod policy (and, from `gobaseline build`, the build)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gobaseline import pipeline, rollout
from gobaseline.commands.output import emit, exit_code, fail_on_in_force
from gobaseline.model import ExitCode


@dataclass(frozen=True)
class Options:
    """`gobaseline check` (and `gobaseline build`) parameters."""

    path: Path = Path()
    policy: Path | None = None
    targets: tuple[str, ...] | None = None
    go_command: str | None = None
    formats: tuple[str, ...] = ("text",)
    report_dir: Path | None = None
    """Write each format to a file here (else print them)."""
    fail_on: str | None = None
    output: Path | None = None
    """The build output directory (to check, or to build into)."""
    packages: tuple[str, ...] | None = None
    build: bool = False
    baseline: Path | None = None
    """The baseline file (default: the policy's `baseline`, else `.gobaseline-baseline.json` in the module)."""
    new_only: bool = False
    """On a pull or merge request, findings on lines the change did not touch are notes."""

    def pipeline_options(self, **more: Any) -> pipeline.RunOptions:
        """What the pipeline needs of these options (and `more` of its own)."""
        return pipeline.RunOptions(
            self.path,
            policy=self.policy,
            go_command=self.go_command,
            targets=self.targets,
            output=self.output,
            packages=self.packages,
            build=self.build,
            rollout=rollout.Settings(baseline=self.baseline, new_only=self.new_only),
            **more,
        )


def run(options: Options) -> ExitCode:
    """Run the stages, print or write the report, return the exit code."""
    result = pipeline.run(options.pipeline_options())
    fail_on = fail_on_in_force(options.fail_on, result.policy.fail_on)
    emit(result.report, options.formats, options.report_dir, result.context, fail_on=fail_on)
    return exit_code(result.report.verdict, fail_on)
