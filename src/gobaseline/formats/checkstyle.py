"""Checkstyle XML (version 4.3), the format most CI dashboards and review bots read.

    <checkstyle version="4.3"><file name="go.mod"><error line="3" column="1" severity="error" message="..."
    source="gobaseline.GB402"/></file></checkstyle>

Files are sorted by name; findings without a location go to the fallback file at line 1. Severities: error,
warning, info.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from gobaseline.formats.options import RenderOptions
from gobaseline.formats.xmltext import XML_DECLARATION, xml_text
from gobaseline.model import Finding, Report, Severity

SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "info"}


def render(report: Report, options: RenderOptions) -> str:
    """The checkstyle document."""
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_file.setdefault(options.place(finding).path, []).append(finding)
    root = ET.Element("checkstyle", version="4.3")
    for name in sorted(by_file):
        file_elem = ET.SubElement(root, "file", name=xml_text(name))
        for finding in by_file[name]:
            loc = options.place(finding)
            attrs = {"line": str(loc.line or 1)}
            if loc.column is not None:
                attrs["column"] = str(loc.column)
            message = f"{finding.target}: {finding.message}" if finding.target else finding.message
            attrs |= {
                "severity": SEVERITIES[finding.severity],
                "message": xml_text(message),
                "source": f"gobaseline.{finding.rule_id}",
            }
            ET.SubElement(file_elem, "error", attrs)
    ET.indent(root)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
