"""The file:// proxy builder: layout, escaping, zips the go command accepts."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.support.goproxy import (
    ModuleSpec,
    World,
    copy_modcache,
    escape,
    make_writable,
    modcache_world,
    proxy_url,
    rmtree,
    standard_modules,
    write_proxy,
)

__all__ = ["modcache_world"]  # fixture


def test_escape() -> None:
    assert escape("github.com/Example/Upper") == "github.com/!example/!upper"
    assert escape("v1.1.0-RC.1") == "v1.1.0-!r!c.1"
    assert escape("example.com/plain") == "example.com/plain"


def test_layout(tmp_path: Path) -> None:
    root = write_proxy(tmp_path / "p", standard_modules())
    v = root / "github.com" / "!example" / "!upper" / "@v"
    assert (v / "list").read_text() == "v1.1.0-RC.1\n"
    assert json.loads((v / "v1.1.0-!r!c.1.info").read_text())["Version"] == "v1.1.0-RC.1"
    assert (v / "v1.1.0-!r!c.1.mod").read_text().startswith("module github.com/Example/Upper\n")
    with zipfile.ZipFile(v / "v1.1.0-!r!c.1.zip") as zf:
        names = zf.namelist()
    assert all(n.startswith("github.com/Example/Upper@v1.1.0-RC.1/") for n in names)
    assert "github.com/Example/Upper@v1.1.0-RC.1/go.mod" in names
    assert proxy_url(root).startswith("file:///")


def test_incompatible_module_has_no_go_mod(tmp_path: Path) -> None:
    root = write_proxy(tmp_path / "p", standard_modules())
    v = root / "example.com" / "legacy" / "@v"
    assert (v / "v2.0.0+incompatible.mod").read_text() == "module example.com/legacy\n"
    with zipfile.ZipFile(v / "v2.0.0+incompatible.zip") as zf:
        assert not any(n.endswith("/go.mod") for n in zf.namelist())


def test_zip_is_deterministic() -> None:
    spec = ModuleSpec(
        "example.com/x", "v1.0.0", {"b/x.go": "package b\n", "a.go": b"package x\n"}, "module example.com/x\n"
    )
    data = spec.zip_bytes()
    assert data == spec.zip_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == [
            "example.com/x@v1.0.0/a.go",
            "example.com/x@v1.0.0/b/x.go",
            "example.com/x@v1.0.0/go.mod",
        ]


def test_world_cache_filled_by_the_go_command(modcache_world: World) -> None:
    w = modcache_world
    fetched = [m for m in w.modules if m.path != "example.com/dep"]  # replaced by depfork: never fetched
    assert not w.download("example.com/dep", ".mod").exists()
    for m in fetched:
        assert w.download(m.path, ".mod").is_file(), m.path
        assert w.download(m.path, ".zip").is_file(), m.path
        assert w.download(m.path, ".ziphash").is_file(), m.path
        assert w.tree(m.path).is_dir(), m.path
    assert (w.tree("example.com/nested") / "inner" / "deeper" / "deeper.go").is_file()
    gosum = (w.module_dir / "go.sum").read_text()
    assert "github.com/Example/Upper v1.1.0-RC.1 h1:" in gosum
    assert "example.com/legacy v2.0.0+incompatible h1:" in gosum
    assert "example.com/dep " not in gosum
    assert "example.com/depfork v1.2.1 h1:" in gosum
    res = w.go.run(["build", "-o", "/dev/null", "."], cwd=w.module_dir)
    assert res.ok, res.stderr


def test_copy_is_writable_and_removable(modcache_world: World, tmp_path: Path) -> None:
    dst = copy_modcache(modcache_world.modcache, tmp_path / "mc")
    f = dst / "example.com" / "alpha@v1.0.0" / "alpha.go"
    f.write_text("package alpha\n")
    assert (modcache_world.tree("example.com/alpha") / "alpha.go").read_text() != "package alpha\n"
    (dst / "example.com" / "alpha@v1.0.0").chmod(0o555)
    f.chmod(0o444)
    make_writable(dst)
    rmtree(dst)
    assert not dst.exists()
