"""GitLab Code Quality: a JSON array of issues for the merge request widget (no BOM; ASCII JSON).

Each issue has `description` (the message), `check_name` (the rule id), `fingerprint`, `severity` and
`location.path` / `location.lines.begin` (an integer). Severities: error → `major` (`critical` for security
rules with `security_severity` 7.0 or more), warning → `minor`, note → `info`. Findings without a location go
to the fallback file at line 1. Fingerprints must be unique in one report: a repeated finding fingerprint gets
`sha256(fingerprint:n)` for its n-th repeat, so the result is deterministic. Facts about the runner are not
issues of the code: they are left out unless the policy raised them to errors (`rules.is_code_alert`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from gobaseline.formats.options import RenderOptions
from gobaseline.model import Finding, Report, Severity
from gobaseline.rules import catalogue, is_code_alert

CRITICAL_SECURITY_SEVERITY = 7.0
"""CVSS-style threshold from which an error of a security rule is `critical`."""


def severity(finding: Finding) -> str:
    """The Code Quality severity of a finding."""
    if finding.severity is Severity.ERROR:
        rule = catalogue().get(finding.rule_id)
        if rule is not None and (rule.security_severity or 0.0) >= CRITICAL_SECURITY_SEVERITY:
            return "critical"
        return "major"
    return "minor" if finding.severity is Severity.WARNING else "info"


def render(report: Report, options: RenderOptions) -> str:
    """The Code Quality report."""
    issues: list[dict[str, Any]] = []
    seen: set[str] = set()
    for finding in filter(is_code_alert, report.findings):
        loc = options.place(finding)
        fingerprint = finding.fingerprint
        repeat = 1
        while fingerprint in seen:
            repeat += 1
            fingerprint = hashlib.sha256(f"{finding.fingerprint}:{repeat}".encode()).hexdigest()[:32]
        seen.add(fingerprint)
        message = f"{finding.target}: {finding.message}" if finding.target else finding.message
        issues.append(
            {
                "description": message or finding.rule_id,
                "check_name": finding.rule_id,
                "fingerprint": fingerprint,
                "severity": severity(finding),
                "location": {"path": loc.path, "lines": {"begin": loc.line or 1}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=True) + "\n"
