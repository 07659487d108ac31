"""Validate SARIF against the official 2.1.0 schema (vendored in tests/fixtures), with format checking.

    from tests.support.sarif import assert_valid_sarif
    log = assert_valid_sarif(text)   # returns the parsed log

Also checks what GitHub code scanning needs beyond the schema: rule descriptions and help, relative URIs under
%SRCROOT%, rule indexes that point at the right rule.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from rfc3986_validator import validate_rfc3986

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif_errors(log: Any) -> list[str]:
    """Every schema violation of a parsed SARIF log, as `path: message` strings."""
    return [f"{e.json_path}: {e.message}" for e in _validator().iter_errors(log)]


def assert_valid_sarif(sarif: str | dict[str, Any]) -> dict[str, Any]:
    """Parse (if text) and validate a SARIF log against the schema and GitHub's upload rules; return it."""
    log: dict[str, Any] = json.loads(sarif) if isinstance(sarif, str) else sarif
    errors = sarif_errors(log)
    assert not errors, "SARIF does not match the 2.1.0 schema:\n" + "\n".join(errors[:20])
    assert log["version"] == "2.1.0"
    for run in log["runs"]:
        rules = run["tool"]["driver"].get("rules", [])
        for rule in rules:
            assert rule.get("shortDescription") and rule.get("fullDescription") and rule.get("help"), rule["id"]
            severity = rule.get("properties", {}).get("security-severity")
            assert severity is None or (isinstance(severity, str) and 0.1 <= float(severity) <= 10.0)
        for result in run.get("results", []):
            if "ruleIndex" in result:
                assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            for location in result.get("locations", []):
                artifact = location["physicalLocation"]["artifactLocation"]
                # Draft 4 has no `uri-reference` format, so the schema alone does not check these.
                assert validate_rfc3986(artifact["uri"], rule="URI_reference"), artifact
                if artifact.get("uriBaseId"):
                    assert not artifact["uri"].startswith("/"), artifact
    return log
