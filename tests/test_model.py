"""The report model: JSON round trips, stable fingerprints, verdicts and exit codes."""

from __future__ import annotations

import json

import pytest

from gobaseline.model import (
    REPORT_SCHEMA_VERSION,
    Artifact,
    CheckRecord,
    CheckStatus,
    ExitCode,
    Finding,
    Location,
    Report,
    Severity,
    Stage,
    Verdict,
    verdict_of,
)


def finding(rule_id: str = "GB303", severity: Severity = Severity.WARNING, **kw: object) -> Finding:
    base: dict[str, object] = {
        "message": "2 file(s) this run will not produce",
        "location": Location("out", 1, 2),
    }
    base.update(kw)
    return Finding(rule_id, severity, **base)  # type: ignore[arg-type]


def full_report() -> Report:
    return Report(
        tool_version="0.1.0",
        root="/work/repo",
        findings=(
            finding(),
            finding("GB111", Severity.NOTE, location=None, message="GOCACHE is on the system disk"),
            finding("GB502", Severity.ERROR, target="linux/amd64", location=Location("main.go", 3, 1, 3, 9)),
        ),
        checks=(
            CheckRecord(Stage.TOOLCHAIN, "goroot-complete", CheckStatus.PASSED, 0.00123456),
            CheckRecord(Stage.OUTDIR, "target-dir", CheckStatus.SKIPPED, 0.0, "linux/amd64", "not needed"),
        ),
        artifacts=(
            Artifact(
                "linux/amd64",
                "out/linux_amd64/hello",
                1234,
                "ab" * 32,
                "elf",
                True,
                True,
                False,
                "/lib64/ld-linux-x86-64.so.2",
                "go1.27.3",
            ),
            Artifact("windows/amd64", "out/windows_amd64/hello.exe", 99, "cd" * 32, "pe"),
        ),
        timings={"toolchain": 0.123456, "outdir": 0.5},
        environment={"go_version": "go1.27.3"},
        targets=("linux/amd64", "windows/amd64"),
        policy_source=".gobaseline.yml",
        started_at="2026-11-25T09:00:00Z",
    )


def test_report_round_trips_through_json() -> None:
    report = full_report()
    data = json.loads(json.dumps(report.to_dict()))
    assert data["schema"] == REPORT_SCHEMA_VERSION
    assert data["verdict"] == "fail"
    assert data["counts"] == {"error": 1, "warning": 1, "note": 1}
    back = Report.from_dict(data)
    assert back.findings == report.findings
    assert back.artifacts == report.artifacts
    assert back.environment == report.environment
    assert back.targets == report.targets
    assert (back.policy_source, back.started_at, back.root) == (
        report.policy_source,
        report.started_at,
        report.root,
    )
    assert [c.name for c in back.checks] == [c.name for c in report.checks]
    assert back.checks[1] == report.checks[1]
    assert back.checks[0].seconds == pytest.approx(0.0012)  # rounded to 4 places
    assert back.to_dict() == data


def test_finding_dict_leaves_out_empty_parts() -> None:
    d = finding(location=Location("go.mod"), target=None).to_dict()
    assert d["location"] == {"path": "go.mod"}
    assert "target" not in d
    assert "location" not in finding(location=None).to_dict()


def test_fingerprint_is_stable_and_ignores_severity_line_and_column() -> None:
    a = finding()
    assert a.fingerprint == finding().fingerprint
    assert len(a.fingerprint) == 32
    assert a.with_severity(Severity.ERROR).fingerprint == a.fingerprint
    assert finding(location=Location("out", 1, 99)).fingerprint == a.fingerprint
    # Never the line number: a run adds the line's content (tests/rollout/test_fingerprints.py).
    assert finding(location=Location("out", 2, 2)).fingerprint == a.fingerprint
    assert finding(location=Location("other", 1)).fingerprint != a.fingerprint
    assert finding(target="linux/amd64").fingerprint != a.fingerprint
    assert finding(message="other").fingerprint != a.fingerprint
    assert finding("GB304").fingerprint != a.fingerprint
    # A fingerprint read back is kept, not recomputed.
    assert Finding.from_dict({**a.to_dict(), "fingerprint": "given"}).fingerprint == "given"
    # Known value: reports from different versions must match findings across runs.
    assert Finding("GB101", Severity.ERROR, "m").fingerprint == Finding("GB101", Severity.NOTE, "m").fingerprint


def test_location_str() -> None:
    assert str(Location("go.mod")) == "go.mod"
    assert str(Location("go.mod", 3)) == "go.mod:3"
    assert str(Location("go.mod", 3, 7)) == "go.mod:3:7"
    assert str(Location("go.mod", None, 7)) == "go.mod"


@pytest.mark.parametrize(
    ("severities", "verdict", "code"),
    [
        ((), Verdict.PASS, ExitCode.PASS),
        ((Severity.NOTE,), Verdict.PASS, ExitCode.PASS),
        ((Severity.NOTE, Severity.WARNING), Verdict.WARN, ExitCode.WARNINGS),
        ((Severity.WARNING, Severity.ERROR, Severity.NOTE), Verdict.FAIL, ExitCode.ERRORS),
    ],
)
def test_verdict_and_exit_code(severities: tuple[Severity, ...], verdict: Verdict, code: ExitCode) -> None:
    findings = [finding(message=str(i), severity=s) for i, s in enumerate(severities)]
    assert verdict_of(findings) is verdict
    assert verdict.exit_code is code
    report = Report("0.1.0", "/r", findings=tuple(findings))
    assert report.verdict is verdict
    assert report.to_dict()["verdict"] == verdict.value


def test_exit_code_values() -> None:
    assert [int(c) for c in (ExitCode.PASS, ExitCode.ERRORS, ExitCode.WARNINGS, ExitCode.INTERNAL)] == [
        0,
        1,
        2,
        3,
    ]
    assert int(ExitCode.INTERRUPTED) == 130


def test_severity_rank() -> None:
    assert sorted(Severity, key=lambda s: s.rank) == [Severity.NOTE, Severity.WARNING, Severity.ERROR]


def test_minimal_report_from_dict() -> None:
    r = Report.from_dict({"tool": {"version": "9"}})
    assert (r.tool_version, r.findings, r.checks, r.artifacts, r.targets) == ("9", (), (), (), ())
    assert r.verdict is Verdict.PASS


def test_artifact_ignores_unknown_keys() -> None:
    a = Artifact.from_dict({"target": "linux/amd64", "path": "p", "size": 1, "sha256": "x", "future": True})
    assert a == Artifact("linux/amd64", "p", 1, "x")
    assert a.to_dict() == {"target": "linux/amd64", "path": "p", "size": 1, "sha256": "x"}


FAILS = {
    # (verdict, fail_on): whether the run fails
    (Verdict.PASS, "error"): False,
    (Verdict.PASS, "warning"): False,
    (Verdict.PASS, "never"): False,
    (Verdict.WARN, "error"): False,
    (Verdict.WARN, "warning"): True,
    (Verdict.WARN, "never"): False,
    (Verdict.FAIL, "error"): True,
    (Verdict.FAIL, "warning"): True,
    (Verdict.FAIL, "never"): False,
    (Verdict.WARN, "policy"): False,  # an unresolved `policy` counts as error
    (Verdict.FAIL, "policy"): True,
}


@pytest.mark.parametrize(("verdict", "fail_on"), list(FAILS))
def test_every_place_that_decides_failure_agrees(verdict: Verdict, fail_on: str) -> None:
    """The exit code, the check run's conclusion, both forges' commit states and the summary's blocking sections
    follow one rule: a run never exits 0 under a red check, or 1 under a green one."""
    from gobaseline.commands.output import exit_code
    from gobaseline.forges.github.client import conclusion
    from gobaseline.forges.publishing import status_state

    worst = {Verdict.FAIL: Severity.ERROR, Verdict.WARN: Severity.WARNING, Verdict.PASS: Severity.NOTE}[verdict]
    report = Report("0.1.0", "/r", findings=(finding(severity=worst),))
    assert report.verdict is verdict
    fails = FAILS[(verdict, fail_on)]
    assert verdict.fails(fail_on) is fails
    assert exit_code(verdict, fail_on) is (ExitCode.ERRORS if fails else ExitCode.PASS)
    assert (conclusion(report, fail_on) == "failure") is fails
    assert (conclusion(report, fail_on) == "success") is (verdict is Verdict.PASS)
    assert (status_state(report, fail_on, gitlab=False) == "failure") is fails
    assert (status_state(report, fail_on, gitlab=True) == "failed") is fails
    assert worst.blocks(fail_on) is fails
