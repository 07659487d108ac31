"""A fixed sample report with something for every format to get right, and the files it points at.

Findings in every stage and severity, one without a location, one at file level, unicode, and messages that
try to inject workflow commands, Markdown, HTML and XML-invalid characters. The golden files in tests/golden
are rendered from it (`scripts/regen-golden`).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from hypothesis import strategies as st

from gobaseline.formats import RenderOptions
from gobaseline.model import (
    Artifact,
    CheckRecord,
    CheckStatus,
    Finding,
    Location,
    Report,
    Severity,
    Stage,
)

SOURCES = {
    "go.mod": "module example.com/hello\n\ngo 1.19\n\nrequire example.com/lib v1.2.3\n\n"
    "replace example.com/lib => ../lib\n",
    ".gobaseline.yml": "targets:\n  - linux/amd64\nbuild:\n  allow_non_pie: []\n",
    "go.sum": "example.com/lib v1.2.3 h1:abc=\nexample.com/lib v1.2.3/go.mod h1:def=\n",
    "cmd/hello/main.go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello")\n}\n',
}
"""Repository files the sample findings point at (for SARIF line hashes)."""

SHA_A = "a" * 64
SHA_B = "0123456789abcdef" * 4

INJECTION = (
    "replace example.com/lib => ../lib\n::error file=x.go,line=1::pwned\r\n"
    "  ::warning::indented\u2028::notice::after U+2028\x85::debug::after NEL "
    "##[set-output name=a;]b 100% done, really: yes"
)


def _f(rule: str, severity: Severity, message: str, loc: Location | None = None, target: str | None = None) -> Finding:
    return Finding(rule, severity, message, loc, target)


def sample_report() -> Report:
    """The sample: FAIL with errors, warnings and notes in every stage."""
    findings = (
        _f(
            "GB001",
            Severity.WARNING,
            "The policy file changed in this pull request.",
            Location(".gobaseline.yml", 3, 1),
        ),
        _f("GB103", Severity.ERROR, "Go 1.22.10 is out of support; install Go 1.26 or 1.27."),
        _f("GB106", Severity.NOTE, "Go 1.27.3 is available — patch releases fix security bugs."),
        _f(
            "GB203",
            Severity.ERROR,
            "example.com/lib@v1.2.3: the ziphash in the cache differs from go.sum (h1:abc= ≠ h1:xyz=) "
            "ünïcödé ✓ \U0001d53e",
            Location("go.sum", 1, 1, 1, 30),
        ),
        _f("GB303", Severity.WARNING, "dist/ holds 3 files from an earlier build.", Location("dist")),
        _f(
            "GB402",
            Severity.ERROR,
            "go 1.19 is outside the baseline (1.26, 1.27).",
            Location("go.mod", 3, 1, 3, 8),
        ),
        _f("GB405", Severity.WARNING, INJECTION, Location("go.mod", 7, 1)),
        _f(
            "GB501",
            Severity.ERROR,
            "cmd/hello/main.go:6:2: undefined: fmt.Printn | <b>bold</b> & `code` *em* [link](http://x) "
            "@channel\n"
            "\tnote: \x1b[31mred\x1b[0m and a NUL \x00 and \ufffe",
            Location("cmd/hello/main.go", 6, 2),
            "linux/arm64",
        ),
        _f("GB504", Severity.NOTE, "-buildmode=pie was moved out of -ldflags.", None, "linux/amd64"),
        _f(
            "GB606",
            Severity.ERROR,
            "The binary asks for an executable stack (PT_GNU_STACK RWX).",
            Location("dist/hello-linux-amd64"),
            "linux/amd64",
        ),
        _f(
            "GB707",
            Severity.WARNING,
            "The service took 6.2 s to stop after SIGTERM (limit 5 s).",
            None,
            "linux/amd64",
        ),
    )
    checks = (
        CheckRecord(Stage.POLICY, "policy-valid", CheckStatus.PASSED, 0.01),
        CheckRecord(Stage.POLICY, "policy-changed", CheckStatus.FAILED, 0.02),
        CheckRecord(Stage.TOOLCHAIN, "goroot-complete", CheckStatus.PASSED, 0.5, detail="GOROOT /usr/local/go"),
        CheckRecord(Stage.TOOLCHAIN, "go-version", CheckStatus.FAILED, 0.1),
        CheckRecord(Stage.MODCACHE, "hash-extracted-trees", CheckStatus.FAILED, 2.25),
        CheckRecord(Stage.OUTDIR, "outdir-clean", CheckStatus.FAILED, 0.01),
        CheckRecord(Stage.GOMOD, "go-directive-outside-baseline", CheckStatus.FAILED, 0.01),
        CheckRecord(Stage.GOMOD, "replace-directives", CheckStatus.FAILED, 0.01),
        CheckRecord(Stage.BUILD, "build", CheckStatus.PASSED, 12.5, target="linux/amd64"),
        CheckRecord(Stage.BUILD, "build", CheckStatus.FAILED, 3.0, target="linux/arm64"),
        CheckRecord(Stage.VERIFY, "elf-hardening", CheckStatus.FAILED, 0.2, target="linux/amd64"),
        CheckRecord(
            Stage.VERIFY,
            "pe-mitigations",
            CheckStatus.SKIPPED,
            target="windows/amd64",
            detail="no <PE> built",
        ),
        CheckRecord(Stage.PROBE, "probe", CheckStatus.PASSED, 7.0, target="linux/amd64"),
    )
    artifacts = (
        Artifact("linux/amd64", "dist/hello-linux-amd64", 1843200, SHA_A, "elf", True, True, True, None, "go1.27.3"),
        Artifact("windows/amd64", "dist/hello-windows-amd64.exe", 2048000, SHA_B, "pe", True, False, None),
    )
    return Report(
        tool_version="0.1.0",
        root="/work/src/example",
        findings=findings,
        checks=checks,
        artifacts=artifacts,
        timings={"toolchain": 0.6, "modcache": 2.25, "build": 15.5, "verify": 0.2, "probe": 7.0},
        environment={"go": "go1.27.3", "host": "linux/amd64", "runner": "github"},
        targets=("linux/amd64", "linux/arm64", "windows/amd64"),
        policy_source=".gobaseline.yml",
        started_at="2026-01-15T10:20:30Z",
    )


def sample_options() -> RenderOptions:
    """Render options for the sample: source lines from `SOURCES`."""
    return RenderOptions(source_reader=SOURCES.get)


def report_of(*findings: Finding, checks: tuple[CheckRecord, ...] = ()) -> Report:
    """A report holding just these findings and checks."""
    return Report(tool_version="0.1.0", root="/src", findings=findings, checks=checks)


def parse_xml(text: str) -> ET.Element:
    """Our own XML output, parsed to prove it is well formed."""
    return ET.fromstring(text.encode("utf-8"))  # noqa: S314  # our own output


any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("|<>&`\n\r\x00"))
"""Any text at all, with the characters that break tables, markup and lines more likely."""
