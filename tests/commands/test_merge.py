"""Merging sharded reports: the merge of any split of a report is the report, and merging is canonical."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gobaseline.commands.merge import merge
from gobaseline.formats import json_report
from gobaseline.model import (
    Artifact,
    CheckRecord,
    CheckStatus,
    Finding,
    Location,
    Report,
    Severity,
    Stage,
    Verdict,
)
from tests.support.reports import sample_report

T = TypeVar("T")
TARGETS = ["linux/amd64", "linux/arm64", "darwin/arm64", "windows/amd64"]
text = st.text(max_size=12)
target = st.sampled_from(TARGETS)
seconds = st.integers(0, 10_000).map(lambda n: n / 100)  # values that survive the JSON rounding

findings = st.builds(
    Finding,
    rule_id=st.sampled_from(["GB103", "GB402", "GB405", "GB501", "GB606"]),
    severity=st.sampled_from(list(Severity)),
    message=text,
    location=st.one_of(
        st.none(), st.builds(Location, path=st.sampled_from(["go.mod", "main.go"]), line=st.integers(1, 50))
    ),
    target=st.one_of(st.none(), target),
)
checks = st.builds(
    CheckRecord,
    stage=st.sampled_from(list(Stage)),
    name=st.sampled_from(["a", "b", "build"]),
    status=st.sampled_from(list(CheckStatus)),
    seconds=seconds,
    target=st.one_of(st.none(), target),
    detail=text,
)
artifacts = st.builds(
    Artifact,
    target=target,
    path=st.sampled_from(["dist/a", "dist/b"]),
    size=st.integers(0, 10**9),
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    pie=st.one_of(st.none(), st.booleans()),
)


def _unique(items: list[T], key: Callable[[T], Hashable]) -> tuple[T, ...]:
    seen: dict[Hashable, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


@st.composite
def wholes(draw: st.DrawFn) -> Report:
    """A report as one job would write it: no duplicate fingerprints, checks or artifacts."""
    return Report(
        tool_version="0.1.0",
        root="/src",
        findings=_unique(draw(st.lists(findings, max_size=12)), lambda f: f.fingerprint),
        checks=_unique(draw(st.lists(checks, max_size=12)), lambda c: (c.stage, c.name, c.target, c.status)),
        artifacts=_unique(draw(st.lists(artifacts, max_size=6)), lambda a: (a.target, a.path)),
        timings=draw(st.dictionaries(st.sampled_from(["build", "verify", "probe"]), seconds)),
        environment=draw(st.dictionaries(st.sampled_from(["go", "host"]), st.sampled_from(["x", "y"]))),
        targets=tuple(draw(st.lists(target, unique=True))),
        policy_source=".gobaseline.yml",
        started_at="2026-01-15T10:20:30Z",
    )


def split(whole: Report, shards: int, rng: random.Random) -> list[Report]:
    """Deal every finding, check, artifact and target to a random shard; each shard keeps the shared facts."""

    def deal(items: tuple[T, ...]) -> list[tuple[T, ...]]:
        hands: list[list[T]] = [[] for _ in range(shards)]
        for item in items:
            hands[rng.randrange(shards)].append(item)
        return [tuple(h) for h in hands]

    parts = zip(deal(whole.findings), deal(whole.checks), deal(whole.artifacts), deal(whole.targets), strict=True)
    return [
        Report(
            tool_version=whole.tool_version,
            root=whole.root,
            findings=f,
            checks=c,
            artifacts=a,
            targets=t,
            timings=whole.timings,
            environment=whole.environment,
            policy_source=whole.policy_source,
            started_at=whole.started_at,
        )
        for f, c, a, t in parts
    ]


@settings(max_examples=200, deadline=None)
@given(whole=wholes(), shards=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_merge_of_a_split_is_the_whole(whole: Report, shards: int, seed: int) -> None:
    parts = split(whole, shards, random.Random(seed))
    merged = merge(parts)
    assert merged == merge([whole])
    assert merge(list(reversed(parts))) == merged
    assert set(merged.findings) == set(whole.findings)
    assert set(merged.checks) == set(whole.checks)
    assert set(merged.artifacts) == set(whole.artifacts)
    assert set(merged.targets) == set(whole.targets)
    assert merged.verdict is whole.verdict
    assert merged.timings == whole.timings and merged.environment == whole.environment


@settings(max_examples=100, deadline=None)
@given(whole=wholes())
def test_merge_is_idempotent_and_its_json_is_valid(whole: Report) -> None:
    once = merge([whole])
    assert merge([once, once]) == once
    text = json_report.dumps(once)
    json_report.validate(json.loads(text), path="merged")
    assert json_report.parse(text, path="merged") == once


def test_duplicates_across_shards_are_merged() -> None:
    host = CheckRecord(Stage.TOOLCHAIN, "goroot-complete", CheckStatus.PASSED, 0.5)
    slow = CheckRecord(Stage.TOOLCHAIN, "goroot-complete", CheckStatus.PASSED, 0.9)
    machine = Finding("GB103", Severity.ERROR, "old Go")
    a = Report(
        "0.1.0",
        "/src",
        findings=(machine, Finding("GB501", Severity.ERROR, "x", Location("m.go", 1), "linux/arm64")),
        checks=(host,),
        timings={"build": 10.0, "toolchain": 1.0},
        environment={"go": "go1.27.3", "runner": "a"},
        targets=("linux/arm64",),
        started_at="2026-01-15T10:20:30+01:00",
    )
    b = Report(
        "0.1.0",
        "/src",
        findings=(machine.with_severity(Severity.WARNING),),
        checks=(slow,),
        timings={"build": 12.5},
        environment={"go": "go1.27.3", "runner": "b"},
        targets=("linux/amd64",),
        started_at="2026-01-15T09:50:00Z",
    )
    merged = merge([a, b])
    assert [f.rule_id for f in merged.findings] == ["GB103", "GB501"]
    assert merged.findings[0].severity is Severity.ERROR  # the most severe copy
    assert merged.checks == (slow,)
    assert merged.timings == {"build": 12.5, "toolchain": 1.0}  # the slowest shard, per stage
    assert merged.environment == {"go": "go1.27.3", "runner": "a, b"}
    assert merged.targets == ("linux/amd64", "linux/arm64")
    assert merged.started_at == "2026-01-15T10:20:30+01:00"  # 09:20:30Z, the earliest
    assert merged.verdict is Verdict.FAIL


def test_merge_of_the_sample_keeps_everything() -> None:
    sample = sample_report()
    merged = merge([sample])
    assert len(merged.findings) == len(sample.findings)
    assert len(merged.checks) == len(sample.checks)
    assert merged.verdict is sample.verdict
    assert [f.rule_id for f in merged.findings] == sorted(f.rule_id for f in sample.findings)


def test_merge_needs_a_report() -> None:
    with pytest.raises(ValueError, match="at least one"):
        merge([])


def test_started_at_ignores_unzoned_or_empty() -> None:
    a = Report("0.1.0", "/src", started_at="")
    b = Report("0.1.0", "/src", started_at="2026-01-15T10:00:00")
    assert merge([a, b]).started_at == ""


@pytest.mark.parametrize("plant", ["file-link", "dir-link"])
def test_merge_never_writes_through_a_planted_link(tmp_path: Path, plant: str) -> None:
    from gobaseline.cli import main

    victim = tmp_path / "outside" / "victim"
    victim.parent.mkdir()
    victim.write_text("precious\n")
    saved = tmp_path / "a.json"
    saved.write_text(json_report.dumps(sample_report()))
    out = tmp_path / "merged" / "report.json"
    if plant == "file-link":
        out.parent.mkdir()
        out.symlink_to(victim)
    else:
        out.parent.symlink_to(victim.parent)
    assert main(["merge", str(saved), "-o", str(out)]) == 3
    assert victim.read_text() == "precious\n" and sorted(p.name for p in victim.parent.iterdir()) == ["victim"]
