"""Verification from the file itself: good and bad binaries built with the real toolchain, and broken files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gobaseline.golang.gotool import Go
from gobaseline.golang.releases import Baseline, Releases
from gobaseline.model import Finding
from gobaseline.stages.verify import verify_binary, verify_files
from tests.support.toolchains import PINNED, gobuild


def ids(findings: list[Finding]) -> list[str]:
    return sorted({f.rule_id for f in findings})


def verify(path: Path, go: Go | None = None, **kwargs: object) -> tuple[list[Finding], object]:
    return verify_binary(
        path,
        target=kwargs.pop("target", None),  # type: ignore[arg-type]
        go=go,
        baseline=kwargs.pop("baseline", None),  # type: ignore[arg-type]
        manifest_entry=kwargs.pop("manifest_entry", None),  # type: ignore[arg-type]
        location_path=path.name,
        **kwargs,  # type: ignore[arg-type]
    )


# -- good binaries ------------------------------------------------------------------------------------------------


def test_a_pinned_build_from_elsewhere_passes_but_for_the_loader(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path)
    result, artifacts = verify_files([binary], go=go, baseline=None, root=tmp_path)
    assert ids(result.findings) == ["GB604"]
    assert "/lib64/ld-linux-x86-64.so.2" in result.findings[0].message
    (a,) = artifacts
    assert (a.path, a.target, a.format) == ("out/bin", "linux/amd64", "elf")
    assert a.pie and a.stripped and a.static and a.go_version == go.version
    assert [c.name for c in result.checks] == ["verify-binary"]


# -- bad binaries -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "detail"),
    [("linux/amd64", ".symtab"), ("windows/amd64", "COFF symbols"), ("darwin/arm64", "__DWARF")],
)
def test_unstripped_binaries_are_caught_per_format(tmp_path: Path, go: Go, target: str, detail: str) -> None:
    binary = gobuild(go, tmp_path, target=target, flags=("-trimpath", "-buildmode=pie"))
    findings, artifact = verify_binary(
        binary, target=target, go=go, baseline=None, manifest_entry=None, location_path="bin"
    )
    gb602 = [f for f in findings if f.rule_id == "GB602"]
    assert len(gb602) == 1 and detail in gb602[0].message
    assert artifact.stripped is False and artifact.pie is True
    if target.startswith("linux"):
        assert "GB605" in ids(findings)  # no -bindnow either


def test_buildmode_exe_is_not_pie(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path, flags=("-trimpath", "-ldflags=-s -w"))
    findings, artifact = verify_binary(
        binary, target="linux/amd64", go=go, baseline=None, manifest_entry=None, location_path="bin"
    )
    assert ids(findings) == ["GB601", "GB609"]
    assert any("-buildmode=exe" in f.message for f in findings if f.rule_id == "GB609")
    assert artifact.pie is False and artifact.interpreter is None


def test_buildmode_exe_is_accepted_for_an_allowed_target(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path, flags=("-trimpath", "-ldflags=-s -w"))
    findings, _ = verify_binary(
        binary,
        target="linux/amd64",
        go=go,
        baseline=None,
        manifest_entry=None,
        location_path="bin",
        allow_non_pie=("linux/amd64",),
    )
    assert findings == []


def test_windows_buildmode_exe_lacks_aslr(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path, target="windows/amd64", flags=("-trimpath", "-buildmode=exe", "-ldflags=-s -w"))
    findings, artifact = verify_binary(
        binary, target="windows/amd64", go=go, baseline=None, manifest_entry=None, location_path="bin.exe"
    )
    assert ids(findings) == ["GB601", "GB607", "GB609"]
    gb607 = next(f for f in findings if f.rule_id == "GB607")
    assert "HIGH_ENTROPY_VA" in gb607.message and "base relocations" in gb607.message
    assert artifact.format == "pe" and artifact.pie is False


def test_race_build_is_caught_from_build_info(tmp_path: Path, go: Go) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("needs a C compiler")
    binary = gobuild(go, tmp_path, flags=("-trimpath", "-race"), cgo="1")
    findings, artifact = verify_binary(
        binary, target="linux/amd64", go=go, baseline=None, manifest_entry=None, location_path="bin"
    )
    messages = [f.message for f in findings if f.rule_id == "GB609"]
    assert any("-race" in m for m in messages)
    assert any("CGO_ENABLED=1" in m for m in messages)
    assert {"GB601", "GB602", "GB603", "GB609"} <= set(ids(findings))
    assert artifact.static is False


def test_cgo_binary_needs_shared_libraries(tmp_path: Path, go: Go) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("needs a C compiler")
    binary = gobuild(go, tmp_path, fixture="cgo", flags=PINNED, cgo="1")
    findings, artifact = verify_binary(
        binary, target="linux/amd64", go=go, baseline=None, manifest_entry=None, location_path="bin"
    )
    gb603 = next(f for f in findings if f.rule_id == "GB603")
    assert "libc.so" in gb603.message
    assert any("CGO_ENABLED=1" in f.message for f in findings if f.rule_id == "GB609")
    assert artifact.static is False and artifact.pie is True


def test_a_toolchain_outside_the_baseline_is_reported(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path)
    baseline = Baseline.from_policy(("1.21",), Releases.snapshot())
    findings, _ = verify_binary(
        binary, target="linux/amd64", go=go, baseline=baseline, manifest_entry=None, location_path="bin"
    )
    gb609 = [f for f in findings if f.rule_id == "GB609"]
    assert len(gb609) == 1 and "outside the baseline" in gb609[0].message


def test_a_binary_that_differs_from_its_manifest_entry(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path)
    entry = {"path": "out/bin", "target": "linux/amd64", "go_version": "go1.26.0", "sha256": "0" * 64}
    result, _ = verify_files([binary], go=go, baseline=None, manifest={"artifacts": [entry]}, root=tmp_path)
    gb610 = [f.message for f in result.findings if f.rule_id == "GB610"]
    assert any("sha256" in m for m in gb610) and any("go1.26.0" in m for m in gb610)


def test_a_file_missing_from_the_manifest(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path)
    result, _ = verify_files([binary], go=go, baseline=None, manifest={"artifacts": []}, root=tmp_path)
    assert "GB610" in ids(result.findings)


def test_a_non_go_executable_has_no_build_info() -> None:
    true = Path(shutil.which("true") or "/bin/true").resolve()
    findings, artifact = verify_binary(
        true, target=None, go=None, baseline=None, manifest_entry=None, location_path="true"
    )
    assert "GB608" in ids(findings)
    assert artifact.format == "elf" and artifact.go_version == ""


# -- broken files -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0, 3, 64, 4096, 200_000, -1000])
def test_truncated_binaries_are_unreadable_not_a_crash(tmp_path: Path, go: Go, keep: int) -> None:
    good = gobuild(go, tmp_path).read_bytes()
    for name, data in (("elf", good), ("pe", gobuild(go, tmp_path, target="windows/amd64").read_bytes())):
        cut = tmp_path / f"cut-{name}"
        cut.write_bytes(data[:keep])
        findings, _ = verify(cut, go)
        assert ids(findings) == ["GB611"], (name, keep, findings)


def test_truncated_macho_is_unreadable(tmp_path: Path, go: Go) -> None:
    data = gobuild(go, tmp_path, target="darwin/arm64").read_bytes()
    for keep in (32, 4096, len(data) // 2):
        cut = tmp_path / "cut"
        cut.write_bytes(data[:keep])
        findings, _ = verify(cut, go)
        assert ids(findings) == ["GB611"], (keep, findings)


def test_text_empty_and_missing_files_are_unreadable(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("#!/bin/sh\necho hello\n")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage"
    garbage.write_bytes(bytes(range(256)) * 4)
    corrupt = tmp_path / "corrupt"
    corrupt.write_bytes(b"\x7fELF" + b"\xff" * 60)
    fake_pe = tmp_path / "fake.exe"
    fake_pe.write_bytes(b"MZ" + b"\0" * 200)
    fake_macho = tmp_path / "fake.macho"
    fake_macho.write_bytes(b"\xcf\xfa\xed\xfe" + b"\0" * 100)
    paths = [text, empty, garbage, corrupt, fake_pe, fake_macho, tmp_path / "missing", tmp_path]
    result, artifacts = verify_files(paths, go=None, baseline=None, root=tmp_path)
    assert [f.rule_id for f in result.findings] == ["GB611"] * len(paths)
    assert "text" in result.findings[0].message
    assert "empty" in result.findings[1].message
    assert len(artifacts) == len(paths) - 2  # the missing file and the directory have no checksum to report


@pytest.mark.parametrize("listed", [False, True])
@pytest.mark.parametrize("kind", ["fifo", "device", "loop", "directory"])
def test_special_files_are_refused_before_reading(tmp_path: Path, kind: str, listed: bool) -> None:
    path = tmp_path / "bin"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "loop":
        (tmp_path / "a").symlink_to(tmp_path / "b")
        (tmp_path / "b").symlink_to(tmp_path / "a")
        path = tmp_path / "a"
    else:
        path.mkdir()
    # With a manifest that lists the file elsewhere, it is looked up by checksum first: that read is refused too.
    manifest = {"artifacts": [{"path": "dist/app", "sha256": "0" * 64}]} if listed else None
    result, artifacts = verify_files([path], go=None, baseline=None, manifest=manifest, root=tmp_path)
    expected = ["GB611", "GB610"] if listed else ["GB611"]  # GB610: not in the manifest
    assert [f.rule_id for f in result.findings] == expected  # no hang, no traceback
    assert all(not a.sha256 for a in artifacts)  # nothing checksummed
