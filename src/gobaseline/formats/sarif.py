"""SARIF 2.1.0 for GitHub code scanning, built with sarif-om; the only module that touches sarif-om.

sarif-om has classes but no serializer and no types: `_to_json` walks the attrs fields, names each property by
its `schema_property_name` metadata and drops values equal to the attrs default, except the few that SARIF
gives a different meaning when absent (a result's `level` falls back to the rule's level, not to sarif-om's
"warning").

GitHub's rules for an upload (docs and codeql-action): one run per category (`runAutomationDetails.id`), at
most 25,000 results per run and 10 MB gzipped, URIs relative to the repository root, rules with short and full
descriptions and help, `partialFingerprints.primaryLocationLineHash` so alerts are tracked across commits, and
`properties.security-severity` (a string, 0.1 to 10) to make an alert a security alert.

Facts about the runner (a rule with `subject: runner`: the system disk, the program loader, the toolchain
install) are not code alerts: they are left out unless the policy raised them to errors (`rules.is_code_alert`).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import PureWindowsPath
from typing import Any
from urllib.parse import quote

import attr

from gobaseline.formats.linehash import line_hashes
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


def _to_json(value: Any) -> Any:
    """sarif-om objects (and the dicts and lists inside them) as JSON-ready values."""
    cls = type(value)
    if attr.has(cls):
        out: dict[str, Any] = {}
        for field in attr.fields(cls):
            item = getattr(value, field.name)
            name = field.metadata["schema_property_name"]
            default = field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if item is None:
                continue
            if default is not attr.NOTHING and item == default and (cls.__name__, name) not in _KEEP_DEFAULTS:
                continue
            out[name] = _to_json(item)
        return out
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


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


LineHasher = Callable[[str, int | None], "str | None"]


def _line_hasher(options: RenderOptions) -> LineHasher:
    """`(path, line) -> primaryLocationLineHash`, hashing each file once; `line` None: the whole file, whose hash
    is its first line's, read from the file's head only."""
    cache: dict[str, dict[int, str] | None] = {}
    heads: dict[str, str | None] = {}

    def lookup(path: str, line: int | None) -> str | None:
        if options.source_reader is None:
            return None
        if line is None and path not in cache and options.source_head is not None:
            if path not in heads:
                head = options.source_head(path)
                # The first line's window is 100 code units other than spaces and tabs (CRLF counts once).
                enough = head is not None and len(head) - head.count(" ") - head.count("\t") >= 4 * 100
                heads[path] = line_hashes(head, upto=1).get(1) if head is not None and enough else None
            if heads[path] is not None:
                return heads[path]
        if path not in cache:
            text = options.source_reader(path)
            cache[path] = None if text is None else line_hashes(text)
        hashes = cache[path]
        return None if hashes is None else hashes.get(line or 1)

    return lookup


def _result(finding: Finding, rule_index: dict[str, int], options: RenderOptions, hasher: LineHasher) -> Any:
    import sarif_om as om

    loc: Location = options.place_in_file(finding)
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
    line_hash = None if base is None else hasher(loc.path, loc.line)
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


def _log(report: Report, options: RenderOptions, findings: Sequence[Finding], omitted: int) -> dict[str, Any]:
    import sarif_om as om

    # The rules the results use, in catalogue order: the log does not change when unrelated rules do.
    used = {f.rule_id for f in findings}
    rules = [r for r in catalogue().values() if r.id in used]
    rule_index = {r.id: i for i, r in enumerate(rules)}
    hasher = _line_hasher(options)
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
        results=[_result(f, rule_index, options, hasher) for f in findings],
    )
    log = _to_json(om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run]))
    # The usual order for people reading the file: `$schema` and `version` before the runs.
    return {"$schema": log["$schema"], "version": log["version"], "runs": log["runs"]}


def _dumps(data: dict[str, Any]) -> str:
    # Compact: a machine reads it (code scanning's limit is on its size), and only then does Python's C encoder run.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True) + "\n"


def render(report: Report, options: RenderOptions) -> str:
    """The SARIF log: one run, the rules in use, one result per code alert (cut: errors stay)."""
    findings = tuple(f for f in report.findings if is_code_alert(f))
    # When the log must be cut, the most severe findings stay (report order among equals and in the output).
    by_severity = sorted(range(len(findings)), key=lambda i: (-findings[i].severity.rank, i))
    keep = min(len(findings), options.sarif_max_results)
    while True:
        kept = [findings[i] for i in sorted(by_severity[:keep])]
        text = _dumps(_log(report, options, kept, len(findings) - keep))
        size = len(gzip.compress(text.encode("utf-8"), mtime=0))
        if size <= options.sarif_max_gzip_bytes or keep == 0:
            return text
        keep = min(keep - 1, int(keep * options.sarif_max_gzip_bytes / size * 0.9))
