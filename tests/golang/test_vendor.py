"""vendor/modules.txt as `go mod vendor` writes it."""

from __future__ import annotations

from gobaseline.golang.vendor import parse_modules_txt
from support.goproxy import World, modcache_world, run_checked, world

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
