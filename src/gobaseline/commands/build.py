"""`gobaseline build`: `check`, then the hardened build and the verification of every binary."""

from __future__ import annotations

from dataclasses import replace

from gobaseline.commands import check
from gobaseline.commands.check import Options
from gobaseline.model import ExitCode

__all__ = ["Options", "run"]


def run(options: Options) -> ExitCode:
    """`check` with the build."""
    return check.run(replace(options, build=True))
