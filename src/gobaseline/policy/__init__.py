"""The policy file `.gobaseline.yml`: loading, validation against the shipped JSON Schema, and defaults.

Every error names the file, the line and the key. Severity overrides are applied here, in one place
(`Policy.apply`), so checks always emit their rule's default severity.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from gobaseline.errors import PolicyError
from gobaseline.model import Finding, Severity

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
    allow_non_pie: tuple[str, ...] = ()
    sbom: bool = False
    parallel: int | None = None


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
    releases_refresh: bool = False
    releases_url: str = "https://go.dev/dl/?mode=json"
    fail_on: str | None = None
    """error|warning|never: which findings fail the job (exit 1, else 0); None keeps the 0/1/2 exit codes."""
    source: str = "default"
    """A path, `base:<sha>` or `default`."""
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
    text = resources.files("gobaseline").joinpath("schemas/policy.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _line_of(node: Any, path: Iterable[str | int]) -> int | None:
    """The 1-based line of the YAML node at `path` (the deepest one that exists)."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
            keynode = next((k for k, v in node.value if k.value == key), None)
            if nxt is None or keynode is None:
                break
            line = keynode.start_mark.line + 1
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


@cache
def _loader() -> type[Any]:
    """SafeLoader with YAML 1.2 scalars: only true/false are booleans (`off` stays the severity `off`, `no`
    stays text) and dates stay text (the schema checks them, with their line)."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    dropped = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    resolvers = {
        first: [(tag, rx) for tag, rx in entries if tag not in dropped]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.yaml_implicit_resolvers = resolvers
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return Loader


def parse(text: str, source: str) -> Policy:
    """Parse and validate policy text; `source` names it in errors."""
    import jsonschema
    import yaml

    loader = _loader()
    try:
        root = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        line = mark.line + 1 if mark else None
        raise PolicyError(f"not valid YAML: {problem}", path=source, line=line) from e
    except (ValueError, TypeError, OverflowError) as e:  # an explicit tag such as `!!timestamp 2026-02-30`
        raise PolicyError(f"not valid YAML: {e}", path=source) from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError("the policy must be a mapping of keys to values", path=source, line=1)
    # Plain JSON types for the schema: keys become text, explicit dates and binary values become text.
    try:
        data = json.loads(json.dumps(data, default=str))
    except (ValueError, TypeError) as e:  # an alias that contains itself
        raise PolicyError(f"not valid YAML: {e}", path=source, line=1) from e

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
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
                    f"key {_dotted(path)}: unknown key; allowed here: {', '.join(sorted(known))}",
                    path=source,
                    line=_line_of(root, path),
                )
        raise PolicyError(f"key {_dotted(path)}: {_explain(err)}", path=source, line=_line_of(root, path))
    return _build(data, root, source)


def _explain(err: Any) -> str:
    if err.validator == "additionalProperties":
        return f"{err.message}; see the policy schema for the allowed keys"
    return str(err.message)


def _build(data: dict[str, Any], root: Any, source: str) -> Policy:
    from gobaseline.rules import catalogue

    severity: dict[str, str] = {}
    for key, value in data.get("severity", {}).items():
        rule = catalogue().resolve(key)
        if rule is None:
            raise PolicyError(
                f"key severity.{key}: no such rule (see `gobaseline rules`)",
                path=source,
                line=_line_of(root, ["severity", key]),
            )
        severity[rule.id] = value

    waivers = []
    for i, w in enumerate(data.get("waivers", [])):
        line = _line_of(root, ["waivers", i]) or 1
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
        allow_non_pie=tuple(b.get("allow_non_pie", ())),
        sbom=b.get("sbom", False),
        parallel=b.get("parallel"),
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
            line=_line_of(root, ["probe"]),
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
        releases_refresh=rel.get("refresh", False),
        releases_url=rel.get("url", "https://go.dev/dl/?mode=json"),
        fail_on=data.get("fail_on"),
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
        if not candidate.is_file():
            return Policy()
        path = candidate
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise PolicyError("policy file not found", path=str(path)) from e
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError(f"cannot read the policy file: {e}", path=str(path)) from e
    source = str(path)
    with contextlib.suppress(ValueError):  # a policy outside the repository keeps its path as given
        source = path.resolve().relative_to(repo_root.resolve()).as_posix()
    return parse(text, source)
