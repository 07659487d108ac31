"""Where the go command puts a module version in the module cache, checked against a cache go itself filled."""

from __future__ import annotations

import shutil
from pathlib import Path

from gobaseline.golang import dirhash
from gobaseline.golang.modcache_layout import CachedModule, HashJob, Listing, escape, hash_all, hash_compiled
from tests.support.goproxy import World, make_writable, modcache_world, world

__all__ = ["modcache_world", "world"]  # fixtures


def test_escape() -> None:
    assert escape("github.com/Example/Upper") == "github.com/!example/!upper"
    assert escape("v1.1.0-RC.1") == "v1.1.0-!r!c.1"
    assert escape("example.com/plain") == "example.com/plain"


def test_paths_are_where_go_put_them(modcache_world: World) -> None:
    w = modcache_world
    for spec in w.modules:
        if spec.path == "example.com/dep":  # replaced by the fork: never fetched
            continue
        m = CachedModule(spec.path, spec.version, w.modcache)
        assert m.mod == w.download(spec.path, ".mod") and m.mod.is_file()
        assert m.zip == w.download(spec.path, ".zip") and m.zip.is_file()
        assert m.ziphash == w.download(spec.path, ".ziphash") and m.ziphash.is_file()
        assert m.tree == w.tree(spec.path) and m.tree.is_dir()
        assert not m.partial.exists()
        assert m.prefix == spec.prefix


def test_listing_presence(world: World) -> None:
    upper = world.spec("github.com/Example/Upper")
    m = CachedModule(upper.path, upper.version, world.modcache)
    here = Listing().presence(m)
    assert (here.mod, here.zip, here.ziphash, here.tree, here.partial) == (True, True, True, True, False)

    make_writable(m.tree)
    shutil.rmtree(m.tree)
    m.zip.unlink()
    m.partial.write_text("")
    here = Listing().presence(m)
    assert (here.mod, here.zip, here.ziphash, here.tree, here.partial) == (True, False, True, False, True)

    absent = Listing().presence(CachedModule("example.com/none", "v1.0.0", world.modcache))
    assert not any((absent.mod, absent.zip, absent.ziphash, absent.tree, absent.partial))


def test_listing_reads_each_directory_once(tmp_path: Path) -> None:
    listing = Listing()
    assert listing.names(str(tmp_path)) == frozenset()
    (tmp_path / "late").write_text("")
    assert listing.names(str(tmp_path)) == frozenset()  # the listing of the run, not a fresh one
    assert Listing().names(str(tmp_path)) == {"late"}


def test_hash_compiled_prefers_a_complete_tree(world: World) -> None:
    spec = world.spec("example.com/nested")
    m = CachedModule(spec.path, spec.version, world.modcache)
    want = m.ziphash.read_text().strip()
    assert hash_compiled(m) == ("tree", want)
    m.partial.write_text("")  # an unfinished extraction: go build re-extracts the zip
    assert hash_compiled(m) == ("zip", want)


def test_hash_all_answers_every_job(modcache_world: World) -> None:
    w = modcache_world
    alpha = CachedModule("example.com/alpha", "v1.0.0", w.modcache)
    missing = CachedModule("example.com/none", "v1.0.0", w.modcache)
    jobs = [HashJob(alpha, "mod"), HashJob(alpha, "content"), HashJob(missing, "content")]
    got = hash_all(jobs, workers=2)
    assert got[jobs[0]] == ("mod", dirhash.hash_gomod(alpha.mod))
    assert got[jobs[1]] == ("tree", alpha.ziphash.read_text().strip())
    failed = got[jobs[2]]
    assert isinstance(failed, str) and failed.startswith("cannot be hashed")
    assert hash_all([]) == {}
