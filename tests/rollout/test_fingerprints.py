"""Fingerprints come from a finding's line content, never its number: stable when lines move, distinct otherwise."""

from __future__ import annotations

from pathlib import Path

from gobaseline.fingerprint import anchors, compute, message_key
from gobaseline.model import Finding, Location, Severity
from gobaseline.rollout import with_content
from gobaseline.stages import gomod
from gobaseline.stages.record import RunRecord
from tests.conftest import make_ctx
from tests.stages.test_gomod import RELEASES

GOMOD = """module example.com/x

go 1.19

replace example.com/a => example.com/fork v1.0.0
replace example.com/b => example.com/fork v1.0.0

toolchain go1.19.1
"""
MOVED = """// A header a person added.
// And another line.

module example.com/x

// why we are on this version
go 1.19


replace example.com/a => example.com/fork v1.0.0
// a comment between two findings
replace example.com/b => example.com/fork v1.0.0

toolchain go1.19.1
"""


def fingerprints(tmp_path: Path, text: str) -> dict[tuple[str, str], str]:
    """(rule, first words of the message) -> fingerprint, for the go.mod stage's findings through a RunRecord."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "go.mod").write_text(text, encoding="utf-8")
    ctx = make_ctx(tmp_path)
    record = RunRecord(ctx)
    record.add(gomod.run(ctx, releases=RELEASES))
    findings = record.report().findings
    assert findings
    return {(f.rule_id, f.message[:40]): f.fingerprint for f in findings}


def test_fingerprints_survive_lines_inserted_above_and_comments_between(tmp_path: Path) -> None:
    before = fingerprints(tmp_path / "a", GOMOD)
    after = fingerprints(tmp_path / "b", MOVED)
    assert {rule for rule, _ in before} >= {"GB402", "GB403", "GB404"}
    assert after == before
    assert len(set(before.values())) == len(before)  # two replace lines, two fingerprints


def test_a_different_finding_has_a_different_fingerprint(tmp_path: Path) -> None:
    before = fingerprints(tmp_path / "a", GOMOD)
    after = fingerprints(tmp_path / "b", GOMOD.replace("go 1.19", "go 1.20"))
    changed = {k for k in before if before[k] != after.get(k)}
    assert {rule for rule, _ in changed} == {"GB402"}


def test_identical_lines_are_told_apart_by_their_occurrence() -> None:
    lines = anchors("a\n  b\t\nb\r\na\n")
    assert [(x.text, x.occurrence) for x in lines] == [("a", 1), ("b", 1), ("b", 2), ("a", 2), ("", 1)]
    text = "replace x => y v1.0.0\nreplace x => y v1.0.0\n"
    one, two = (Finding("GB404", Severity.ERROR, "m", Location("go.mod", n)) for n in (1, 2))
    a, b = with_content([one, two], {"go.mod": text}.get)
    assert a.fingerprint != b.fingerprint
    # A duplicate of the same finding keeps the same fingerprint, so the record collapses it.
    assert with_content([one, one], {"go.mod": text}.get)[0].fingerprint == a.fingerprint


def test_record_still_collapses_duplicates(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GOMOD, encoding="utf-8")
    ctx = make_ctx(tmp_path)
    record = RunRecord(ctx)
    result = gomod.run(ctx, releases=RELEASES)
    record.add(result)
    record.extra_findings += result.findings  # the same findings once more
    assert len(record.report().findings) == len(result.findings)


def test_message_key_drops_line_numbers_and_numbers_when_anchored() -> None:
    message = "the waiver at .gobaseline.yml:12 (line 12, go.mod:3:1) expired; Go 1.26 or 1.27 is allowed"
    assert message_key(message, anchored=False) == (
        "the waiver at .gobaseline.yml (line, go.mod) expired; Go 1.26 or 1.27 is allowed"
    )
    assert "1.27" not in message_key(message, anchored=True)
    # Without a line to anchor it, a version may be all that tells two findings apart.
    a, b = (compute("GB201", "go.mod", None, f"x@v0.{n}.0 is missing", None) for n in (3, 14))
    assert a != b


def test_unreadable_files_and_machine_facts_keep_a_fingerprint_without_the_line() -> None:
    f = Finding("GB111", Severity.WARNING, "GOROOT is on the system disk")
    assert with_content([f], lambda _: None) == [f]
    located = Finding("GB404", Severity.ERROR, "m", Location("gone/go.mod", 7))
    assert with_content([located], lambda _: None)[0].fingerprint == compute("GB404", "gone/go.mod", None, "m", None)
