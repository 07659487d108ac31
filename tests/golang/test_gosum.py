"""go.sum's `h1:` lines, by module version, for content and for `/go.mod`."""

from __future__ import annotations

from gobaseline.golang.gosum import GoSum, SumLine
from tests.support.goproxy import World, modcache_world

__all__ = ["modcache_world"]  # fixture


def test_gosum_parse() -> None:
    s = GoSum.parse("a v1 h1:x=\na v1/go.mod h1:y=\nbad line\nb v2 h1:z=\nb v2 h1:w=\n")
    assert s.content[("a", "v1")] == [SumLine("h1:x=", 1)]
    assert s.gomod[("a", "v1")] == [SumLine("h1:y=", 2)]
    assert [sl.line for sl in s.content[("b", "v2")]] == [4, 5]


def test_lines_that_are_not_h1_are_ignored() -> None:
    s = GoSum.parse("a v1 h2:x=\na v1 h1:x= extra\n\n  \na v1/go.mod\n")
    assert s.content == {} and s.gomod == {}


def test_go_sum_written_by_go(modcache_world: World) -> None:
    s = GoSum.parse((modcache_world.module_dir / "go.sum").read_text())
    # example.com/dep is replaced by example.com/depfork: only the fork is fetched and pinned.
    assert set(s.content) == set(s.gomod)
    assert ("example.com/depfork", "v1.2.1") in s.content and ("example.com/dep", "v1.2.0") not in s.content
    assert ("github.com/Example/Upper", "v1.1.0-RC.1") in s.content
    assert ("example.com/legacy", "v2.0.0+incompatible") in s.gomod
