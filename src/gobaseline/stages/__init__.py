"""The stages. Each is a `StageRun`: `run(ctx, earlier) -> StageResult`; it reads the frozen `Context` and the
earlier stages' results, returns findings, and never prints or exits.

Admission: `toolchain` (tier 1), `gomod` (go.mod policy), `modcache` (tier 2), `outdir` (tier 3). Then `build`,
`verify` (from the bytes of what build wrote) and `probe`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gobaseline.disks import Disks, Platform
from gobaseline.errors import GobaselineError
from gobaseline.model import Artifact, CheckRecord, CheckStatus, Finding, Location, Severity, Stage

__all__ = [
    "BuildOutput",
    "Built",
    "Context",
    "Earlier",
    "Module",
    "Platform",
    "StageResult",
    "StageRun",
]

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go
    from gobaseline.golang.modfile import GoMod
    from gobaseline.golang.releases import Releases
    from gobaseline.policy import Policy
    from gobaseline.stages.moddownload import Prepared
    from gobaseline.stages.packages import Selection


@dataclass(frozen=True)
class Module:
    """One Go module of the run: its directory and its go.mod as read before any go command ran."""

    dir: Path
    gomod_bytes: bytes | None
    """go.mod's bytes, read once up front (`go list -mod=mod` may rewrite the file later); None when unreadable."""

    @classmethod
    def read(cls, directory: Path) -> Module:
        """The module at `directory`, with go.mod's bytes as they are now."""
        try:
            data: bytes | None = (directory / "go.mod").read_bytes()
        except OSError:
            data = None
        return cls(directory, data)

    @property
    def gomod_path(self) -> Path:
        """The module's go.mod."""
        return self.dir / "go.mod"

    @property
    def vendored(self) -> bool:
        """True when the module has a vendor/modules.txt."""
        return (self.dir / "vendor" / "modules.txt").is_file()


@dataclass(frozen=True)
class Context:
    """Everything a stage may look at, computed once up front by `gobaseline.pipeline` and never changed.

    Stages read it and return findings; no stage fills in data for another. The caches below (`rel`, `gomod`)
    only remember answers that are the same every time they are asked.
    """

    repo_root: Path
    """The repository root (git top level, else the module directory); finding paths are relative to it."""
    module_dir: Path
    """The directory the run was pointed at: the module's, or the root of a workspace (go.work, or a repository
    with several go.mod files); relative paths are relative to it."""
    policy: Policy
    go: Go | None
    """None when no go command was found (the toolchain stage reports it)."""
    targets: tuple[str, ...]
    output_dir: Path
    output_named: bool = False
    """The output directory was named on the command line or as an action input (so it may be anywhere)."""
    builds: bool = True
    """The run builds; a run that only checks (`gobaseline check`) writes nothing."""
    platform: Platform = field(default_factory=Platform.current)
    today: dt.date = field(default_factory=dt.date.today)
    releases: Releases | None = None
    """Release data: given, else the bundled snapshot or (with `releases.refresh`) the live list, loaded here."""
    releases_error: str | None = None
    """Why the live release list could not be loaded (the snapshot is used; the toolchain stage reports it)."""
    modules: tuple[Module, ...] = ()
    """The workspace: every module of the run (the one at `module_dir` unless given), `module` first."""
    workspace: Path | None = None
    """The go.work file when the go command builds `modules` as one workspace (at `module_dir`); None when each
    module is its own build root."""
    packages: tuple[str, ...] | None = None
    """Packages to build instead of the policy's `build.packages` (the command line's `--package`)."""
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    """Receives the build's progress lines."""
    build_list: Future[Mapping[Path, Prepared]] | None = field(default=None, compare=False)
    """`go mod download` (with `modules: download`) and `go list -m -json all` of each module (by directory; of the
    workspace at `module_dir`), started up front so they overlap the toolchain stage."""
    selection: Future[Selection | None] | None = field(default=None, compare=False)
    """The main packages of every target (`selection.list_up_front`), listed in the background after the build list
    while admission runs; the build stage lists them itself when this is None or answers None."""
    _rel: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.modules:
            object.__setattr__(self, "modules", (Module.read(self.module_dir),))
        if self.releases is None:
            releases, error = _load_releases(self.policy)
            object.__setattr__(self, "releases", releases)
            object.__setattr__(self, "releases_error", error)

    @property
    def module(self) -> Module:
        """The module at `module_dir`."""
        return self.modules[0]

    def for_module(self, module: Module) -> Context:
        """This context narrowed to one of its modules: what the per-module checks read."""
        return replace(self, module_dir=module.dir, modules=(module,), workspace=None)

    def each_module(self) -> Iterator[tuple[Context, str | None]]:
        """Each module's own context, with the label its checks carry when the run has several (its directory
        relative to the repository root)."""
        several = len(self.modules) > 1
        for m in self.modules:
            yield self.for_module(m), (self.rel(m.dir) or ".") if several else None

    @property
    def release_data(self) -> Releases:
        """The release data in force (never None after construction)."""
        if self.releases is None:  # pragma: no cover - __post_init__ always sets it
            raise AttributeError("releases")
        return self.releases

    def rel(self, path: Path | str) -> str:
        """`path` relative to the repository root with forward slashes; absolute when outside it."""
        key = str(path)
        cached = self._rel.get(key)
        if cached is None:
            p = Path(path)
            if not p.is_absolute():
                p = self.module_dir / p
            try:
                cached = p.resolve().relative_to(self._resolved_root).as_posix()
            except ValueError:
                cached = p.as_posix()
            self._rel[key] = cached
        return cached

    @cached_property
    def disks(self) -> Disks:
        """The volumes under the run's directories: placement, fsync latency and SMART, each asked once."""
        return Disks(self.platform)

    @cached_property
    def _resolved_root(self) -> Path:
        return self.repo_root.resolve()

    def at(self, path: Path | str, line: int | None = None, column: int | None = None) -> Location:
        """A Location for `path` (absolute or relative to the module directory)."""
        return Location(self.rel(path), line, column)

    @property
    def gomod_path(self) -> Path:
        """The module's go.mod."""
        return self.module.gomod_path

    def gomod(self) -> GoMod:
        """go.mod parsed from the bytes read up front; raises GoModError with file and line."""
        parsed = self._parsed_gomod
        if isinstance(parsed, Exception):
            raise parsed
        return parsed

    @cached_property
    def _parsed_gomod(self) -> GoMod | GobaselineError:
        from gobaseline.golang import modfile

        name = self.rel(self.gomod_path)
        try:
            if self.module.gomod_bytes is not None:
                return modfile.parse(self.module.gomod_bytes, name)
            return modfile.load(self.gomod_path, name)
        except GobaselineError as e:
            return e


def _load_releases(policy: Policy) -> tuple[Releases, str | None]:
    """The bundled snapshot, or the live list when the policy asks for it (the snapshot, and why, on failure)."""
    from gobaseline.golang.releases import Releases

    if not policy.releases_refresh:
        return Releases.snapshot(), None
    try:
        return Releases.fetch(policy.releases_url), None
    except GobaselineError as e:
        return Releases.snapshot(), e.message


@dataclass(frozen=True)
class Built:
    """One binary the build wrote, with its manifest entry as planned (verify adds the size and sha256)."""

    path: Path
    entry: Mapping[str, Any]


@dataclass(frozen=True)
class BuildOutput:
    """What the build stage hands to verify."""

    out_root: Path
    binaries: tuple[Built, ...] = ()
    failed_targets: tuple[str, ...] = ()
    manifest: Mapping[str, Any] = field(default_factory=dict)
    """The manifest's fields other than `artifacts` (module, go version, flags)."""


@dataclass
class StageResult:
    """What one stage found and which checks it ran."""

    stage: Stage
    findings: list[Finding] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    """Facts worth putting in the report's environment (go version, GOROOT, cache paths)."""
    seconds: float = 0.0
    built: BuildOutput | None = None
    """The build stage's hand-over to verify: the binaries it wrote."""
    artifacts: list[Artifact] = field(default_factory=list)
    """The verify stage's verified binaries."""
    files: dict[str, Path] = field(default_factory=dict)
    """Files the stage wrote that publishers and step outputs name (`manifest`, `sha256sums`)."""

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

    @contextmanager
    def about(self, label: str | None) -> Iterator[None]:
        """Checks and facts recorded inside are about one module of several: their names say which
        (`go-directive (tools)`); with no label, nothing changes."""
        if label is None:
            yield
            return
        start, facts = len(self.checks), self.facts
        self.facts = {}
        try:
            yield
        finally:
            self.checks[start:] = [replace(c, name=f"{c.name} ({label})") for c in self.checks[start:]]
            facts.update({f"{k} ({label})": v for k, v in self.facts.items()})
            self.facts = facts

    def skip(self, name: str, why: str, *, target: str | None = None) -> None:
        """Record a check that did not run, and why."""
        self.checks.append(CheckRecord(self.stage, name, CheckStatus.SKIPPED, 0.0, target, why))


Earlier = Mapping[Stage, StageResult]
"""The results of the stages that ran before, by stage (read-only)."""


class StageRun(Protocol):
    """What every stage is: a function of the run's context and the earlier stages' results."""

    def __call__(self, ctx: Context, earlier: Earlier, /) -> StageResult: ...
