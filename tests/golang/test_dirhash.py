"""The h1 hash in Python equals what the go command writes to go.sum and .ziphash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gobaseline.golang import dirhash
from gobaseline.golang.gosum import GoSum
from tests.support.goproxy import World, escape, modcache_world

__all__ = ["modcache_world"]  # fixture


def _gosum(w: World) -> GoSum:
    return GoSum.parse((w.module_dir / "go.sum").read_text())


def test_every_go_sum_line_is_reproduced(modcache_world: World) -> None:
    w = modcache_world
    sums = _gosum(w)
    # example.com/dep is replaced by example.com/depfork everywhere, so it is never fetched.
    assert len(sums.content) == 5 and len(sums.gomod) == 5
    for path, version in sums.content:
        want = sums.content[(path, version)][0].hash
        dl = w.modcache / "cache" / "download" / escape(path) / "@v"
        assert dirhash.hash_zip(dl / f"{escape(version)}.zip") == want, path
        tree = w.modcache / f"{escape(path)}@{escape(version)}"
        assert dirhash.hash_dir(tree, f"{path}@{version}") == want, path
        assert (dl / f"{escape(version)}.ziphash").read_text().strip() == want
    for path, version in sums.gomod:
        want = sums.gomod[(path, version)][0].hash
        mod = w.modcache / "cache" / "download" / escape(path) / "@v" / f"{escape(version)}.mod"
        assert dirhash.hash_gomod(mod) == want, path
        assert dirhash.hash_bytes_gomod(mod.read_bytes()) == want


def test_the_zip_hash_of_the_served_spec_is_the_go_sum_one(modcache_world: World, tmp_path: Path) -> None:
    spec = modcache_world.spec("example.com/nested")
    served = tmp_path / "served.zip"
    served.write_bytes(spec.zip_bytes())
    got = dirhash.hash_zip(served)
    assert got == _gosum(modcache_world).content[("example.com/nested", "v0.3.1")][0].hash


def test_order_is_byte_order() -> None:
    # "B" < "a" < "é": Go sorts bytes, Python sorts code points, which agree for UTF-8.
    lines = [("m@v/é", "1" * 64), ("m@v/a", "2" * 64), ("m@v/B", "3" * 64)]
    assert dirhash.hash1_lines(lines) == dirhash.hash1_lines(list(reversed(lines)))
    assert sorted(n for n, _ in lines) == sorted((n for n, _ in lines), key=lambda s: s.encode())


def test_newline_in_a_name_is_refused() -> None:
    with pytest.raises(dirhash.HashError, match="newline"):
        dirhash.hash1_lines([("m@v/a\nb", "0" * 64)])


def test_non_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.go").write_text("package a\n")
    (tmp_path / "b.go").symlink_to("a.go")
    with pytest.raises(dirhash.HashError, match="not a regular file"):
        dirhash.hash_dir(tmp_path, "m@v1.0.0")


def test_not_a_directory_and_bad_zip(tmp_path: Path) -> None:
    f = tmp_path / "x.zip"
    f.write_bytes(b"PK not really")
    with pytest.raises(dirhash.HashError):
        dirhash.hash_zip(f)
    with pytest.raises(dirhash.HashError):
        dirhash.hash_dir(f, "m@v1.0.0")


def test_empty_tree(tmp_path: Path) -> None:
    # sha256 of nothing, base64: what Go gives for a module with no files.
    assert dirhash.hash_dir(tmp_path, "m@v1.0.0") == "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def _zip_with(tmp_path: Path, patch: Callable[[bytearray], None]) -> Path:
    import zipfile

    f = tmp_path / "m.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("m@v1.0.0/go.mod", "module m\n")
    data = bytearray(f.read_bytes())
    patch(data)
    f.write_bytes(bytes(data))
    return f


def _set_in_both_headers(data: bytearray, offset_local: int, offset_central: int, value: bytes) -> None:
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + offset_local : local + offset_local + len(value)] = value
    data[central + offset_central : central + offset_central + len(value)] = value


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: d.__delitem__(slice(len(d) // 2, None)), "not a valid zip"),  # cut short
        (lambda d: _set_in_both_headers(d, 8, 10, b"\x63\x00"), "does not write"),  # compression method 99
        (lambda d: _set_in_both_headers(d, 6, 8, b"\x01\x00"), "does not write"),  # encrypted
    ],
    ids=["truncated", "unknown-compression", "encrypted"],
)
def test_a_damaged_or_foreign_zip_is_a_hash_error(
    tmp_path: Path, damage: Callable[[bytearray], None], reason: str
) -> None:
    with pytest.raises(dirhash.HashError, match=reason):
        dirhash.hash_zip(_zip_with(tmp_path, damage))
