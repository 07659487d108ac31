"""The policy file `.gobaseline.yml`: loading, validation against the shipped JSON Schema, and defaults.

Every error names the file, the line and the key. Severity overrides are applied here, in one place
(`Policy.apply`), so checks always emit their rule's default severity.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from gobaseline.errors import PolicyError
from gobaseline.model import Finding, Severity
from gobaseline.policy import document
from gobaseline.policy.document import dotted, line_of

POLICY_FILENAME = ".gobaseline.yml"
DEFAULT_TARGETS = ("linux/amd64", "linux/arm64", "windows/amd64", "darwin/arm64")
SYSTEM_DISK_RULES = ("GB111", "GB305")
DEFAULT_REQUIRED_FIELDS = ("ts", "level", "service", "version", "trace_id")


@dataclass(frozen=True)
class Waiver:
    """Permission to `replace` one public module, until a date."""

    module: str
    approved_by: str
    ticket: str
    expires: dt.date
    line: int
    """Line of the waiver in the policy file, for findings about it."""


@dataclass(frozen=True)
class BuildPolicy:
    """What the `build` section may add to the pinned build."""

    packages: tuple[str, ...] = ("./...",)
    ldflags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    bindnow: bool = True
    rebuild: str = "cached"
    gocache: str = "shared"
    gocache_dir: str | None = None
    """`gocache: verified`: the private cache directory, kept for `gobaseline cache promote` (default: temporary)."""
    gocache_pool: str | None = None
    """`gocache: verified`: the shared read-only pool, every object verified before use."""
    allow_non_pie: tuple[str, ...] = ()
    sbom: bool = False
    parallel: int | None = None
    """Targets built at once at most; None: one per core. Memory bounds it too (`link_memory_mb`)."""
    link_memory_mb: int = 1500
    """The memory one target's link is assumed to need: no more targets build at once than available memory
    holds (a large daemon's link peaks at about 1.4 GB)."""


@dataclass(frozen=True)
class ProbePolicy:
    """The optional start-up probe of the built service."""

    enabled: bool = False
    package: str | None = None
    binary: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    port_flag: str | None = None
    listen_env: str | None = None
    port_env: str | None = None
    startup_timeout: float = 10.0
    shutdown_grace: float = 5.0
    required_fields: tuple[str, ...] = DEFAULT_REQUIRED_FIELDS
    log_lines: int = 5


@dataclass(frozen=True)
class DisksPolicy:
    """The volumes' health: the fsync latency fuse and SMART."""

    max_fsync_ms: float = 250.0
    """A p99 write + fsync latency above this is a finding (GB116, GB306). About 300 times what a healthy disk
    measures (docs/policy.md), so only a failing, throttled or remote volume reaches it."""
    probe: bool = True
    """Probe the latency on runs that build (one bounded probe per distinct volume)."""
    smart: bool = True
    """Read SMART with smartctl where it is installed and permitted."""


@dataclass(frozen=True)
class Policy:
    """The policy in force. `Policy()` is the default policy."""

    go_versions: tuple[str, ...] | None = None
    """None means `supported`: the two newest supported minor releases."""
    severity: Mapping[str, str] = field(default_factory=dict)
    """Rule id -> error|warning|note|off, names already resolved to ids."""
    system_disk: str = "warning"
    targets: tuple[str, ...] = DEFAULT_TARGETS
    output_dir: str = "gobaseline-out"
    min_free_mb: int = 200
    waivers: tuple[Waiver, ...] = ()
    build: BuildPolicy = field(default_factory=BuildPolicy)
    probe: ProbePolicy = field(default_factory=ProbePolicy)
    disks: DisksPolicy = field(default_factory=DisksPolicy)
    modules: str = "download"
    """download|offline: `go mod download` with the user's settings before the module cache is checked, or check
    the cache as it is (pre-seeded, no network)."""
    nested_modules: str = "include"
    """include|ignore: a run at a repository root with nested go.mod files (and no go.work) covers every module,
    or the root module alone, as the go command's `./...` (which stops at a nested go.mod) sees it."""
    releases_refresh: bool = False
    releases_url: str = "https://go.dev/dl/?mode=json"
    fail_on: str | None = None
    """error|warning|never: which findings fail the job (exit 1, else 0); None keeps the 0/1/2 exit codes."""
    baseline: str | None = None
    """The baseline file, relative to the module directory; None: `.gobaseline-baseline.json` there."""
    new_only: bool = False
    """On a pull or merge request, findings on lines the change did not touch are notes."""
    source: str = "default"
    """Where the policy came from: a path in the working tree, `base:<sha>:<path>` (a file on a change's target),
    `base:<sha>` (the target has no policy file) or `default`."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each top-level key in the policy file, for findings that point into it."""

    def severity_for(self, rule_id: str, default: Severity) -> Severity | None:
        """The severity in force for a rule, or None when the policy turns it off."""
        override = self.severity.get(rule_id)
        if override is None and rule_id in SYSTEM_DISK_RULES:
            override = self.system_disk
        if override is None:
            return default
        if override == "off":
            return None
        return Severity(override)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings with severity overrides applied and silenced rules dropped."""
        out = []
        for f in findings:
            sev = self.severity_for(f.rule_id, f.severity)
            if sev is not None:
                out.append(f if sev is f.severity else f.with_severity(sev))
        return out


@cache
def schema() -> dict[str, Any]:
    """The policy JSON Schema shipped in the package (also published at schemas/policy.schema.json)."""
    text = (Path(__file__).parents[1] / "schemas" / "policy.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def parse(text: str, source: str) -> Policy:
    """Parse and validate policy text; `source` names it in errors."""
    import jsonschema

    root, data = document.load(text, source)

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    # The first hundred are plenty to choose the best from; a hostile file could have thousands.
    errors = sorted(islice(validator.iter_errors(data), 100), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        err = jsonschema.exceptions.best_match(errors) or errors[0]
        path = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            # Point at the unknown key itself, not at the mapping that holds it.
            known = set(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in known]
            if extra:
                path.append(extra[0])
                raise PolicyError(
                    f"key {dotted(path)}: unknown key; allowed here: {', '.join(sorted(known))}",
                    path=source,
                    line=line_of(root, path),
                )
        raise PolicyError(f"key {dotted(path)}: {_explain(err)}", path=source, line=line_of(root, path))
    return _build(data, root, source)


def _explain(err: Any) -> str:
    message = document.short(str(err.message))
    if err.validator == "additionalProperties":
        return f"{message}; see the policy schema for the allowed keys"
    return message


def _build(data: dict[str, Any], root: Any, source: str) -> Policy:
    from gobaseline.rules import catalogue

    severity: dict[str, str] = {}
    for key, value in data.get("severity", {}).items():
        rule = catalogue().resolve(key)
        if rule is None:
            raise PolicyError(
                f"key severity.{key}: no such rule (see `gobaseline rules`)",
                path=source,
                line=line_of(root, ["severity", key]),
            )
        severity[rule.id] = value

    waivers = []
    for i, w in enumerate(data.get("waivers", [])):
        line = line_of(root, ["waivers", i]) or 1
        try:
            expires = dt.date.fromisoformat(w["expires"])
        except ValueError as e:
            raise PolicyError(f"key waivers[{i}].expires: {e}", path=source, line=line) from e
        waivers.append(Waiver(w["module"], w["approved_by"], w["ticket"], expires, line))

    b = data.get("build", {})
    build = BuildPolicy(
        packages=tuple(b.get("packages", ("./...",))),
        ldflags=tuple(b.get("ldflags", ())),
        tags=tuple(b.get("tags", ())),
        flags=tuple(b.get("flags", ())),
        env=dict(b.get("env", {})),
        bindnow=b.get("bindnow", True),
        rebuild=b.get("rebuild", "cached"),
        gocache=b.get("gocache", "shared"),
        gocache_dir=b.get("gocache_dir"),
        gocache_pool=b.get("gocache_pool"),
        allow_non_pie=tuple(b.get("allow_non_pie", ())),
        sbom=b.get("sbom", False),
        parallel=b.get("parallel"),
        link_memory_mb=b.get("link_memory_mb", 1500),
    )
    p = data.get("probe", {})
    probe = ProbePolicy(
        enabled=p.get("enabled", False),
        package=p.get("package"),
        binary=p.get("binary"),
        args=tuple(p.get("args", ())),
        env=dict(p.get("env", {})),
        port_flag=p.get("port_flag"),
        listen_env=p.get("listen_env"),
        port_env=p.get("port_env"),
        startup_timeout=float(p.get("startup_timeout", 10.0)),
        shutdown_grace=float(p.get("shutdown_grace", 5.0)),
        required_fields=tuple(p.get("required_fields", DEFAULT_REQUIRED_FIELDS)),
        log_lines=p.get("log_lines", 5),
    )
    has_address = probe.port_flag or probe.listen_env or probe.port_env or _has_placeholder(probe)
    if probe.enabled and not has_address:
        raise PolicyError(
            "key probe: an enabled probe needs port_flag, listen_env or port_env (or {address}/{port} in "
            "args or env) to pass the listen address to the service",
            path=source,
            line=line_of(root, ["probe"]),
        )
    d = data.get("disks", {})
    disks = DisksPolicy(
        max_fsync_ms=float(d.get("max_fsync_ms", 250.0)), probe=d.get("probe", True), smart=d.get("smart", True)
    )
    go_versions = data.get("go_versions", "supported")
    out = data.get("output", {})
    rel = data.get("releases", {})
    import yaml

    # A document that is only `~` or a comment composes to a scalar node or None, not a mapping.
    is_mapping = isinstance(root, yaml.MappingNode)
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in root.value} if is_mapping else {}
    return Policy(
        go_versions=None if go_versions == "supported" else tuple(go_versions),
        severity=severity,
        system_disk=data.get("system_disk", "warning"),
        targets=tuple(data.get("targets", DEFAULT_TARGETS)),
        output_dir=out.get("dir", "gobaseline-out"),
        min_free_mb=out.get("min_free_mb", 200),
        waivers=tuple(waivers),
        build=build,
        probe=probe,
        disks=disks,
        modules=data.get("modules", "download"),
        nested_modules=data.get("nested_modules", "include"),
        releases_refresh=rel.get("refresh", False),
        releases_url=rel.get("url", "https://go.dev/dl/?mode=json"),
        fail_on=data.get("fail_on"),
        baseline=data.get("baseline"),
        new_only=data.get("new_only", False),
        source=source,
        lines=lines,
    )


def _has_placeholder(probe: ProbePolicy) -> bool:
    values = [*probe.args, *probe.env.values()]
    return any("{address}" in v or "{port}" in v for v in values)


def load(path: Path | None, repo_root: Path) -> Policy:
    """The policy at `path`, or `<repo_root>/.gobaseline.yml` when it exists, or the default policy."""
    if path is None:
        candidate = repo_root / POLICY_FILENAME
        if not os.path.lexists(candidate):
            return Policy()
        path = candidate  # a directory, a FIFO or a dangling link there is an error, not "no policy"
    text = document.read(path)
    source = str(path)
    with contextlib.suppress(ValueError):  # a policy outside the repository keeps its path as given
        source = path.resolve().relative_to(repo_root.resolve()).as_posix()
    return parse(text, source)
