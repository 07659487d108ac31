"""`build.gocache: verified` in the build stage: a tampered shared pool is GB211 and never linked; Go releases
without GOCACHEPROG fall back to a private GOCACHE with a GB507 note."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gobaseline.golang import cacheprog
from gobaseline.golang.gotool import Go
from gobaseline.model import Severity
from gobaseline.policy import parse
from gobaseline.stages import gocache
from tests.conftest import make_ctx
from tests.support.stages import build_and_verify

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "build"


def _policy(**build: str) -> Any:
    lines = "".join(f"  {k}: {v}\n" for k, v in build.items())
    return parse(f"build:\n  gocache: verified\n{lines}", "p.yml")


@pytest.mark.slow
def test_a_tampered_pool_object_is_gb211_and_the_binary_is_what_a_clean_build_gives(tmp_path: Path, go: Go) -> None:
    module = tmp_path / "m"
    shutil.copytree(FIXTURES / "hello", module)
    first = build_and_verify(
        make_ctx(module, go=go, output_dir=tmp_path / "out1", policy=_policy(gocache_dir=str(tmp_path / "job1")))
    )
    [clean] = first.artifacts
    assert not [f for f in first.build.findings if f.rule_id in ("GB211", "GB507")]
    pool = tmp_path / "pool"
    assert cacheprog.promote(tmp_path / "job1", pool)[1] == 0
    for victim in sorted((p for p in pool.rglob("o/*/*") if p.is_file()), key=lambda p: -p.stat().st_size)[:30]:
        data = bytearray(victim.read_bytes())
        data[-1] ^= 0x01
        victim.write_bytes(bytes(data))

    again = build_and_verify(
        make_ctx(module, go=go, output_dir=tmp_path / "out2", policy=_policy(gocache_pool=str(pool)))
    )

    [rebuilt] = again.artifacts
    assert rebuilt.sha256 == clean.sha256
    tampered = [f for f in again.build.findings if f.rule_id == "GB211"]
    assert tampered, "the tampered objects Go asked for are reported"
    assert all(f.severity is Severity.WARNING and "was not used" in f.message for f in tampered)


def test_a_go_release_without_gocacheprog_builds_with_a_private_gocache_and_says_so(tmp_path: Path) -> None:
    old_go: Any = SimpleNamespace(version="go1.23.4")
    ctx = make_ctx(tmp_path, go=old_go, policy=_policy())
    with gocache.session(ctx) as cache:
        private = Path(cache.env["GOCACHE"])
        assert private.is_dir()
        assert "GOCACHEPROG" not in cache.env
        [note] = cache.collect()
    assert note.rule_id == "GB507"
    assert "go1.23.4" in note.message
    assert not private.exists(), "a temporary private cache is removed afterwards"


def test_the_cache_program_is_named_so_the_go_command_can_split_it(tmp_path: Path) -> None:
    new_go: Any = SimpleNamespace(version="go1.27.3")
    pool = tmp_path / "a pool"
    pool.mkdir()
    ctx = make_ctx(tmp_path, go=new_go, policy=_policy(gocache_dir=str(tmp_path / "kept dir"), gocache_pool=str(pool)))
    with gocache.session(ctx) as cache:
        value = cache.env["GOCACHEPROG"]
    assert f"'{tmp_path / 'kept dir'}'" in value
    assert f"--pool '{pool}'" in value
    assert (tmp_path / "kept dir").is_dir(), "a configured private directory is kept for `cache promote`"


def test_environment_variables_name_the_pool_and_the_private_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOBASELINE_GOCACHE_POOL", str(tmp_path / "pool"))
    monkeypatch.setenv("GOBASELINE_GOCACHE_DIR", str(tmp_path / "dir"))
    new_go: Any = SimpleNamespace(version="go1.24.0")
    with gocache.session(make_ctx(tmp_path, go=new_go, policy=_policy())) as cache:
        assert f"--dir {tmp_path / 'dir'} --pool {tmp_path / 'pool'}" in cache.env["GOCACHEPROG"]
