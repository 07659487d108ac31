"""Binaries kept for `go build` to relink only when needed, proven go's output; targets built within memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from gobaseline.golang.gotool import Go
from gobaseline.model import Severity
from gobaseline.policy import parse
from gobaseline.stages import linked
from gobaseline.stages.workers import available_memory_mb, build_workers
from tests.conftest import make_ctx
from tests.support.stages import BuildAndVerify, build_and_verify

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "build"
needs_ctime = pytest.mark.skipif(not linked.KEEPS, reason="binaries are always removed where ctime is birth time")


def _module(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "hello", tmp_path / "hello"))


def _build(module: Path, go: Go, version: str = "1", lines: list[str] | None = None) -> BuildAndVerify:
    policy = parse(f"build:\n  ldflags: ['-X main.version={version}']\n", ".gobaseline.yml")
    ctx = make_ctx(module, go=go, policy=policy)
    out = build_and_verify(ctx, progress=lines.append if lines is not None else None)
    assert out.build.findings == [], out.build.findings
    assert not [f for f in out.verify.findings if f.severity is Severity.ERROR], out.verify.findings
    return out


def _binary(module: Path) -> Path:
    return module / "gobaseline-out" / "linux_amd64" / "fixture"


def _runs(binary: Path) -> str:
    return subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout


@needs_ctime
def test_an_untouched_warm_rebuild_keeps_the_binary_and_verifies_it(tmp_path: Path, go: Go) -> None:
    module = _module(tmp_path)
    first = _build(module, go)
    before = _binary(module).stat()
    lines: list[str] = []
    again = _build(module, go, lines=lines)
    after = _binary(module).stat()
    assert after.st_ino == before.st_ino  # go judged it up to date and did not link
    assert lines[-1].endswith("MB (up to date)")
    assert [a.sha256 for a in again.artifacts] == [a.sha256 for a in first.artifacts]
    assert "build_workers" in again.build.facts


@needs_ctime
def test_a_binary_from_other_flags_is_relinked(tmp_path: Path, go: Go) -> None:
    module = _module(tmp_path)
    _build(module, go, version="1")
    before = _binary(module).stat()
    lines: list[str] = []
    _build(module, go, version="2", lines=lines)
    assert _binary(module).stat().st_ino != before.st_ino
    assert "up to date" not in lines[-1]
    assert _runs(_binary(module)) == "fixture 2\n"


@pytest.mark.parametrize("plant", ["other-bytes", "tampered-in-place", "copied-over", "no-record"])
def test_a_planted_binary_is_replaced_by_a_real_link(tmp_path: Path, go: Go, plant: str) -> None:
    """Each plant keeps the name; the tampered ones keep the build ID too, which is all go itself checks."""
    module = _module(tmp_path)
    real = _build(module, go).artifacts[0].sha256
    binary = _binary(module)
    data = bytearray(binary.read_bytes())
    time.sleep(0.05)  # past the filesystem's timestamp granularity
    if plant == "other-bytes":
        binary.write_bytes(b"#!/bin/sh\necho planted\n")
    elif plant == "tampered-in-place":
        data[len(data) // 2] ^= 0xFF
        with binary.open("r+b") as fh:
            fh.write(bytes(data))  # same inode, same size, same build ID
    elif plant == "copied-over":
        data[len(data) // 2] ^= 0xFF
        other = tmp_path / "other"
        other.write_bytes(bytes(data))
        shutil.copystat(binary, other)  # even with the old times
        other.replace(binary)
    else:
        (binary.parent.parent / linked.RECORD_NAME).unlink()
        data[len(data) // 2] ^= 0xFF
        binary.write_bytes(bytes(data))
    lines: list[str] = []
    again = _build(module, go, lines=lines)
    assert "up to date" not in lines[-1]
    assert [a.sha256 for a in again.artifacts] == [real]
    assert _runs(binary) == "fixture 1\n"


def test_a_failed_build_leaves_no_binary_behind(tmp_path: Path, go: Go) -> None:
    module = _module(tmp_path)
    _build(module, go)
    (module / "main.go").write_text("package main\n\nfunc main() { undefined() }\n", encoding="utf-8")
    ctx = make_ctx(module, go=go)
    out = build_and_verify(ctx)
    assert [f.rule_id for f in out.build.findings] == ["GB501"]
    assert not _binary(module).exists()
    assert out.artifacts == []


# -- the proof, on plain files ------------------------------------------------------------------------------------


@needs_ctime
def test_the_ledger_keeps_only_what_it_recorded_and_tells_kept_from_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "t").mkdir(parents=True)
    kept, replaced, stranger = out / "t" / "kept", out / "t" / "replaced", out / "t" / "stranger"
    for p in (kept, replaced):
        p.write_bytes(b"go wrote this")
    ledger = linked.Ledger(out)
    with ledger.around([kept, replaced]) as job:  # nothing recorded yet: both removed
        assert not kept.exists() and not replaced.exists()
        kept.write_bytes(b"linked")
        replaced.write_bytes(b"linked")
        job.settle(True)
    assert job.up_to_date == []
    ledger.save()

    stranger.write_bytes(b"planted")
    ledger = linked.Ledger(out)
    with ledger.around([kept, replaced, stranger]) as job:
        assert kept.exists() and replaced.exists() and not stranger.exists()
        os.utime(kept)  # what go does to a binary it finds up to date
        fresh = replaced.with_name("new")
        fresh.write_bytes(b"relinked")
        fresh.replace(replaced)  # what go does when it links
        stranger.write_bytes(b"linked")
        job.settle(True)
    assert job.up_to_date == [kept]
    ledger.save()

    ledger = linked.Ledger(out)
    with ledger.around([kept, replaced, stranger]) as job:
        assert kept.exists() and replaced.exists() and stranger.exists()  # all three recorded after the build
        job.settle(False)
    assert not any(p.exists() for p in (kept, replaced, stranger))


def test_a_record_that_does_not_parse_keeps_nothing(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    binary = tmp_path / "t" / "b"
    binary.write_bytes(b"x")
    for text in ("not json", "[]", '{"schema": 1, "binaries": {"t/b": [1, 2]}}', '{"schema": 2, "binaries": {}}'):
        (tmp_path / linked.RECORD_NAME).write_text(text, encoding="utf-8")
        with linked.Ledger(tmp_path).around([binary]):
            assert not binary.exists()
        binary.write_bytes(b"x")


@needs_ctime
def test_the_record_is_never_written_through_a_planted_link(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("precious", encoding="utf-8")
    (tmp_path / linked.RECORD_NAME).symlink_to(elsewhere)
    ledger = linked.Ledger(tmp_path)
    with ledger.around([tmp_path / "t" / "b"]) as job:
        (tmp_path / "t" / "b").write_bytes(b"linked")
        job.settle(True)
    ledger.save()
    assert elsewhere.read_text(encoding="utf-8") == "precious"


def test_a_binary_that_cannot_be_removed_fails_its_target(tmp_path: Path) -> None:
    (tmp_path / "t" / "b").mkdir(parents=True)  # a directory in the binary's place
    with linked.Ledger(tmp_path).around([tmp_path / "t" / "b"]) as job:
        assert len(job.problems) == 1 and "cannot remove b from the last build" in job.problems[0]


# -- how many targets at once -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jobs", "parallel", "cores", "memory_mb", "expected"),
    [
        (4, None, 8, 64_000, 4),  # enough of everything: one per target
        (4, None, 2, 64_000, 2),  # cores bound it
        (4, None, 8, 3_200, 2),  # memory bounds it: two 1500 MB links
        (4, None, 8, 900, 1),  # never fewer than one
        (4, 3, 2, 64_000, 3),  # parallel replaces the core count
        (4, 4, 8, 3_000, 2),  # and memory still bounds it
        (4, None, None, None, 1),  # nothing known: one at a time
        (1, None, 8, 64_000, 1),
    ],
)
def test_targets_build_within_cores_and_memory(
    jobs: int, parallel: int | None, cores: int | None, memory_mb: int | None, expected: int
) -> None:
    got = build_workers(jobs, parallel=parallel, link_memory_mb=1500, cores=cores, memory_mb=memory_mb)
    assert got.count == expected


def test_the_link_estimate_comes_from_the_policy() -> None:
    policy = parse("build:\n  link_memory_mb: 400\n  parallel: 8\n", ".gobaseline.yml")
    assert policy.build.link_memory_mb == 400
    got = build_workers(8, parallel=8, link_memory_mb=policy.build.link_memory_mb, cores=2, memory_mb=2_000)
    assert got.count == 5
    assert got.describe() == "5 (cores 2, available memory 2000 MB / 400 MB a link)"
    assert parse("", ".gobaseline.yml").build.link_memory_mb == 1500


def _proc(tmp_path: Path, meminfo: str, cgroup: str = "0::/\n") -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text(meminfo, encoding="ascii")
    (proc / "self" / "cgroup").write_text(cgroup, encoding="ascii")
    return proc


def test_available_memory_is_memavailable_lowered_to_the_cgroup_limit(tmp_path: Path) -> None:
    proc = _proc(tmp_path, "MemTotal:  16384000 kB\nMemFree:  1000 kB\nMemAvailable:  8192000 kB\n", "0::/job\n")
    cg = tmp_path / "cgroup"
    assert available_memory_mb(proc, cg) == 8000  # no cgroup files: MemAvailable alone
    (cg / "job").mkdir(parents=True)
    (cg / "job" / "memory.max").write_text("max\n", encoding="ascii")
    (cg / "job" / "memory.current").write_text("1048576\n", encoding="ascii")
    assert available_memory_mb(proc, cg) == 8000  # no limit
    (cg / "job" / "memory.max").write_text(f"{3 * 1024**3}\n", encoding="ascii")
    assert available_memory_mb(proc, cg) == 3071  # 3 GiB limit, 1 MiB in use


def test_available_memory_elsewhere_comes_from_sysconf(tmp_path: Path) -> None:
    pages = {"SC_AVPHYS_PAGES": 1024 * 256, "SC_PAGE_SIZE": 4096}
    assert available_memory_mb(tmp_path / "none", tmp_path, pages.__getitem__) == 1024

    def unknown(name: str) -> int:
        raise ValueError(name)

    assert available_memory_mb(tmp_path / "none", tmp_path, unknown) is None
    assert available_memory_mb(tmp_path / "none", tmp_path, None) is None
    assert available_memory_mb(_proc(tmp_path, "MemTotal: 1 kB\n"), tmp_path, None) is None
