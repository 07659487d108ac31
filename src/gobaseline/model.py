"""The report model: findings are values, a Report holds them.

Checks return findings and never print, exit or post; formatters read a Report and return text; the CLI does the I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum
from typing import Any

REPORT_SCHEMA_VERSION = 1


class Severity(StrEnum):
    """How much a finding matters. `error` blocks the merge, `warning` is shown, `note` is information."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """2 for error, 1 for warning, 0 for note: larger is worse."""
        return {Severity.ERROR: 2, Severity.WARNING: 1, Severity.NOTE: 0}[self]

    def blocks(self, fail_on: str) -> bool:
        """Whether a finding of this severity fails a run that fails on `fail_on` (error | warning | never; any
        other value, such as an unresolved `policy`, counts as error). The one rule behind exit codes, check run
        conclusions, commit statuses and the summary's headline."""
        if fail_on == "never":
            return False
        return self is Severity.ERROR or (self is Severity.WARNING and fail_on == "warning")


class Stage(StrEnum):
    """The pipeline stage a rule belongs to; the first digit of a rule id names it."""

    POLICY = "policy"
    TOOLCHAIN = "toolchain"
    MODCACHE = "modcache"
    OUTDIR = "outdir"
    GOMOD = "gomod"
    BUILD = "build"
    VERIFY = "verify"
    PROBE = "probe"


class ExitCode(IntEnum):
    """The process exit codes every entry point uses."""

    PASS = 0
    ERRORS = 1
    WARNINGS = 2
    INTERNAL = 3
    INTERRUPTED = 130


class Verdict(StrEnum):
    """The overall outcome of a report."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    FAIL = "fail"

    @property
    def exit_code(self) -> ExitCode:
        """0 pass, 2 warnings only, 1 blocking findings."""
        return {Verdict.PASS: ExitCode.PASS, Verdict.WARN: ExitCode.WARNINGS, Verdict.FAIL: ExitCode.ERRORS}[self]

    def fails(self, fail_on: str) -> bool:
        """Whether a run with this verdict fails under `fail_on` (see Severity.blocks)."""
        worst = {Verdict.FAIL: Severity.ERROR, Verdict.WARN: Severity.WARNING}.get(self)
        return worst is not None and worst.blocks(fail_on)


@dataclass(frozen=True, order=True)
class Target:
    """One GOOS/GOARCH pair to build for: the only place that spells a target's forms."""

    goos: str
    goarch: str

    @classmethod
    def parse(cls, text: str) -> Target:
        """`linux/amd64` -> Target; raises ValueError for anything else."""
        goos, sep, goarch = text.strip().partition("/")
        if not sep or not goos or not goarch or "/" in goarch:
            raise ValueError(f"{text!r} is not GOOS/GOARCH (e.g. linux/amd64)")
        return cls(goos, goarch)

    def __str__(self) -> str:
        return f"{self.goos}/{self.goarch}"

    @property
    def dirname(self) -> str:
        """The per-target directory under the output directory (`linux_amd64`)."""
        return f"{self.goos}_{self.goarch}"

    @property
    def exe_suffix(self) -> str:
        """What Go appends to an executable's name on this target."""
        return ".exe" if self.goos == "windows" else ""

    def env(self) -> dict[str, str]:
        """GOOS and GOARCH for the go command."""
        return {"GOOS": self.goos, "GOARCH": self.goarch}


@dataclass(frozen=True, order=True)
class Location:
    """A place in the repository. `path` is relative to the repository root, with forward slashes."""

    path: str
    line: int | None = None
    """1-based; None when the finding is about the file as a whole."""
    column: int | None = None
    """1-based, in characters."""
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Finding:
    """One thing a check found. The rule's title and help come from the catalogue, keyed by `rule_id`."""

    rule_id: str
    severity: Severity
    message: str
    """One or two sentences: what is wrong here and how to fix it."""
    location: Location | None = None
    """None for facts about the machine (a toolchain path outside the repository); formats choose a fallback."""
    target: str | None = None
    """`GOOS/GOARCH` for findings that belong to one build target."""
    fingerprint: str = ""
    """Stable identity across runs; computed from the other fields when left empty."""

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", self.compute_fingerprint())

    def compute_fingerprint(self) -> str:
        """The fingerprint from rule, file, target and message, never the line (`gobaseline.fingerprint`); a run
        replaces it by one that also holds the line's content, so a duplicate has the same fingerprint."""
        from gobaseline.fingerprint import compute

        return compute(self.rule_id, self.location.path if self.location else None, self.target, self.message, None)

    def with_severity(self, severity: Severity) -> Finding:
        """The same finding at another severity (policy overrides); the fingerprint does not change."""
        return replace(self, severity=severity)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the inverse of `from_dict`."""
        d: dict[str, Any] = {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "message": self.message,
            "fingerprint": self.fingerprint,
        }
        if self.location is not None:
            d["location"] = {k: v for k, v in vars(self.location).items() if v is not None}
        if self.target is not None:
            d["target"] = self.target
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        """Read a finding written by `to_dict`."""
        loc = d.get("location")
        return cls(
            rule_id=str(d["rule_id"]),
            severity=Severity(d["severity"]),
            message=str(d["message"]),
            location=Location(**loc) if loc else None,
            target=d.get("target"),
            fingerprint=str(d.get("fingerprint", "")),
        )


class CheckStatus(StrEnum):
    """The outcome of one executed check, for JUnit and the summary."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckRecord:
    """One check that ran (or was skipped), so reports can show what passed, not only what failed."""

    stage: Stage
    name: str
    """Short machine name, e.g. `goroot-complete` or `hash-extracted-trees`."""
    status: CheckStatus
    seconds: float = 0.0
    target: str | None = None
    detail: str = ""
    """Why it was skipped, or a one-line summary of what it looked at."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d: dict[str, Any] = {
            "stage": self.stage.value,
            "name": self.name,
            "status": self.status.value,
            "seconds": round(self.seconds, 4),
        }
        if self.target is not None:
            d["target"] = self.target
        if self.detail:
            d["detail"] = self.detail
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CheckRecord:
        """Read a record written by `to_dict`."""
        return cls(
            stage=Stage(d["stage"]),
            name=str(d["name"]),
            status=CheckStatus(d["status"]),
            seconds=float(d.get("seconds", 0.0)),
            target=d.get("target"),
            detail=str(d.get("detail", "")),
        )


@dataclass(frozen=True)
class Artifact:
    """A binary the build produced, with what verification proved about it."""

    target: str
    """`GOOS/GOARCH`."""
    path: str
    """Relative to the repository root when inside it, else absolute."""
    size: int
    sha256: str
    format: str = ""
    """`elf`, `pe` or `macho`."""
    pie: bool | None = None
    stripped: bool | None = None
    static: bool | None = None
    """Needs no libraries beyond the operating system's own: ELF no DT_NEEDED, PE only kernel32.dll, Mach-O only
    /usr/lib/libSystem (macOS binaries always link it). A Linux PIE may still name a loader: see `interpreter`."""
    interpreter: str | None = None
    go_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {k: v for k, v in vars(self).items() if v is not None and v != ""}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Artifact:
        """Read an artifact written by `to_dict`."""
        return cls(**{k: d[k] for k in d if k in cls.__dataclass_fields__})


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    """fail on any error, warn on warnings only, pass otherwise."""
    worst = max((f.severity.rank for f in findings), default=0)
    return {2: Verdict.FAIL, 1: Verdict.WARN, 0: Verdict.PASS}[worst]


@dataclass(frozen=True)
class Report:
    """Everything one run found and made. Pure data; `to_dict`/`from_dict` round-trip through JSON."""

    tool_version: str
    root: str
    """The repository root the run looked at (absolute when written by the CLI)."""
    findings: tuple[Finding, ...] = ()
    checks: tuple[CheckRecord, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    """Seconds per stage."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Facts about the machine: go version, GOROOT, host, runner."""
    targets: tuple[str, ...] = ()
    policy_source: str = ""
    """Where the policy in force came from: a path, `base:<sha>` or `default`."""
    started_at: str = ""
    """RFC 3339 UTC."""

    @property
    def verdict(self) -> Verdict:
        """The overall outcome, from the findings alone."""
        return verdict_of(self.findings)

    def count(self, severity: Severity) -> int:
        """How many findings have this severity."""
        return sum(1 for f in self.findings if f.severity is severity)

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form (`schema` 1), the input of `gobaseline report` and `merge`."""
        return {
            "schema": REPORT_SCHEMA_VERSION,
            "tool": {"name": "gobaseline", "version": self.tool_version},
            "root": self.root,
            "started_at": self.started_at,
            "policy_source": self.policy_source,
            "targets": list(self.targets),
            "verdict": self.verdict.value,
            "counts": {s.value: self.count(s) for s in Severity},
            "findings": [f.to_dict() for f in self.findings],
            "checks": [c.to_dict() for c in self.checks],
            "artifacts": [a.to_dict() for a in self.artifacts],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "environment": dict(self.environment),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Report:
        """Read a report written by `to_dict`. The caller validates against the schema first."""
        return cls(
            tool_version=str(d["tool"]["version"]),
            root=str(d.get("root", "")),
            findings=tuple(Finding.from_dict(f) for f in d.get("findings", [])),
            checks=tuple(CheckRecord.from_dict(c) for c in d.get("checks", [])),
            artifacts=tuple(Artifact.from_dict(a) for a in d.get("artifacts", [])),
            timings={str(k): float(v) for k, v in d.get("timings", {}).items()},
            environment={str(k): str(v) for k, v in d.get("environment", {}).items()},
            targets=tuple(d.get("targets", [])),
            policy_source=str(d.get("policy_source", "")),
            started_at=str(d.get("started_at", "")),
        )
