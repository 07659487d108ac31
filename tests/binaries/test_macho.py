"""Mach-O verification, thin and universal: real darwin binaries from the real toolchain, slices joined here."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from gobaseline.golang.gotool import Go
from gobaseline.model import Finding
from gobaseline.stages.verify import Verification, inspect_binary
from tests.support.macho_fat import MH_ALLOW_STACK_EXECUTION, MH_PIE, fat, set_flags
from tests.support.toolchains import isolated_go_env

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "build" / "hello"
PINNED = ("-trimpath", "-buildmode=pie", "-ldflags=-s -w")


@pytest.fixture(scope="module")
def darwin(tmp_path_factory: pytest.TempPathFactory, go_shared_cache: Path) -> dict[str, bytes]:
    """Hello-world images built once: `amd64` and `arm64` with the pinned flags, `arm64-debug` without -s -w."""
    base = tmp_path_factory.mktemp("darwin")
    go = Go.discover(environ=isolated_go_env(base, go_shared_cache))
    module = base / "hello"
    shutil.copytree(FIXTURE, module)
    images = {}
    for name, goarch, flags in (
        ("amd64", "amd64", PINNED),
        ("arm64", "arm64", PINNED),
        ("arm64-debug", "arm64", ("-trimpath", "-buildmode=pie")),
    ):
        out = base / name
        env = {"CGO_ENABLED": "0", "GOOS": "darwin", "GOARCH": goarch}
        res = go.run(["build", *flags, "-o", str(out), "."], cwd=module, extra_env=env)
        assert res.ok, res.stderr
        images[name] = out.read_bytes()
    return images


def check(tmp_path: Path, data: bytes, **kwargs: object) -> Verification:
    path = tmp_path / "hello"
    path.write_bytes(data)
    return inspect_binary(
        path,
        target=None,
        go=None,
        baseline=None,
        manifest_entry=None,
        location_path="hello",
        **kwargs,  # type: ignore[arg-type]
    )


def of(v: Verification, rule_id: str) -> list[Finding]:
    return [f for f in v.findings if f.rule_id == rule_id]


@pytest.mark.parametrize("wide", [False, True], ids=["fat", "fat64"])
def test_a_universal_binary_of_hardened_slices_passes(tmp_path: Path, darwin: dict[str, bytes], wide: bool) -> None:
    v = check(tmp_path, fat([darwin["amd64"], darwin["arm64"]], wide=wide))
    assert v.findings == []
    assert v.inspection is not None
    assert v.inspection.slices == ("darwin/amd64", "darwin/arm64")
    assert v.inspection.target is None  # two architectures: the build info decides the target
    a = v.artifact
    assert (a.format, a.pie, a.stripped, a.static) == ("macho", True, True, True)


def test_a_thin_binary_has_no_slices(tmp_path: Path, darwin: dict[str, bytes]) -> None:
    v = check(tmp_path, darwin["arm64"])
    assert v.findings == []
    assert v.inspection is not None and v.inspection.slices == () and v.inspection.target == "darwin/arm64"


@pytest.mark.parametrize("bad", ["amd64", "arm64"])
def test_an_executable_stack_is_found_in_the_slice_that_asks_for_it(
    tmp_path: Path, darwin: dict[str, bytes], bad: str
) -> None:
    images = [darwin["amd64"], darwin["arm64"]]
    index = ["amd64", "arm64"].index(bad)
    images[index] = set_flags(images[index], add=MH_ALLOW_STACK_EXECUTION)
    v = check(tmp_path, fat(images))
    found = of(v, "GB612")
    assert [f.rule_id for f in v.findings] == ["GB612"]
    assert len(found) == 1
    assert f"The darwin/{bad} slice of the universal Mach-O binary sets MH_ALLOW_STACK_EXECUTION" in found[0].message
    other = "arm64" if bad == "amd64" else "amd64"
    assert f"darwin/{other}" not in found[0].message


def test_an_executable_stack_in_a_thin_binary(tmp_path: Path, darwin: dict[str, bytes]) -> None:
    v = check(tmp_path, set_flags(darwin["amd64"], add=MH_ALLOW_STACK_EXECUTION))
    assert [f.message.split(",")[0] for f in v.findings] == ["The Mach-O binary sets MH_ALLOW_STACK_EXECUTION"]


def test_a_slice_without_pie_is_named_and_its_own_target_may_allow_it(tmp_path: Path, darwin: dict[str, bytes]) -> None:
    data = fat([set_flags(darwin["amd64"], remove=MH_PIE), darwin["arm64"]])
    v = check(tmp_path, data)
    assert [f.message for f in v.findings] == [
        "The darwin/amd64 slice of the universal Mach-O binary is not position-independent; build with -buildmode=pie."
    ]
    assert v.artifact.pie is False
    assert check(tmp_path, data, allow_non_pie=("darwin/amd64",)).findings == []
    assert len(of(check(tmp_path, data, allow_non_pie=("darwin/arm64",)), "GB601")) == 1


def test_an_unstripped_slice_is_named(tmp_path: Path, darwin: dict[str, bytes]) -> None:
    v = check(tmp_path, fat([darwin["amd64"], darwin["arm64-debug"]]))
    found = of(v, "GB602")
    assert [f.rule_id for f in v.findings] == ["GB602"]
    assert found[0].message.startswith("The darwin/arm64 slice of the universal Mach-O binary carries a __DWARF")
    assert v.artifact.stripped is False


def test_a_truncated_or_lying_universal_file_is_unreadable(tmp_path: Path, darwin: dict[str, bytes]) -> None:
    data = fat([darwin["amd64"], darwin["arm64"]])
    for keep in (8, 100, len(data) - 1000):
        v = check(tmp_path, data[:keep])
        assert [f.rule_id for f in v.findings] == ["GB611"], keep
    # The second fat_arch entry claims a size past the end of the file.
    lying = bytearray(data)
    struct.pack_into(">I", lying, 8 + 20 + 12, len(data))
    v = check(tmp_path, bytes(lying))
    assert [f.rule_id for f in v.findings] == ["GB611"]
    assert "darwin/arm64 slice" in v.findings[0].message
    empty = check(tmp_path, struct.pack(">II", 0xCAFEBABE, 0))
    assert [f.message for f in empty.findings] == ["A Mach-O file without a header."]


def test_a_slice_that_is_not_an_executable_is_unreadable(tmp_path: Path, darwin: dict[str, bytes]) -> None:
    dylib = bytearray(darwin["arm64"])
    struct.pack_into("<I", dylib, 12, 6)  # mach_header_64.filetype = MH_DYLIB
    v = check(tmp_path, fat([darwin["amd64"], bytes(dylib)]))
    assert [f.message for f in v.findings] == ["The darwin/arm64 slice is of type 6, not an executable."]
