"""JUnit XML for GitLab's test report and any CI that reads JUnit: one test suite per stage, one test case per
check.

Every `CheckRecord` is a test case (passed ones too; skipped ones carry `<skipped>`). A finding is attached to
the check of its stage and target named after the rule (short name or id), else to the only failed check of
that stage and target, else to the only check of that stage and target that ran; findings that match no check
get a test case of their own, named after the rule. A test case fails when its check failed or when an error
or warning is attached: one `<failure>` whose `message` is the first line of the finding's message, `type` the
rule ids and text every finding. Notes go to `system-out`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gobaseline.formats.options import RenderOptions
from gobaseline.formats.xmltext import xml_text
from gobaseline.model import CheckRecord, CheckStatus, Finding, Report, Severity, Stage
from gobaseline.rules import catalogue

if TYPE_CHECKING:
    from junitparser import TestCase


@dataclass
class _Case:
    stage: Stage
    name: str
    check: CheckRecord | None
    findings: list[Finding] = field(default_factory=list)


def _stage_of(finding: Finding) -> Stage:
    rule = catalogue().get(finding.rule_id)
    if rule is not None:
        return rule.stage
    # Rule ids name their stage by the first digit (GB1xx toolchain, ...), in `Stage` order.
    digit = finding.rule_id[2:3]
    stages = list(Stage)
    return stages[int(digit)] if digit.isdigit() and int(digit) < len(stages) else Stage.POLICY


def _cases(report: Report) -> list[_Case]:
    cases = [_Case(c.stage, c.name + (f" [{c.target}]" if c.target else ""), c) for c in report.checks]
    orphans: dict[tuple[Stage, str, str | None], _Case] = {}
    for finding in report.findings:
        stage = _stage_of(finding)
        rule = catalogue().get(finding.rule_id)
        names = {finding.rule_id} | ({rule.name} if rule is not None else set())
        ran = [
            case
            for case in cases
            if case.check is not None
            and case.check.stage is stage
            and case.check.target == finding.target
            and case.check.status is not CheckStatus.SKIPPED
        ]
        named = [case for case in ran if case.check is not None and case.check.name in names]
        failed = [case for case in ran if case.check is not None and case.check.status is CheckStatus.FAILED]
        match: _Case | None = None
        if named:
            match = named[0]
        elif len(failed) == 1:
            match = failed[0]
        elif not failed and len(ran) == 1:
            match = ran[0]
        if match is None:
            key = (stage, finding.rule_id, finding.target)
            if key not in orphans:
                label = f"{finding.rule_id} {rule.name}" if rule is not None else finding.rule_id
                orphans[key] = _Case(stage, label + (f" [{finding.target}]" if finding.target else ""), None)
                cases.append(orphans[key])
            match = orphans[key]
        match.findings.append(finding)
    return cases


def _describe(findings: Sequence[Finding], options: RenderOptions) -> str:
    return "\n".join(f"{options.place(f)}: {f.rule_id} [{f.severity.value}] {f.message}".rstrip() for f in findings)


def _testcase(case: _Case, options: RenderOptions) -> TestCase:
    import junitparser

    seconds = case.check.seconds if case.check is not None else 0.0
    testcase = junitparser.TestCase(name=xml_text(case.name), classname=f"gobaseline.{case.stage.value}", time=seconds)
    shown = [f for f in case.findings if f.severity is not Severity.NOTE]
    notes = [f for f in case.findings if f.severity is Severity.NOTE]
    status = case.check.status if case.check is not None else None
    if status is CheckStatus.SKIPPED:
        testcase.result = [junitparser.Skipped(message=xml_text(case.check.detail if case.check else "") or "skipped")]
    elif status is CheckStatus.FAILED or shown:
        failing = shown or case.findings
        rule_ids = sorted({f.rule_id for f in failing})
        if len(failing) == 1:
            message = failing[0].message.splitlines()[0] if failing[0].message else failing[0].rule_id
        elif failing:
            message = f"{len(failing)} findings: {', '.join(rule_ids)}"
        else:
            message = (case.check.detail if case.check else "") or "the check failed"
        failure = junitparser.Failure(message=xml_text(message) or "failed", type_=",".join(rule_ids) or "check")
        if failing:
            failure.text = xml_text(_describe(failing, options))
        testcase.result = [failure]
    if notes and status is not CheckStatus.SKIPPED:
        testcase.system_out = xml_text(_describe(notes, options))
    elif case.check is not None and case.check.detail and status is CheckStatus.PASSED:
        testcase.system_out = xml_text(case.check.detail)
    return testcase


def render(report: Report, options: RenderOptions) -> str:
    """The JUnit document: one `<testsuite name="gobaseline.<stage>">` per stage that ran."""
    from junitparser import JUnitXml, TestSuite

    by_stage: dict[Stage, list[_Case]] = {}
    for case in _cases(report):
        by_stage.setdefault(case.stage, []).append(case)
    xml = JUnitXml(name="gobaseline")
    for stage in Stage:
        if stage not in by_stage:
            continue
        suite = TestSuite(name=f"gobaseline.{stage.value}")
        suite.add_testcases([_testcase(case, options) for case in by_stage[stage]])
        xml.add_testsuite(suite)
    xml.update_statistics()  # type: ignore[no-untyped-call]  # junitparser leaves it unannotated
    buffer = io.BytesIO()
    xml.write(buffer, pretty=True)
    return buffer.getvalue().decode("utf-8")
