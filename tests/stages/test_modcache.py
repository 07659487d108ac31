"""Tier 2 on a real module cache, filled by real go commands from a `file://` proxy, tampered per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gobaseline.golang import dirhash, modfile
from gobaseline.golang.gotool import Go
from gobaseline.model import CheckStatus, Location
from gobaseline.stages import StageResult
from gobaseline.stages import modcache as mc
from tests.conftest import make_ctx
from tests.support.goproxy import ModuleSpec, World, make_writable, modcache_world, run_checked, world

__all__ = ["modcache_world", "world"]  # fixtures


def check(w: World, go: Go | None = None) -> StageResult:
    return mc.run(make_ctx(w.module_dir, go=go or w.go, targets=()))


def ids(res: StageResult) -> list[str]:
    return sorted(f.rule_id for f in res.findings)


def gosum_line(w: World, prefix: str) -> int:
    for n, line in enumerate((w.module_dir / "go.sum").read_text().splitlines(), 1):
        if line.startswith(prefix + " "):
            return n
    raise AssertionError(prefix)


def gomod_line(w: World, needle: str) -> int:
    for n, line in enumerate((w.module_dir / "go.mod").read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def status(res: StageResult) -> dict[str, CheckStatus]:
    return {c.name: c.status for c in res.checks}


def go_build(w: World) -> tuple[int, str]:
    res = w.go.run(["build", "-o", str(w.root / "bin"), "."], cwd=w.module_dir)
    return res.returncode, res.stderr


def go_mod_verify(w: World) -> tuple[int, str]:
    res = w.go.run(["mod", "verify"], cwd=w.module_dir)
    return res.returncode, res.stdout + res.stderr


def writable(path: Path) -> Path:
    make_writable(path if path.is_dir() else path.parent)
    return path


# -- a clean cache -------------------------------------------------------------------------------------------


def test_clean_cache_passes(world: World) -> None:
    res = check(world)
    assert res.findings == []
    st = status(res)
    for name in ("build-list", *mc.CACHE_CHECKS):
        assert st[name] is CheckStatus.PASSED, name
    assert st["vendor-consistent"] is CheckStatus.SKIPPED
    # alpha, dep (replaced by depfork), Upper, legacy, nested; localdep is a local replacement.
    assert res.facts["modcache_modules"] == "5"
    assert res.facts["modcache_hashed"] == "5"
    assert res.facts["modcache_local_replacements"] == "example.com/localdep"
    assert res.facts["GOMODCACHE"] == str(world.modcache)
    assert res.seconds > 0


def test_clean_cache_with_zips_only(world: World) -> None:
    """Without extracted trees the zips are what the build would extract and compile: they are hashed."""
    for m in world.modules:
        tree = world.tree(m.path)
        if tree.exists():
            make_writable(tree)
            shutil.rmtree(tree)
    assert check(world).findings == []


# -- every tamper scenario of the module cache ---------------------------------------------------------------


def test_edited_tree_is_caught_though_go_build_compiles_it(world: World) -> None:
    f = writable(world.tree("example.com/alpha") / "alpha.go")
    f.write_text(f.read_text() + "\n// Injected is not what go.sum pins.\nconst Injected = 1\n")

    res = check(world)
    assert ids(res) == ["GB204"]
    (finding,) = res.findings
    assert finding.location == Location("go.sum", gosum_line(world, "example.com/alpha v1.0.0"))
    assert "extracted tree" in finding.message and "example.com/alpha@v1.0.0" in finding.message
    # What the go command does about it: build compiles it silently, only `go mod verify` notices.
    assert go_build(world) == (0, "")
    code, out = go_mod_verify(world)
    assert code != 0 and "dir has been modified" in out


def _evil_alpha(w: World) -> bytes:
    real = w.spec("example.com/alpha")
    evil = ModuleSpec(real.path, real.version, {"alpha.go": "package alpha\n\nconst Evil = 1\n"}, real.go_mod)
    return evil.zip_bytes()


def test_swapped_zip_is_caught_though_go_build_reextracts_it(world: World) -> None:
    """A valid zip of other content, with the tree gone and the .ziphash left as go.sum expects."""
    tree = world.tree("example.com/alpha")
    make_writable(tree)
    shutil.rmtree(tree)
    writable(world.download("example.com/alpha", ".zip")).write_bytes(_evil_alpha(world))

    res = check(world)
    assert ids(res) == ["GB204"]
    assert "the zip" in res.findings[0].message
    assert res.findings[0].location == Location("go.sum", gosum_line(world, "example.com/alpha v1.0.0"))
    # go build re-extracts the swapped zip and compiles it without a word.
    assert go_build(world) == (0, "")
    assert "Evil" in (tree / "alpha.go").read_text()


def test_swapped_zip_with_its_own_ziphash(world: World) -> None:
    tree = world.tree("example.com/alpha")
    make_writable(tree)
    shutil.rmtree(tree)
    z = writable(world.download("example.com/alpha", ".zip"))
    z.write_bytes(_evil_alpha(world))
    world.download("example.com/alpha", ".ziphash").write_text(dirhash.hash_zip(z))

    res = check(world)
    assert ids(res) == ["GB203", "GB204"]
    code, err = go_build(world)
    assert code != 0 and "checksum mismatch" in err


def test_wrong_go_sum_line_is_caught_though_go_mod_verify_passes(world: World) -> None:
    gosum = world.module_dir / "go.sum"
    real = dirhash.hash_dir(world.tree("example.com/nested"), "example.com/nested@v0.3.1")
    wrong = "h1:" + "A" * 43 + "="
    gosum.write_text(
        gosum.read_text().replace(f"example.com/nested v0.3.1 {real}", f"example.com/nested v0.3.1 {wrong}")
    )

    res = check(world)
    assert ids(res) == ["GB203", "GB204"]
    line = gosum_line(world, "example.com/nested v0.3.1")
    assert {f.location for f in res.findings} == {Location("go.sum", line)}
    # `go mod verify` compares with .ziphash, not go.sum: it passes. go build refuses.
    code, out = go_mod_verify(world)
    assert code == 0 and "all modules verified" in out
    code, err = go_build(world)
    assert code != 0 and "SECURITY ERROR" in err


def test_edited_ziphash(world: World) -> None:
    writable(world.download("github.com/Example/Upper", ".ziphash")).write_text("h1:" + "B" * 43 + "=")
    res = check(world)
    assert ids(res) == ["GB203"]
    assert res.findings[0].location == Location("go.sum", gosum_line(world, "github.com/Example/Upper v1.1.0-RC.1"))


def test_edited_mod_file(world: World) -> None:
    mod = writable(world.download("example.com/legacy", ".mod"))
    mod.write_text(mod.read_text() + "\nrequire example.com/evil v1.0.0\n")
    res = check(world)
    assert "GB205" in ids(res)
    (f205,) = [f for f in res.findings if f.rule_id == "GB205"]
    assert f205.location == Location("go.sum", gosum_line(world, "example.com/legacy v2.0.0+incompatible/go.mod"))


def test_deleted_file_in_tree(world: World) -> None:
    f = writable(world.tree("example.com/nested") / "inner" / "deeper" / "testdata" / "blob.bin")
    f.unlink()
    assert ids(check(world)) == ["GB204"]


def test_added_file_in_tree(world: World) -> None:
    d = writable(world.tree("github.com/Example/Upper") / "Data")
    (d / "extra.go").write_text("package upper\n")
    res = check(world)
    assert ids(res) == ["GB204"]
    assert "github.com/Example/Upper@v1.1.0-RC.1" in res.findings[0].message


def test_symlink_in_tree(world: World) -> None:
    d = writable(world.tree("example.com/legacy"))
    (d / "link.go").symlink_to("/etc/hostname")
    res = check(world)
    assert ids(res) == ["GB204"]
    assert "not a regular file" in res.findings[0].message


def test_edited_replacement_is_checked_not_the_original(world: World) -> None:
    f = writable(world.tree("example.com/depfork") / "dep.go")
    f.write_text(f.read_text() + "\nconst Injected = 2\n")
    res = check(world)
    assert ids(res) == ["GB204"]
    assert "example.com/depfork@v1.2.1" in res.findings[0].message
    assert res.findings[0].location == Location("go.sum", gosum_line(world, "example.com/depfork v1.2.1"))


def test_partial_marker(world: World) -> None:
    tree = world.tree("example.com/nested")
    writable(tree.parent)
    tree.with_name(tree.name + ".partial").write_text("")
    res = check(world)
    assert ids(res) == ["GB206"]
    assert res.findings[0].location is None
    assert ".partial" in res.findings[0].message


def test_missing_zip_and_tree_with_ziphash_left(world: World) -> None:
    tree = world.tree("example.com/alpha")
    make_writable(tree)
    shutil.rmtree(tree)
    writable(world.download("example.com/alpha", ".zip")).unlink()
    res = check(world)
    assert ids(res) == ["GB206"]
    assert res.findings[0].location is None and str(world.modcache) in res.findings[0].message


def test_missing_zip_tree_and_ziphash(world: World) -> None:
    tree = world.tree("example.com/alpha")
    make_writable(tree)
    shutil.rmtree(tree)
    for suffix in (".zip", ".ziphash"):
        writable(world.download("example.com/alpha", suffix)).unlink()
    res = check(world)
    assert ids(res) == ["GB201"]
    assert res.findings[0].location == Location("go.mod", gomod_line(world, "example.com/alpha v1.0.0"))


def test_zip_without_ziphash(world: World) -> None:
    writable(world.download("example.com/alpha", ".ziphash")).unlink()
    assert ids(check(world)) == ["GB206"]


def test_missing_mod_file_fails_the_build_list(world: World) -> None:
    writable(world.download("example.com/nested", ".mod")).unlink()
    res = check(world)
    assert ids(res) == ["GB201", "GB208"]
    f208 = next(f for f in res.findings if f.rule_id == "GB208")
    assert "module lookup disabled by GOPROXY=off" in f208.message
    assert str(world.root) not in f208.message
    f201 = next(f for f in res.findings if f.rule_id == "GB201")
    assert f201.location == Location("go.mod", gomod_line(world, "example.com/nested v0.3.1"))
    # The rest of the cache is still checked, from go.mod's requirements.
    assert status(res)["hash-compiled-source"] is CheckStatus.PASSED
    assert res.facts["modcache_hashed"] == "5"


def test_go_sum_gomod_line_missing_and_go_sum_left_alone(world: World) -> None:
    gosum = world.module_dir / "go.sum"
    text = "".join(ln for ln in gosum.read_text().splitlines(True) if not ln.startswith("example.com/nested v0.3.1/"))
    gosum.write_text(text)
    res = check(world)
    assert ids(res) == ["GB202"]
    assert res.findings[0].location == Location("go.mod", gomod_line(world, "example.com/nested v0.3.1"))
    # `go list -m all` with -mod=mod rewrites go.sum; the check puts it back byte for byte.
    assert gosum.read_text() == text


def test_go_sum_content_line_missing_for_direct_requirement(world: World) -> None:
    gosum = world.module_dir / "go.sum"
    gosum.write_text(
        "".join(ln for ln in gosum.read_text().splitlines(True) if not ln.startswith("example.com/alpha v1.0.0 "))
    )
    res = check(world)
    assert ids(res) == ["GB202"]
    assert res.facts["modcache_hashed"] == "4"


def test_no_go_sum_at_all(world: World) -> None:
    (world.module_dir / "go.sum").unlink()
    res = check(world)
    assert set(ids(res)) == {"GB202"}
    assert not (world.module_dir / "go.sum").exists()


def test_go_mod_syntax_error_is_gb208_sanitised(world: World) -> None:
    gomod = world.module_dir / "go.mod"
    gomod.write_text(gomod.read_text() + "\nrequire (\n")
    res = check(world)
    assert ids(res) == ["GB208"]
    assert str(world.module_dir) not in res.findings[0].message
    assert "\t" not in res.findings[0].message


def test_no_go_command(world: World) -> None:
    res = mc.run(make_ctx(world.module_dir, targets=()))
    assert res.findings == []
    assert all(c.status is CheckStatus.SKIPPED for c in res.checks)


# -- vendoring -----------------------------------------------------------------------------------------------


@pytest.fixture
def vendored(world: World) -> World:
    run_checked(world.go, ["mod", "vendor"], world.module_dir)
    return world


def test_vendored_consistent_skips_the_cache(vendored: World) -> None:
    res = check(vendored)
    assert res.findings == []
    st = status(res)
    assert st["vendor-consistent"] is CheckStatus.PASSED
    assert all(st[name] is CheckStatus.SKIPPED for name in mc.CACHE_CHECKS)
    assert "vendor" in next(c.detail for c in res.checks if c.name == "hash-compiled-source")


def _vendor_build_fails(w: World) -> None:
    code, err = go_build(w)
    assert code != 0 and "inconsistent vendoring" in err


def test_vendored_version_mismatch(vendored: World) -> None:
    gomod = vendored.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("example.com/nested v0.3.1", "example.com/nested v0.3.2"))
    res = check(vendored)
    assert ids(res) == ["GB207"]
    txt = (vendored.module_dir / "vendor" / "modules.txt").read_text().splitlines()
    line = txt.index("# example.com/nested v0.3.1") + 1
    assert res.findings[0].location == Location("vendor/modules.txt", line)
    _vendor_build_fails(vendored)


def test_vendored_explicit_marker_missing_and_extra(vendored: World) -> None:
    mt = vendored.module_dir / "vendor" / "modules.txt"
    lines = mt.read_text().splitlines(True)
    i = lines.index("# github.com/Example/Upper v1.1.0-RC.1\n")
    del lines[i + 1]  # its `## explicit; go 1.20`
    mt.write_text("".join(lines))
    res = check(vendored)
    assert ids(res) == ["GB207"]
    assert res.findings[0].location == Location("vendor/modules.txt", i + 1)
    _vendor_build_fails(vendored)


def test_vendored_explicit_not_required(vendored: World) -> None:
    gomod = vendored.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("\texample.com/legacy v2.0.0+incompatible\n", ""))
    res = check(vendored)
    assert ids(res) == ["GB207"]
    assert "example.com/legacy" in res.findings[0].message
    _vendor_build_fails(vendored)


def test_vendored_replacement_mismatch(vendored: World) -> None:
    gomod = vendored.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("example.com/depfork v1.2.1", "example.com/depfork v1.2.2"))
    res = check(vendored)
    assert ids(res) == ["GB207"]
    assert "depfork" in res.findings[0].message
    _vendor_build_fails(vendored)


def test_vendored_replacement_dropped_from_go_mod(vendored: World) -> None:
    gomod = vendored.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("replace example.com/dep => example.com/depfork v1.2.1\n", ""))
    res = check(vendored)
    # Like the go command: one finding for each modules.txt line that records the replacement.
    assert ids(res) == ["GB207", "GB207"]
    _vendor_build_fails(vendored)


def test_old_go_directive_does_not_vendor(vendored: World) -> None:
    gomod = vendored.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.22", "go 1.13"))
    st = status(check(vendored))
    assert st["vendor-consistent"] is CheckStatus.SKIPPED
    assert st["hash-compiled-source"] is not CheckStatus.SKIPPED


# -- the pure helpers ----------------------------------------------------------------------------------------


def test_gomod_facts_from_blocks_quotes_and_comments() -> None:
    text = (
        'module m\n\ngo 1.21.3\n\nrequire (\n\t"a.example/x" v1.0.0 // indirect\n\tb.example/y v0.1.0\n)\n'
        "require c.example/z v2.0.0+incompatible\n"
        "replace (\n\ta.example/x v1.0.0 => ../x\n\tb.example/y => d.example/y v0.2.0\n)\n"
    )
    facts = mc.facts_of(modfile.parse(text))
    assert facts.go == (1, 21, 3)
    assert facts.requires == {
        "a.example/x": ("v1.0.0", 6, True),
        "b.example/y": ("v0.1.0", 7, False),
        "c.example/z": ("v2.0.0+incompatible", 9, False),
    }
    assert facts.replaces == {
        ("a.example/x", "v1.0.0"): ("../x", "", 11),
        ("b.example/y", ""): ("d.example/y", "v0.2.0", 12),
    }


def test_gosum_parse() -> None:
    s = mc.GoSum.parse("a v1 h1:x=\na v1/go.mod h1:y=\nbad line\nb v2 h1:z=\nb v2 h1:w=\n")
    assert s.content[("a", "v1")] == [mc.SumLine("h1:x=", 1)]
    assert s.gomod[("a", "v1")] == [mc.SumLine("h1:y=", 2)]
    assert [sl.line for sl in s.content[("b", "v2")]] == [4, 5]


def test_escape() -> None:
    assert mc.escape("github.com/Example/Upper") == "github.com/!example/!upper"
    assert mc.escape("v1.1.0-RC.1") == "v1.1.0-!r!c.1"


def test_sanitise() -> None:
    out = mc.sanitise("go: /home/u/proj/go.mod:3: bad\n\tmore\x1b[31m\n", {"/home/u/proj": "."})
    assert out == "go: ./go.mod:3: bad / more[31m"
    assert len(mc.sanitise("x" * 5000, {})) == 600


def test_parse_modules_txt() -> None:
    entries = mc.parse_modules_txt(
        "# a v1.0.0\n## explicit; go 1.20\na\n# b v1.0.0 => c v1.1.0\n## explicit\n# d => ./d\n"
    )
    assert [(e.path, e.version, e.line, e.replacement, e.explicit) for e in entries] == [
        ("a", "v1.0.0", 1, None, True),
        ("b", "v1.0.0", 4, ("c", "v1.1.0"), True),
        ("d", "", 6, ("./d", ""), False),
    ]
