"""The build list: `go list -m -json all` decoded, and go.mod's requirements when that command fails."""

from __future__ import annotations

from pathlib import Path

from gobaseline.golang import modfile
from gobaseline.golang.buildlist import ListedModule, decode, from_gomod, offline_misses
from gobaseline.golang.gotool import Go
from tests.support.goproxy import World, modcache_world, world

__all__ = ["modcache_world", "world"]  # fixtures


def _listed(w: World) -> list[ListedModule]:
    objects, err = w.go.list_modules(w.module_dir)
    assert not err
    return decode(objects)


def test_decode_what_go_list_prints(modcache_world: World) -> None:
    by_path = {m.path: m for m in _listed(modcache_world)}
    main = by_path["example.com/consumer"]
    assert main.main and main.fetched is None
    dep = by_path["example.com/dep"]
    assert dep.indirect and dep.replacement == ("example.com/depfork", "v1.2.1")
    assert dep.fetched == ("example.com/depfork", "v1.2.1")
    local = by_path["example.com/localdep"]
    assert local.is_local and local.fetched is None
    upper = by_path["github.com/Example/Upper"]
    assert not upper.indirect and upper.fetched == ("github.com/Example/Upper", "v1.1.0-RC.1")


def test_from_gomod_agrees_with_go_list_from_go_1_17_on(modcache_world: World) -> None:
    """go 1.22: go.mod lists the whole build list, with the replacements go list applies."""
    mod = modfile.load(modcache_world.module_dir / "go.mod")
    ours = {(m.path, m.version, m.indirect, m.fetched) for m in from_gomod(mod)}
    go = {(m.path, m.version, m.indirect, m.fetched) for m in _listed(modcache_world) if not m.main}
    assert ours == go


def test_from_gomod_exact_replace_wins_over_every_version() -> None:
    mod = modfile.parse(
        "module m\n\ngo 1.22\n\nrequire (\n\ta.example/x v1.0.0\n\tb.example/y v0.1.0 // indirect\n)\n"
        "replace a.example/x => c.example/x v1.1.0\n"
        "replace a.example/x v1.0.0 => ../x\n"
    )
    got = from_gomod(mod)
    assert got == [
        ListedModule("a.example/x", "v1.0.0", replacement=("../x", "")),
        ListedModule("b.example/y", "v0.1.0", indirect=True),
    ]
    assert got[0].is_local and got[0].fetched is None
    assert got[1].fetched == ("b.example/y", "v0.1.0")


def test_decode_tolerates_missing_fields() -> None:
    assert decode([{"Path": "m", "Main": True}, {}]) == [ListedModule("m", "", main=True), ListedModule("", "")]


def test_offline_misses_of_what_go_says(world: World, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    go = Go.discover(environ={**world.env, "GOMODCACHE": str(empty)})
    modules, err = go.list_modules(world.module_dir)
    assert modules == [] and "module lookup disabled by GOPROXY=off" in err
    named = offline_misses(err)
    assert named and named <= {m.path for m in world.modules}


def test_offline_misses() -> None:
    chain = "go: example.com/alpha@v1.0.0 requires\n\texample.com/dep@v1.2.0: module lookup disabled by GOPROXY=off\n"
    assert offline_misses(chain) == {"example.com/dep"}
    assert offline_misses("go: module lookup disabled by GOPROXY=off\n") == set()
    assert offline_misses("go: a.example/m@v1.0.0: missing go.sum entry for go.mod file\n") is None
    assert offline_misses("go: errors parsing go.mod:\n./go.mod:3: unknown directive: x\n") is None
