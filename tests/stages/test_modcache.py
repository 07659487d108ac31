"""Tier 2 on a real module cache, filled by real go commands from a `file://` proxy, tampered per test."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from gobaseline.golang import dirhash
from gobaseline.golang.gotool import Go
from gobaseline.model import CheckStatus, Location
from gobaseline.policy import Policy
from gobaseline.stages import StageResult
from gobaseline.stages import modcache as mc
from tests.conftest import make_ctx
from tests.support.goproxy import (
    ModuleSpec,
    World,
    escape,
    make_writable,
    modcache_world,
    proxy_url,
    run_checked,
    world,
)

__all__ = ["modcache_world", "world"]  # fixtures


def check(w: World, go: Go | None = None, *, modules: str = "offline") -> StageResult:
    """The stage on `w`; offline by default, so the tamper cases see the cache exactly as the test left it (with
    `modules: download` the go command may first re-extract a zip or refuse a bad .ziphash itself)."""
    return mc.run(make_ctx(w.module_dir, go=go or w.go, targets=(), policy=Policy(modules=modules)))


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


def test_missing_mod_file_is_one_finding(world: World) -> None:
    writable(world.download("example.com/nested", ".mod")).unlink()
    res = check(world)
    # `go list -m all` fails ("module lookup disabled by GOPROXY=off") because of this very file: no GB208 too.
    assert ids(res) == ["GB201"]
    (f201,) = res.findings
    assert f201.location == Location("go.mod", gomod_line(world, "example.com/nested v0.3.1"))
    assert "example.com/nested@v0.3.1 has no go.mod in the module cache" in f201.message
    assert "run `go mod download`" in f201.message
    st = status(res)
    assert st["build-list"] is CheckStatus.SKIPPED and st["cache-present"] is CheckStatus.FAILED
    # The rest of the cache is still checked, from go.mod's requirements.
    assert st["hash-compiled-source"] is CheckStatus.PASSED
    assert res.facts["modcache_hashed"] == "5"


def test_empty_module_cache_is_one_finding_per_module(world: World, tmp_path: Path) -> None:
    empty = tmp_path / "empty-modcache"
    empty.mkdir()
    res = check(dataclasses.replace(world, modcache=empty))
    assert ids(res) == ["GB201"] * 5
    named = sorted(f.message.split()[0] for f in res.findings)
    assert named == [
        "example.com/alpha@v1.0.0",
        "example.com/depfork@v1.2.1",
        "example.com/legacy@v2.0.0+incompatible",
        "example.com/nested@v0.3.1",
        "github.com/Example/Upper@v1.1.0-RC.1",
    ]
    for f in res.findings:
        assert "is not in the module cache" in f.message and "neither its go.mod nor its source" in f.message
        assert "Run `go mod download` in an earlier, cached step." in f.message
        assert f.location is not None and f.location.path == "go.mod" and f.location.line is not None
    assert len({f.location for f in res.findings}) == 5
    assert status(res)["build-list"] is CheckStatus.SKIPPED


def test_build_list_failure_the_cache_checks_do_not_explain_stays_gb208(world: World) -> None:
    """Go 1.16 go.mod lists direct requirements only: the missing indirect module has no GB201 of its own."""
    gomod = world.module_dir / "go.mod"
    gomod.write_text(
        gomod.read_text().replace("go 1.22", "go 1.16").replace("require example.com/dep v1.2.0 // indirect\n", "")
    )
    writable(world.download("example.com/depfork", ".mod")).unlink()
    res = check(world)
    assert ids(res) == ["GB208"]
    assert "example.com/dep@v1.2.0: module lookup disabled by GOPROXY=off" in res.findings[0].message
    assert status(res)["build-list"] is CheckStatus.FAILED


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


# -- modules: download ---------------------------------------------------------------------------------------


def online(w: World, proxy: Path | None = None) -> Go:
    """A Go for `w` whose GOPROXY (the user's setting) is a proxy directory: `w.proxy` unless given."""
    return Go.discover(environ={**w.env, "GOPROXY": proxy_url(proxy or w.proxy)})


@pytest.fixture
def fresh(world: World, tmp_path: Path) -> World:
    """The world on a fresh runner: an empty module cache, and a proxy of its own for the test to tamper with."""
    empty = tmp_path / "fresh-modcache"
    empty.mkdir()
    proxy = shutil.copytree(world.proxy, tmp_path / "fresh-proxy")
    return dataclasses.replace(world, modcache=empty, proxy=proxy)


def test_download_fills_an_empty_cache_then_verifies_it_offline(fresh: World) -> None:
    res = check(fresh, online(fresh), modules="download")
    assert res.findings == []
    st = status(res)
    for name in ("module-download", "build-list", *mc.CACHE_CHECKS):
        assert st[name] is CheckStatus.PASSED, name
    assert res.facts["modules"] == "download"
    assert res.facts["modcache_hashed"] == "5"
    assert (fresh.tree("example.com/alpha") / "alpha.go").is_file()
    assert fresh.download("example.com/nested", ".ziphash").is_file()


def test_download_is_the_default(fresh: World) -> None:
    res = mc.run(make_ctx(fresh.module_dir, go=online(fresh), targets=()))
    assert res.findings == []
    assert (fresh.tree("example.com/alpha") / "alpha.go").is_file()


def test_module_missing_from_the_proxy_is_one_finding_in_go_words(fresh: World) -> None:
    shutil.rmtree(fresh.proxy / "example.com" / "nested")
    res = check(fresh, online(fresh), modules="download")
    assert ids(res) == ["GB209"]
    (finding,) = res.findings
    assert finding.message.startswith("example.com/nested@v0.3.1 could not be downloaded: reading file://")
    assert "no such file or directory" in finding.message
    assert "GOPROXY=off" not in finding.message
    assert finding.location == Location("go.mod", gomod_line(fresh, "example.com/nested v0.3.1"))
    st = status(res)
    assert st["module-download"] is CheckStatus.FAILED and st["build-list"] is CheckStatus.SKIPPED


def test_tampered_zip_in_the_proxy_is_one_security_error(fresh: World) -> None:
    alpha = fresh.spec("example.com/alpha")
    (fresh.proxy / escape(alpha.path) / "@v" / f"{alpha.version}.zip").write_bytes(_evil_alpha(fresh))
    res = check(fresh, online(fresh), modules="download")
    assert ids(res) == ["GB210"]
    (finding,) = res.findings
    assert finding.severity.value == "error"
    assert finding.message.startswith("SECURITY: example.com/alpha@v1.0.0 as downloaded does not match go.sum")
    assert "checksum mismatch" in finding.message and "downloaded: h1:" in finding.message
    assert finding.location == Location("go.sum", gosum_line(fresh, "example.com/alpha v1.0.0"))
    assert not fresh.tree("example.com/alpha").exists()  # the go command kept none of it


def test_offline_downloads_nothing(fresh: World) -> None:
    """`modules: offline` is the pre-seeded cache's behaviour: GB201 per module though a proxy is reachable."""
    res = check(fresh, online(fresh), modules="offline")
    assert ids(res) == ["GB201"] * 5
    assert status(res)["module-download"] is CheckStatus.SKIPPED
    assert res.facts["modules"] == "offline"
    assert list(fresh.modcache.iterdir()) == []


def test_download_with_the_users_proxy_off_names_each_module_once(fresh: World) -> None:
    """The user's own GOPROXY=off: one GB209 per module in Go's words, and no GB201 or GB208 repeating it."""
    res = check(fresh, modules="download")
    assert ids(res) == ["GB209"] * 5
    assert len({f.message.split()[0] for f in res.findings}) == 5
    assert all("module lookup disabled by GOPROXY=off" in f.message for f in res.findings)


def test_swapped_zip_in_the_cache_is_still_caught_after_download(world: World) -> None:
    """The go command re-extracts a swapped zip whose .ziphash go.sum accepts: the extracted tree is hashed."""
    tree = world.tree("example.com/alpha")
    make_writable(tree)
    shutil.rmtree(tree)
    writable(world.download("example.com/alpha", ".zip")).write_bytes(_evil_alpha(world))
    res = check(world, online(world), modules="download")
    assert ids(res) == ["GB204"]
    assert "Evil" in (tree / "alpha.go").read_text()


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
    # The go command names both modules.txt lines that record the replacement: one fact, one finding.
    assert ids(res) == ["GB207"]
    (finding,) = res.findings
    assert finding.location == Location("vendor/modules.txt", _modules_txt_line(vendored, "# example.com/dep v1.2.0"))
    assert "example.com/dep@v1.2.0: is marked as replaced in vendor/modules.txt, but not replaced" in finding.message
    assert "example.com/dep: is marked as replaced in vendor/modules.txt, but not replaced" in finding.message
    _vendor_build_fails(vendored)


def _modules_txt_line(w: World, prefix: str) -> int:
    lines = (w.module_dir / "vendor" / "modules.txt").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(prefix))


def _only_vendor_findings(res: StageResult) -> None:
    """Inconsistent vendoring is said once, in the go command's words, with no module-cache noise."""
    assert {f.rule_id for f in res.findings} == {"GB207"}
    for f in res.findings:
        assert f.message.startswith("inconsistent vendoring: ")
        assert f.message.endswith("Run `go mod vendor` and commit the result.")
        assert "module lookup disabled" not in f.message and "go mod download" not in f.message
    st = status(res)
    assert st["vendor-consistent"] is CheckStatus.FAILED
    assert st["build-list"] is CheckStatus.SKIPPED
    assert all(st[name] is CheckStatus.SKIPPED for name in mc.CACHE_CHECKS)


@pytest.fixture
def vendored_offline(vendored: World, tmp_path: Path) -> World:
    """The vendored module on a machine whose module cache is empty, as on a fresh CI runner."""
    empty = tmp_path / "empty-modcache"
    empty.mkdir()
    return dataclasses.replace(vendored, modcache=empty)


def test_vendored_with_an_empty_module_cache_passes(vendored_offline: World) -> None:
    res = check(vendored_offline, online(vendored_offline), modules="download")
    assert res.findings == []
    assert status(res)["vendor-consistent"] is CheckStatus.PASSED
    assert status(res)["module-download"] is CheckStatus.SKIPPED
    assert list(vendored_offline.modcache.iterdir()) == []  # nothing was looked up or downloaded


def test_vendored_explicit_marker_missing_in_go_words(vendored_offline: World) -> None:
    w = vendored_offline
    mt = w.module_dir / "vendor" / "modules.txt"
    entry = "# example.com/alpha v1.0.0\n"
    mt.write_text(mt.read_text().replace(entry + "## explicit; go 1.20\n", entry))
    res = check(w)
    _only_vendor_findings(res)
    (finding,) = res.findings
    assert finding.location == Location("vendor/modules.txt", _modules_txt_line(w, "# example.com/alpha v1.0.0"))
    assert "example.com/alpha@v1.0.0: is explicitly required in go.mod, but not marked as explicit" in finding.message
    assert f"(go.mod line {gomod_line(w, 'example.com/alpha v1.0.0')})" in finding.message
    _vendor_build_fails(w)


def test_vendored_version_mismatch_in_go_words(vendored_offline: World) -> None:
    w = vendored_offline
    gomod = w.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("example.com/nested v0.3.1", "example.com/nested v0.3.2"))
    res = check(w)
    _only_vendor_findings(res)
    (finding,) = res.findings  # go names both versions: one module, one finding
    assert finding.location == Location("vendor/modules.txt", _modules_txt_line(w, "# example.com/nested v0.3.1"))
    assert "example.com/nested@v0.3.2: is explicitly required in go.mod" in finding.message
    assert "example.com/nested@v0.3.1: is marked as explicit in vendor/modules.txt" in finding.message
    assert f"(go.mod line {gomod_line(w, 'example.com/nested v0.3.2')})" in finding.message


def test_vendored_module_required_but_not_vendored(vendored_offline: World) -> None:
    w = vendored_offline
    mt = w.module_dir / "vendor" / "modules.txt"
    text = mt.read_text()
    start = text.index("# github.com/Example/Upper v1.1.0-RC.1\n")
    end = text.index("# ", start + 2)
    mt.write_text(text[:start] + text[end:])
    res = check(w)
    _only_vendor_findings(res)
    (finding,) = res.findings
    assert finding.location == Location("vendor/modules.txt")  # the module has no line there
    assert "github.com/Example/Upper@v1.1.0-RC.1: is explicitly required in go.mod" in finding.message
    assert f"(go.mod line {gomod_line(w, 'github.com/Example/Upper')})" in finding.message
    _vendor_build_fails(w)


def test_vendored_module_not_required(vendored_offline: World) -> None:
    """The reverse: vendor/modules.txt lists a module go.mod does not require."""
    w = vendored_offline
    mt = w.module_dir / "vendor" / "modules.txt"
    lines = mt.read_text().splitlines(True)
    lines.insert(_modules_txt_line(w, "# example.com/legacy") - 1, "# example.com/extra v1.0.0\nexample.com/extra\n")
    mt.write_text("".join(lines))
    res = check(w)
    _only_vendor_findings(res)
    (finding,) = res.findings
    assert finding.location == Location("vendor/modules.txt", _modules_txt_line(w, "# example.com/extra v1.0.0"))
    assert "vendored module example.com/extra@v1.0.0 should be required explicitly in go.mod" in finding.message
    assert "go.mod line" not in finding.message


def test_vendor_directory_without_modules_txt(vendored_offline: World) -> None:
    """The go command vendors whenever vendor/ exists: every requirement and replacement is then missing."""
    w = vendored_offline
    (w.module_dir / "vendor" / "modules.txt").unlink()
    res = check(w)
    _only_vendor_findings(res)
    by_module = {f.message.split()[2].split("@")[0].rstrip(":"): f for f in res.findings}
    assert set(by_module) == {
        "example.com/alpha",
        "example.com/dep",
        "example.com/legacy",
        "example.com/localdep",
        "example.com/nested",
        "github.com/Example/Upper",
    }
    dep = by_module["example.com/dep"].message
    assert "is explicitly required in go.mod" in dep and "is replaced in go.mod, but not marked as replaced" in dep
    _vendor_build_fails(w)


def test_vendored_go_error_that_is_not_about_vendoring(vendored_offline: World) -> None:
    w = vendored_offline
    gomod = w.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.22", "go 1.99"))
    res = check(w)
    assert ids(res) == ["GB208"]
    assert "go list -mod=vendor -m" in res.findings[0].message and "1.99" in res.findings[0].message
    st = status(res)
    assert st["vendor-consistent"] is CheckStatus.SKIPPED and st["build-list"] is CheckStatus.FAILED


def test_vendored_without_go_command(vendored: World) -> None:
    ctx = make_ctx(vendored.module_dir, targets=(), output_dir=vendored.root / "out")
    res = mc.run(ctx)
    assert res.findings == []
    assert all(c.status is CheckStatus.SKIPPED for c in res.checks)


def test_old_go_directive_does_not_vendor(vendored: World) -> None:
    gomod = vendored.module_dir / "go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.22", "go 1.13"))
    st = status(check(vendored))
    assert st["vendor-consistent"] is CheckStatus.SKIPPED
    assert st["hash-compiled-source"] is not CheckStatus.SKIPPED


# -- the pure helpers ----------------------------------------------------------------------------------------


def test_sanitise() -> None:
    out = mc.sanitise("go: /home/u/proj/go.mod:3: bad\n\tmore\x1b[31m\n", {"/home/u/proj": "."})
    assert out == "go: ./go.mod:3: bad / more[31m"
    assert len(mc.sanitise("x" * 5000, {})) == 600
