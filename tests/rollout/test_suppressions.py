"""`// gobaseline:ignore RULE reason` in go.mod: the line's finding becomes a note with the reason; a comment
without a reason, or naming no rule, suppresses nothing and is GB004."""

from __future__ import annotations

from pathlib import Path

from gobaseline.model import Finding, Severity
from gobaseline.policy import Policy
from gobaseline.stages import gomod
from gobaseline.stages.record import RunRecord
from tests.conftest import make_ctx
from tests.stages.test_gomod import RELEASES

REPLACE = "replace example.com/a => example.com/fork v1.0.0"


def settled(tmp_path: Path, body: str, policy: Policy | None = None) -> list[Finding]:
    (tmp_path / "go.mod").write_text(f"module example.com/x\n\ngo 1.27\n\n{body}", encoding="utf-8")
    ctx = make_ctx(tmp_path, policy=policy)
    record = RunRecord(ctx)
    record.add(gomod.run(ctx, releases=RELEASES))
    return list(record.report().findings)


def by_rule(findings: list[Finding]) -> dict[str, Finding]:
    return {f.rule_id: f for f in findings}


def test_a_suppression_at_the_end_of_the_line_makes_a_note_with_the_reason(tmp_path: Path) -> None:
    found = by_rule(settled(tmp_path, f"{REPLACE} // gobaseline:ignore GB404 fork carries our fix (OPS-12)\n"))
    assert found["GB404"].severity is Severity.NOTE
    assert found["GB404"].message.endswith("Suppressed in go.mod: fork carries our fix (OPS-12).")
    assert "GB004" not in found


def test_a_suppression_directly_above_works_by_rule_name_too(tmp_path: Path) -> None:
    text = f"// gobaseline:ignore replace-public-module - reviewed in SEC-7\n{REPLACE}\n"
    found = by_rule(settled(tmp_path, text))
    assert found["GB404"].severity is Severity.NOTE and "reviewed in SEC-7" in found["GB404"].message


def test_a_suppression_of_another_rule_or_another_line_does_nothing(tmp_path: Path) -> None:
    other = REPLACE.replace("example.com/a", "example.com/b")
    found = settled(
        tmp_path,
        f"// gobaseline:ignore GB402 not this rule\n{REPLACE}\n// gobaseline:ignore GB404 cut off\n\n{other}\n",
    )
    assert [f.severity for f in found if f.rule_id == "GB404"] == [Severity.ERROR, Severity.ERROR]


def test_a_suppression_without_a_reason_suppresses_nothing_and_is_a_warning(tmp_path: Path) -> None:
    found = by_rule(settled(tmp_path, f"{REPLACE} // gobaseline:ignore GB404\n"))
    assert found["GB404"].severity is Severity.ERROR
    gb004 = found["GB004"]
    assert gb004.severity is Severity.WARNING and "gives no reason" in gb004.message
    assert gb004.location is not None and (gb004.location.path, gb004.location.line) == ("go.mod", 5)


def test_a_suppression_naming_no_rule_is_a_warning_and_its_severity_follows_the_policy(tmp_path: Path) -> None:
    text = f"// gobaseline:ignore GB999 a typo\n{REPLACE}\n"
    found = by_rule(settled(tmp_path, text))
    assert found["GB404"].severity is Severity.ERROR and "'GB999', which is no rule" in found["GB004"].message
    raised = by_rule(settled(tmp_path, text, Policy(severity={"GB004": "error"})))
    assert raised["GB004"].severity is Severity.ERROR


def test_a_suppression_that_matches_no_finding_is_gb007_at_the_comment(tmp_path: Path) -> None:
    # The replace was fixed (now a require), the comment stayed: it would waive the next GB404 on that line.
    found = settled(
        tmp_path, "// gobaseline:ignore GB404 fork carries our fix (OPS-12)\nrequire example.com/a v1.0.0\n"
    )
    [unused] = [f for f in found if f.rule_id == "GB007"]
    assert unused.severity is Severity.WARNING and unused.location is not None
    assert (unused.location.path, unused.location.line) == ("go.mod", 5)
    assert "there is no GB404 finding on the line it belongs to" in unused.message


def test_a_used_suppression_or_one_for_a_stage_that_did_not_run_is_not_gb007(tmp_path: Path) -> None:
    used = settled(tmp_path, f"{REPLACE} // gobaseline:ignore GB404 fork carries our fix (OPS-12)\n")
    assert "GB007" not in by_rule(used)
    # GB501 (a build failure) can only be found by the build stage, which a go.mod check does not run.
    other_stage = settled(tmp_path, f"{REPLACE} // gobaseline:ignore GB404,GB501 reviewed in SEC-7\n")
    assert "GB007" not in by_rule(other_stage) and by_rule(other_stage)["GB404"].severity is Severity.NOTE
    # A rule the policy turns off has no findings to match.
    off = settled(tmp_path, f"{REPLACE} // gobaseline:ignore GB404 reviewed\n", Policy(severity={"GB404": "off"}))
    assert "GB007" not in by_rule(off)
