"""vendor/modules.txt as `go mod vendor` writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobaseline.golang.vendor import Inconsistency, inconsistencies, parse_modules_txt, vendor_mode
from tests.support.goproxy import World, modcache_world, run_checked, world

__all__ = ["modcache_world", "world"]  # fixtures


def test_parse_modules_txt() -> None:
    entries = parse_modules_txt(
        "# a v1.0.0\n## explicit; go 1.20\na\n# b v1.0.0 => c v1.1.0\n## explicit\n# d => ./d\n"
    )
    assert [(e.path, e.version, e.line, e.replacement, e.explicit) for e in entries] == [
        ("a", "v1.0.0", 1, None, True),
        ("b", "v1.0.0", 4, ("c", "v1.1.0"), True),
        ("d", "", 6, ("./d", ""), False),
    ]


def test_parse_what_go_mod_vendor_writes(world: World) -> None:
    run_checked(world.go, ["mod", "vendor"], world.module_dir)
    entries = parse_modules_txt((world.module_dir / "vendor" / "modules.txt").read_text())
    versioned = {e.path: e for e in entries if e.version}
    assert set(versioned) == {
        "example.com/alpha",
        "example.com/dep",
        "example.com/legacy",
        "example.com/localdep",
        "example.com/nested",
        "github.com/Example/Upper",
    }
    assert all(e.explicit for e in versioned.values())
    assert versioned["example.com/dep"].replacement == ("example.com/depfork", "v1.2.1")
    assert versioned["example.com/localdep"].replacement == ("./localdep", "")
    # The replace directives are repeated at the end, without a version.
    assert {e.path for e in entries if not e.version} == {"example.com/dep", "example.com/localdep"}


@pytest.mark.parametrize(
    ("go_version", "vendor_dir", "expected"),
    [
        ("1.14", True, True),
        ("1.22.0", True, True),
        ("1.27rc1", True, True),
        ("1.13", True, False),
        (None, True, False),  # no go line: an older language version, so go does not vendor by default
        ("1.22", False, False),
    ],
)
def test_vendor_mode(tmp_path: Path, go_version: str | None, vendor_dir: bool, expected: bool) -> None:
    if vendor_dir:
        (tmp_path / "vendor").mkdir()
    assert vendor_mode(tmp_path, go_version) is expected


def test_a_vendor_file_is_not_a_vendor_directory(tmp_path: Path) -> None:
    (tmp_path / "vendor").write_text("")
    assert not vendor_mode(tmp_path, "1.22")


@pytest.mark.parametrize(
    ("first_line", "module", "workspace"),
    [
        ("# example.com/dep v1.0.0\n", True, False),
        ("## workspace\n", False, True),
        ("## explicit; workspace\n", False, True),
        (None, True, False),  # no modules.txt: a module's vendor directory, as the go command decides
    ],
)
def test_vendor_mode_follows_the_mode_modules_txt_was_written_in(
    tmp_path: Path, first_line: str | None, module: bool, workspace: bool
) -> None:
    (tmp_path / "vendor").mkdir()
    if first_line is not None:
        (tmp_path / "vendor/modules.txt").write_text(first_line + "# example.com/dep v1.0.0\n")
    assert vendor_mode(tmp_path, "1.22") is module
    assert vendor_mode(tmp_path, "1.22", workspace=True) is workspace


def test_inconsistencies_of_what_go_says(world: World) -> None:
    run_checked(world.go, ["mod", "vendor"], world.module_dir)
    _, err = world.go.list_modules(world.module_dir, vendor=True)
    assert err == ""
    gomod = world.module_dir / "go.mod"
    gomod.write_text(
        gomod.read_text()
        .replace("example.com/nested v0.3.1", "example.com/nested v0.3.2")
        .replace("example.com/depfork v1.2.1", "example.com/depfork v1.2.2")
    )
    modules, err = world.go.list_modules(world.module_dir, vendor=True)
    assert modules == [] and "inconsistent vendoring" in err
    assert inconsistencies(err) == [
        Inconsistency(
            "example.com/nested",
            "example.com/nested@v0.3.2: is explicitly required in go.mod, but not marked as explicit in "
            "vendor/modules.txt",
        ),
        Inconsistency(
            "example.com/dep",
            "example.com/dep: is replaced by example.com/depfork@v1.2.2 in go.mod, but marked as replaced by "
            "example.com/depfork@v1.2.1 in vendor/modules.txt",
        ),
        Inconsistency(
            "example.com/nested",
            "example.com/nested@v0.3.1: is marked as explicit in vendor/modules.txt, but not explicitly required "
            "in go.mod",
        ),
    ]


def test_a_vendored_module_go_mod_does_not_require(world: World) -> None:
    run_checked(world.go, ["mod", "vendor"], world.module_dir)
    with (world.module_dir / "vendor" / "modules.txt").open("a") as fh:
        fh.write("# example.com/extra v1.0.0\nexample.com/extra\n")
    _, err = world.go.list_modules(world.module_dir, vendor=True)
    assert inconsistencies(err) == [
        Inconsistency(
            "example.com/extra", "vendored module example.com/extra@v1.0.0 should be required explicitly in go.mod"
        )
    ]


def test_other_errors_are_not_inconsistencies() -> None:
    assert inconsistencies("go: errors parsing go.mod:\n/x/go.mod:3: unknown directive: bogus\n") is None
    assert inconsistencies("go: go.mod requires go >= 1.99 (running go 1.27.3; GOTOOLCHAIN=local)\n") is None
    assert inconsistencies("") is None
