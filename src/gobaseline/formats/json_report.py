"""The versioned JSON report (`schema` 1): the input of `gobaseline report`, `merge` and `publish`.

`dumps` keeps the key order of `Report.to_dict`; `load` validates against `schemas/report.schema.json` before
building the `Report`, so a hand-edited or truncated file fails with its path and the offending key.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from gobaseline.errors import ReportError
from gobaseline.formats.options import RenderOptions
from gobaseline.model import REPORT_SCHEMA_VERSION, Report


def dumps(report: Report) -> str:
    """The report as indented JSON (ASCII, so any byte sequence in a message survives), newline-terminated."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=True) + "\n"


def render(report: Report, options: RenderOptions) -> str:
    """The `json` format: `dumps`."""
    del options
    return dumps(report)


@cache
def schema() -> dict[str, Any]:
    """The report's JSON Schema (draft 2020-12), from the package data."""
    text = (Path(__file__).parents[1] / "schemas" / "report.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate(data: Any, *, path: str) -> None:
    """Raise `ReportError` naming the first schema violation (deepest first, by JSON path)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = error.json_path
        raise ReportError(f"not a gobaseline report: {where}: {error.message}", path=path)


def parse(text: str, *, path: str) -> Report:
    """A report from JSON text; `path` names the source in errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ReportError(f"not valid JSON: {e.msg} (column {e.colno})", path=path, line=e.lineno) from None
    version = data.get("schema") if isinstance(data, dict) else None
    if isinstance(version, int) and version != REPORT_SCHEMA_VERSION:
        raise ReportError(
            f"report schema {version} is not supported; this gobaseline reads schema {REPORT_SCHEMA_VERSION}",
            path=path,
        )
    validate(data, path=path)
    try:
        return Report.from_dict(data)
    except (TypeError, ValueError, KeyError) as e:  # the schema should have caught it; say where anyway
        raise ReportError(f"not a gobaseline report: {e}", path=path) from None


def load(path: Path) -> Report:
    """Read and validate a report written by `dumps`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise ReportError(f"cannot read the report: {reason}", path=str(path)) from None
    return parse(text, path=str(path))
