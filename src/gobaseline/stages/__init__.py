"""The admission checks. Each stage exposes `run(ctx: Context) -> StageResult` and never prints or exits.

Stages: `toolchain` (tier 1), `modcache` (tier 2), `outdir` (tier 3), `gomod` (go.mod policy).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gobaseline.model import CheckRecord, CheckStatus, Finding, Location, Severity, Stage

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go
    from gobaseline.golang.modfile import GoMod
    from gobaseline.golang.releases import Releases
    from gobaseline.policy import Policy


@dataclass(frozen=True)
class Platform:
    """Facts about the machine that the system-disk rules need; tests inject their own."""

    system: str = "linux"
    """`linux`, `windows` or `darwin`."""
    system_drive: str = "C:"
    """Windows only: the drive that holds Windows (`%SystemDrive%`)."""

    @classmethod
    def current(cls) -> Platform:
        """The machine we run on."""
        import sys

        system = {"win32": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
        return cls(system=system, system_drive=os.environ.get("SYSTEMDRIVE", "C:"))

    def on_system_disk(self, path: Path) -> bool:
        """True when `path` (or its nearest existing parent) is on the disk holding the operating system."""
        if self.system == "windows":
            drive = Path(path).drive or os.path.splitdrive(str(path))[0]
            return drive.upper() == self.system_drive.upper()
        existing = Path(path)
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        try:
            return existing.stat().st_dev == Path("/").stat().st_dev
        except OSError:
            return False


@dataclass
class Context:
    """Everything a check may look at. Built once per run by `gobaseline.pipeline`."""

    repo_root: Path
    """The repository root (git top level, else the module directory); finding paths are relative to it."""
    module_dir: Path
    """The directory holding go.mod."""
    policy: Policy
    go: Go | None
    """None when no go command was found (the toolchain stage reports it)."""
    targets: tuple[str, ...]
    output_dir: Path
    platform: Platform = field(default_factory=Platform.current)
    today: dt.date = field(default_factory=dt.date.today)
    releases: Releases | None = None
    """Release data, loaded once by the first stage that needs it (refresh fetches once per run)."""
    build_list: Future[tuple[list[dict[str, Any]], str]] | None = None
    """`go list -m -json all` started early by the pipeline, so it overlaps the toolchain stage's `go env`."""
    _gomod: GoMod | None = field(default=None, init=False, repr=False, compare=False)
    _gomod_bytes: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _root: Path | None = field(default=None, init=False, repr=False, compare=False)
    _rel: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def rel(self, path: Path | str) -> str:
        """`path` relative to the repository root with forward slashes; absolute when outside it."""
        key = str(path)
        cached = self._rel.get(key)
        if cached is None:
            p = Path(path)
            if not p.is_absolute():
                p = self.module_dir / p
            if self._root is None:
                self._root = self.repo_root.resolve()
            try:
                cached = p.resolve().relative_to(self._root).as_posix()
            except ValueError:
                cached = p.as_posix()
            self._rel[key] = cached
        return cached

    def at(self, path: Path | str, line: int | None = None, column: int | None = None) -> Location:
        """A Location for `path` (absolute or relative to the module directory)."""
        return Location(self.rel(path), line, column)

    @property
    def gomod_path(self) -> Path:
        """The module's go.mod."""
        return self.module_dir / "go.mod"

    def snapshot_gomod(self) -> bool:
        """Read go.mod's bytes now, before anything may rewrite it (`go list -mod=mod`); `gomod()` parses them.

        False when go.mod cannot be read (the go.mod stage reports it)."""
        if self._gomod_bytes is None:
            try:
                self._gomod_bytes = self.gomod_path.read_bytes()
            except OSError:
                return False
        return True

    def gomod(self) -> GoMod:
        """go.mod parsed once per run (from the snapshot when taken); raises GoModError with file and line."""
        if self._gomod is None:
            from gobaseline.golang import modfile as gomod

            name = self.rel(self.gomod_path)
            if self._gomod_bytes is not None:
                self._gomod = gomod.parse(self._gomod_bytes, name)
            else:
                self._gomod = gomod.load(self.gomod_path, name)
        return self._gomod


@dataclass
class StageResult:
    """What one stage found and which checks it ran."""

    stage: Stage
    findings: list[Finding] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    """Facts worth putting in the report's environment (go version, GOROOT, cache paths)."""
    seconds: float = 0.0

    @contextmanager
    def check(self, name: str, *, target: str | None = None) -> Iterator[list[Finding]]:
        """Record one check: the findings appended to the yielded list fail it, none passes it."""
        found: list[Finding] = []
        start = time.perf_counter()
        yield found
        self.findings.extend(found)
        # A note (e.g. "rewritten for you") is information: the check still passed.
        failed = any(f.severity is not Severity.NOTE for f in found)
        status = CheckStatus.FAILED if failed else CheckStatus.PASSED
        self.checks.append(CheckRecord(self.stage, name, status, time.perf_counter() - start, target))

    def skip(self, name: str, why: str, *, target: str | None = None) -> None:
        """Record a check that did not run, and why."""
        self.checks.append(CheckRecord(self.stage, name, CheckStatus.SKIPPED, 0.0, target, why))
