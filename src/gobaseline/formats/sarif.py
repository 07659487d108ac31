"""SARIF 2.1.0 for GitHub code scanning, built with sarif-om; the only module that touches sarif-om.

sarif-om has classes but no serializer and no types: `_properties`, the JSON encoder's hook for its objects,
names each property by its `schema_property_name` metadata and drops values equal to the attrs default, except
the few that SARIF gives a different meaning when absent (a result's `level` falls back to the rule's level, not
to sarif-om's "warning").

GitHub's rules for an upload (docs and codeql-action): one run per category (`runAutomationDetails.id`), at
most 25,000 results per run and 10 MB gzipped, URIs relative to the repository root, rules with short and full
descriptions and help, `partialFingerprints.primaryLocationLineHash` so alerts are tracked across commits, and
`properties.security-severity` (a string, 0.1 to 10) to make an alert a security alert.

Facts about the runner (a rule with `subject: runner`: the system disk, the program loader, the toolchain
install) are not code alerts: they are left out unless the policy raised them to errors (`rules.is_code_alert`).
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import PureWindowsPath
from typing import Any
from urllib.parse import quote

import attr

from gobaseline.formats.linehash import hash_texts
from gobaseline.formats.options import RenderOptions
from gobaseline.model import Finding, Location, Report, Severity
from gobaseline.rules import Rule, catalogue, is_code_alert

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gobaseline/gobaseline"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "gobaseline/v2"
"""Our own fingerprint, kept beside GitHub's line hash (which needs the source file)."""

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "recommendation"}
_KEEP_DEFAULTS = {("Result", "level"), ("ReportingConfiguration", "level")}
"""Properties written even when equal to sarif-om's default, because their absence means something else."""


_Fields = tuple[dict[str, str], tuple[tuple[str, Any], ...]]
_FIELDS: dict[type, _Fields] = {}
"""Per sarif-om class: the schema property name of each attribute, and the properties left out at a default other
than None. attrs' field list and defaults (a Factory called each time) cost more than the objects: read once."""


def _fields(cls: type) -> _Fields:
    if cls not in _FIELDS:
        if not attr.has(cls):
            raise TypeError(f"{cls.__name__} is not a sarif-om class")
        names = {f.name: f.metadata["schema_property_name"] for f in attr.fields(cls)}
        defaults = []
        for field in attr.fields(cls):
            name, default = names[field.name], field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if default is not None and default is not attr.NOTHING and (cls.__name__, name) not in _KEEP_DEFAULTS:
                defaults.append((name, default))
        _FIELDS[cls] = (names, tuple(defaults))
    return _FIELDS[cls]


def _properties(value: Any) -> dict[str, Any]:
    """A sarif-om object's properties by schema name, without those at their default; the JSON encoder's hook, so
    the dicts and lists inside stay as they are and the encoder comes back here for the objects in them."""
    names, defaults = _FIELDS.get(type(value)) or _fields(type(value))
    out = {}
    # sarif-om's objects keep their attributes in a __dict__, in field order (attrs' __init__ sets them so). A loop,
    # not a comprehension: most objects have few attributes, and the comprehension's own frame cost more.
    for key, item in vars(value).items():
        if item is not None:
            out[names[key]] = item
    for name, default in defaults:
        if out.get(name) == default:
            del out[name]
    return out


def _first_paragraph(markdown: str) -> str:
    return markdown.split("\n\n", 1)[0].replace("\n", " ").strip()


def _protects(rule: Rule) -> str:
    return f"Protects against: {rule.protects}\n\n" if rule.protects else ""


def _rule_descriptor(rule: Rule) -> Any:
    import sarif_om as om

    properties: dict[str, Any] = {
        "tags": list(rule.tags),
        "precision": "very-high",
        "problem.severity": _PROBLEM_SEVERITY[rule.severity],
    }
    if rule.security_severity is not None:
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.title),
        full_description=om.MultiformatMessageString(text=_first_paragraph(rule.help)),
        help=om.MultiformatMessageString(
            text=rule.help,
            markdown=f"**{rule.title}**\n\n{_protects(rule)}{rule.help}\n\n[{rule.id} {rule.name}]({rule.help_uri})",
        ),
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(level=LEVELS[rule.severity]),
        properties=properties,
    )


def file_uri(path: str) -> str | None:
    """An absolute path as a file URI: `/x` as `file:///x`, a Windows `C:\\x` or `C:/x` as `file:///C:/x`; None
    for a relative path."""
    if path.startswith("/"):
        return "file://" + quote(path, safe="/", errors="surrogateescape")
    windows = PureWindowsPath(path)
    if not (windows.is_absolute() and windows.drive.endswith(":")):
        return None
    return "file:///" + quote(windows.as_posix(), safe="/:", errors="surrogateescape")


@functools.lru_cache(maxsize=4096)
def artifact_uri(path: str) -> tuple[str, str | None]:
    """A finding's file as (URI, base id): relative paths against %SRCROOT%, absolute ones as file URIs."""
    uri = file_uri(path)
    if uri is not None:
        return uri, None
    return quote(path, safe="/", errors="surrogateescape"), SRCROOT


def _utc(timestamp: str) -> str | None:
    """An RFC 3339 UTC timestamp as SARIF wants it, or None when `timestamp` is not a zoned date-time."""
    try:
        parsed = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line_hashes(options: RenderOptions, locations: Sequence[Location]) -> dict[str, dict[int, str]]:
    """Line hashes by path for the files that `locations` under %SRCROOT% name: each file read once, hashed only up
    to the last line asked for, all of them at once (`hash_texts`). A whole-file location (line None) takes the
    file's first line's hash, read from the file's head when nothing else needs more of the file."""
    if options.source_reader is None:
        return {}
    lines: dict[str, set[int]] = {}
    whole: set[str] = set()
    for loc in locations:
        if artifact_uri(loc.path)[1] is None:
            continue  # a file URI, not under %SRCROOT%: the uploader does not hash it
        if loc.line is None:
            whole.add(loc.path)
        else:
            lines.setdefault(loc.path, set()).add(loc.line or 1)
    paths: list[str] = []
    texts: list[tuple[str, Collection[int]]] = []
    for path in whole:
        head = options.source_head(path) if path not in lines and options.source_head is not None else None
        # The first line's window is 100 code units other than spaces and tabs (CRLF counts once).
        if head is not None and _dense(head, 4 * 100):
            paths.append(path)
            texts.append((head, (1,)))
        else:
            lines.setdefault(path, set()).add(1)
    for path, wanted in lines.items():
        text = options.source_reader(path)
        if text is not None:
            paths.append(path)
            texts.append((text, wanted))
    return dict(zip(paths, hash_texts(texts), strict=True))


def _dense(text: str, count: int) -> bool:
    """Whether `text` holds at least `count` characters other than spaces and tabs (most heads do in their first
    2 * count characters: all of a head need not be counted)."""
    for end in (2 * count, len(text)):
        if min(end, len(text)) - text.count(" ", 0, end) - text.count("\t", 0, end) >= count:
            return True
    return False


def _result(finding: Finding, loc: Location, rule_index: dict[str, int], hashes: dict[str, dict[int, str]]) -> Any:
    import sarif_om as om

    uri, base = artifact_uri(loc.path)
    region = None
    if loc.line is not None:
        region = om.Region(
            start_line=loc.line,
            start_column=loc.column,
            end_line=loc.end_line,
            end_column=loc.end_column if loc.column is not None else None,
        )
    fingerprints = {FINGERPRINT_KEY: finding.fingerprint}
    # Like GitHub's uploader: a whole-file location is fingerprinted by its first line.
    line_hash = hashes[loc.path].get(loc.line or 1) if loc.path in hashes else None
    if line_hash is not None:
        fingerprints["primaryLocationLineHash"] = line_hash
    properties: dict[str, Any] = {}
    if finding.target is not None:
        properties["target"] = finding.target
    if finding.location is None:
        properties["machine"] = True
    return om.Result(
        message=om.Message(text=finding.message or finding.rule_id),
        rule_id=finding.rule_id,
        rule_index=rule_index.get(finding.rule_id, -1),
        level=LEVELS[finding.severity],
        locations=[
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=om.ArtifactLocation(uri=uri, uri_base_id=base), region=region
                )
            )
        ],
        partial_fingerprints=fingerprints,
        properties=properties or None,
    )


def _log(report: Report, options: RenderOptions, findings: Sequence[Finding], omitted: int) -> Any:
    import sarif_om as om

    # The rules the results use, in catalogue order: the log does not change when unrelated rules do.
    used = {f.rule_id for f in findings}
    rules = [r for r in catalogue().values() if r.id in used]
    rule_index = {r.id: i for i, r in enumerate(rules)}
    placed = [(f, options.place_in_file(f)) for f in findings]
    hashes = _line_hashes(options, [loc for _, loc in placed])
    notifications = []
    if omitted:
        total = len(findings) + omitted
        notifications.append(
            om.Notification(
                level="warning",
                message=om.Message(
                    text=f"{omitted} of {total} results are not in this file: GitHub code scanning accepts "
                    f"at most {options.sarif_max_results:,} results and 10 MB gzipped per run. Errors come "
                    "first; the JSON report has every finding."
                ),
            )
        )
    root_uri = file_uri(report.root)
    srcroot = (
        om.ArtifactLocation(uri=root_uri if root_uri.endswith("/") else root_uri + "/")
        if root_uri is not None
        else om.ArtifactLocation(description=om.Message(text="The repository root."))
    )
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="gobaseline",
                version=report.tool_version,
                information_uri=INFORMATION_URI,
                rules=[_rule_descriptor(r) for r in rules],
            )
        ),
        automation_details=om.RunAutomationDetails(id=f"{options.sarif_category}/"),
        original_uri_base_ids={SRCROOT: srcroot},
        column_kind="unicodeCodePoints",
        invocations=[
            om.Invocation(
                execution_successful=True,
                start_time_utc=_utc(report.started_at),
                tool_execution_notifications=notifications or None,
            )
        ],
        results=[_result(f, loc, rule_index, hashes) for f, loc in placed],
    )
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def _dumps(log: Any) -> str:
    top = _properties(log)
    # The usual order for people reading the file: `$schema` and `version` before the runs.
    data = {"$schema": top["$schema"], "version": top["version"], "runs": top["runs"]}
    # Compact: a machine reads it (code scanning's limit is on its size), and only then does Python's C encoder run.
    # No check for cycles (a fifth of the time): the log is a tree built here.
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True, check_circular=False, default=_properties)
    return text + "\n"


def _gzip_bound(size: int) -> int:
    """At least the size of `gzip.compress` of `size` bytes, whatever the bytes (tests/formats check it on random
    ones, the worst case for deflate).

    zlib's deflateBound for its default window and memory (what gzip.compress uses) is `size + (size >> 12) +
    (size >> 14) + (size >> 25) + 7` for the raw deflate stream (it counts the 5 bytes of every stored block, which
    deflate falls back to when coding would grow a block), and gzip adds 18 bytes of header and trailer: that sum
    is below `size + size / 3270 + 25`, and `size + (size >> 11) + 64` is above it for every size.
    """
    return size + (size >> 11) + 64


def render(report: Report, options: RenderOptions) -> str:
    """The SARIF log: one run, the rules in use, one result per code alert (cut: errors stay)."""
    findings = tuple(f for f in report.findings if is_code_alert(f))
    by_severity: list[int] = []
    keep = min(len(findings), options.sarif_max_results)
    while True:
        if keep == len(findings):
            kept: Sequence[Finding] = findings
        else:
            # The log is cut: the most severe findings stay (report order among equals and in the output).
            by_severity = by_severity or sorted(range(len(findings)), key=lambda i: (-findings[i].severity.rank, i))
            kept = [findings[i] for i in sorted(by_severity[:keep])]
        text = _dumps(_log(report, options, kept, len(findings) - keep))
        data = text.encode("utf-8")
        # Compressing costs more than building the log: only a text that could gzip above the limit is compressed.
        if _gzip_bound(len(data)) <= options.sarif_max_gzip_bytes or keep == 0:
            return text
        size = len(gzip.compress(data, mtime=0))
        if size <= options.sarif_max_gzip_bytes:
            return text
        keep = min(keep - 1, int(keep * options.sarif_max_gzip_bytes / size * 0.9))
