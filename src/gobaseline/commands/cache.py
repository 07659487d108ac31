"""`gobaseline cacheprog` (the GOCACHEPROG program) and `gobaseline cache promote` (fill the shared pool)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gobaseline import console
from gobaseline.errors import GobaselineError
from gobaseline.model import ExitCode


@dataclass(frozen=True)
class Options:
    """Where the job-private cache and the shared pool are."""

    dir: Path
    pool: Path | None = None
    allow_change: bool = False
    """`promote` only: allow it on a pull or merge request (whose objects a default-branch run would then trust)."""
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def serve(options: Options) -> ExitCode:
    """Speak GOCACHEPROG on stdin and stdout until the go command closes it."""
    from gobaseline.golang import cacheprog

    if options.pool is not None and not options.pool.is_dir():
        raise GobaselineError("the pool is not a directory", path=str(options.pool))
    cacheprog.run(str(options.dir), None if options.pool is None else str(options.pool))
    return ExitCode.PASS


def promote(options: Options) -> ExitCode:
    """Copy a trusted run's verified objects into the pool; refused on a change under review."""
    from gobaseline import forges
    from gobaseline.golang import cacheprog

    if options.pool is None:
        raise GobaselineError("cache promote needs --pool")
    if not options.allow_change and forges.detect(options.environ).is_change_request:
        raise GobaselineError(
            "refusing to promote a pull or merge request's build cache into the shared pool "
            "(default-branch runs would link what the change built); pass --allow-change to do it anyway"
        )
    if not options.dir.is_dir():
        raise GobaselineError("no private cache here", path=str(options.dir))
    promoted, refused = cacheprog.promote(options.dir, options.pool)
    console.say(f"gobaseline: promoted {promoted} cache entries into {options.pool}; {refused} refused (bad bytes)")
    return ExitCode.WARNINGS if refused else ExitCode.PASS
