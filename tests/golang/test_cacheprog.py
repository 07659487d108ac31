"""The verified build cache: real go builds through `python -m gobaseline.golang.cacheprog`, a pool filled by
`promote`, a tampered object (same size, other bytes) detected and rebuilt, and the protocol's bad requests."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gobaseline.golang import cacheprog
from gobaseline.golang.cacheprog import MISMATCHES, VerifiedCache
from tests.support.toolchains import isolated_go_env

PROGRAM = 'package main\n\nfunc main() { println("verified") }\n'


def _module(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "go.mod").write_text("module example.com/verified\n\ngo 1.24\n")
    (root / "main.go").write_text(PROGRAM)
    return root


def _build(module: Path, out: Path, env: dict[str, str], private: Path, pool: Path | None = None) -> Path:
    args = [sys.executable, "-m", "gobaseline.golang.cacheprog", "--dir", str(private)]
    if pool is not None:
        args += ["--pool", str(pool)]
    run_env = {**env, "GOCACHEPROG": " ".join(args), "CGO_ENABLED": "0"}
    run_env.pop("GOCACHE", None)
    subprocess.run(
        ["go", "build", "-trimpath", "-o", str(out), "."], cwd=module, env=run_env, check=True, capture_output=True
    )
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One cold build through the cache program, promoted into a pool: what the other tests start from."""
    base = tmp_path_factory.mktemp("cacheprog")
    env = isolated_go_env(base, base / "unused-gocache")
    module = _module(base / "module")
    first = _build(module, base / "first", env, base / "private-cold")
    pool = base / "pool"
    promoted, refused = cacheprog.promote(base / "private-cold", pool)
    assert promoted > 0
    assert refused == 0
    return {"base": base, "module": module, "first": first, "pool": pool}


def _env(warm: dict[str, Path]) -> dict[str, str]:
    return isolated_go_env(warm["base"], warm["base"] / "unused-gocache")


def test_a_warm_rebuild_is_served_from_the_pool_and_links_the_same_bytes(warm: dict[str, Path], tmp_path: Path) -> None:
    before = _tree(warm["pool"])
    out = _build(warm["module"], tmp_path / "again", _env(warm), tmp_path / "private", warm["pool"])
    assert out.read_bytes() == warm["first"].read_bytes()
    assert _tree(warm["pool"]) == before, "a build never writes the pool"
    # Served from the pool: nothing was compiled, so the private layer holds only the few entries Go always puts.
    private_objects = list((tmp_path / "private" / "o").rglob("*")) if (tmp_path / "private" / "o").exists() else []
    pool_objects = [p for p in (warm["pool"] / "o").rglob("*") if p.is_file()]
    assert len([p for p in private_objects if p.is_file()]) < len(pool_objects) / 4
    assert not (tmp_path / "private" / MISMATCHES).exists()


def test_a_tampered_pool_object_of_the_same_size_is_reported_and_rebuilt(warm: dict[str, Path], tmp_path: Path) -> None:
    pool = tmp_path / "pool"
    subprocess.run(["cp", "-a", str(warm["pool"]), str(pool)], check=True)
    objects = sorted((p for p in (pool / "o").rglob("*") if p.is_file()), key=lambda p: -p.stat().st_size)
    for victim in objects[:20]:  # the largest objects: the runtime's compiled archives among them
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0xFF
        victim.write_bytes(bytes(data))
    out = _build(warm["module"], tmp_path / "out", _env(warm), tmp_path / "private", pool)
    assert out.read_bytes() == warm["first"].read_bytes(), "Go rebuilt what the pool could not prove"
    lines = [json.loads(x) for x in (tmp_path / "private" / MISMATCHES).read_text().splitlines()]
    assert lines, "at least one tampered object was asked for"
    tampered = {str(v) for v in objects[:20]}
    assert {line["object"] for line in lines} <= tampered
    for line in lines:
        assert line["sha256"] != line["output"]
        assert hashlib.sha256(Path(line["object"]).read_bytes()).hexdigest() == line["sha256"]


def test_concurrent_builds_share_one_pool(warm: dict[str, Path], tmp_path: Path) -> None:
    results: dict[int, bytes] = {}

    def one(i: int) -> None:
        out = _build(warm["module"], tmp_path / f"out{i}", _env(warm), tmp_path / f"private{i}", warm["pool"])
        results[i] = out.read_bytes()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results.values()) == {warm["first"].read_bytes()}


def test_promote_refuses_objects_whose_bytes_changed(tmp_path: Path) -> None:
    cache = VerifiedCache(tmp_path / "private")
    body = b"object bytes"
    output = hashlib.sha256(body).hexdigest()
    cache.put("a" * 64, output, body)
    cache.put("b" * 64, hashlib.sha256(b"other").hexdigest(), b"other")
    obj = Path(cache.private.object_path(output))
    obj.write_bytes(b"OBJECT BYTES")
    assert cacheprog.promote(tmp_path / "private", tmp_path / "pool") == (1, 1)
    assert not (tmp_path / "pool" / "a" / "aa" / ("a" * 64)).exists()


def _b64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def _serve(cache: VerifiedCache, *requests: str) -> list[dict[str, object]]:
    out = io.BytesIO()
    cache.serve(io.BytesIO("".join(r + "\n" for r in requests).encode()), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_protocol_answers_by_id_and_refuses_bodies_that_are_not_their_output_id(tmp_path: Path) -> None:
    body = b"hello"
    good = hashlib.sha256(body).hexdigest()
    action = "c" * 64
    answers = _serve(
        VerifiedCache(tmp_path / "p"),
        json.dumps({"ID": 1, "Command": "get", "ActionID": _b64(action)}),
        json.dumps({"ID": 2, "Command": "put", "ActionID": _b64(action), "OutputID": _b64("d" * 64), "BodySize": 5}),
        "",
        json.dumps(base64.b64encode(body).decode()),
        json.dumps({"ID": 3, "Command": "put", "ActionID": _b64(action), "OutputID": _b64(good), "BodySize": 5}),
        "",
        json.dumps(base64.b64encode(body).decode()),
        json.dumps({"ID": 4, "Command": "get", "ActionID": _b64(action)}),
        json.dumps({"ID": 5, "Command": "get", "ActionID": "not base64!"}),
        json.dumps({"ID": 6, "Command": "get2"}),
        json.dumps({"ID": 7, "Command": "close"}),
        json.dumps({"ID": 8, "Command": "get", "ActionID": _b64(action)}),
    )
    assert answers[0] == {"ID": 0, "KnownCommands": ["get", "put", "close"]}
    by_id = {a["ID"]: a for a in answers[1:]}
    assert by_id[1]["Miss"] is True
    assert "sha256" in str(by_id[2]["Err"])
    assert Path(str(by_id[3]["DiskPath"])).read_bytes() == body
    assert by_id[4]["OutputID"] == _b64(good)
    assert by_id[4]["Size"] == 5
    assert "not base64" in str(by_id[5]["Err"])
    assert "unknown command" in str(by_id[6]["Err"])
    assert 8 not in by_id, "nothing is answered after close"


@pytest.mark.parametrize(
    "planted",
    ["symlink", "fifo", "directory"],
)
def test_a_pool_object_that_is_not_a_regular_file_is_a_miss_without_hanging(tmp_path: Path, planted: str) -> None:
    pool = VerifiedCache(tmp_path / "pool-writer")
    body = b"pool object"
    output = hashlib.sha256(body).hexdigest()
    pool.put("e" * 64, output, body)
    obj = Path(pool.private.object_path(output))
    obj.unlink()
    if planted == "symlink":
        (tmp_path / "elsewhere").write_bytes(body)
        obj.symlink_to(tmp_path / "elsewhere")
    elif planted == "fifo":
        os.mkfifo(obj)
    else:
        obj.mkdir()
    reader = VerifiedCache(tmp_path / "private", tmp_path / "pool-writer")
    assert reader.get("e" * 64) == {"Miss": True}


def test_promote_is_refused_on_a_pull_request(tmp_path: Path) -> None:
    from gobaseline.cli import main

    (tmp_path / "private").mkdir()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "a" * 40}, "base": {"sha": "b" * 40}}}))
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "o/r",
    }
    from gobaseline.commands import cache

    with pytest.raises(Exception, match="refusing to promote"):
        cache.promote(cache.Options(tmp_path / "private", tmp_path / "pool", environ=environ))
    assert not (tmp_path / "pool").exists()
    assert main(["cache", "promote", "--dir", str(tmp_path / "private"), "--pool", str(tmp_path / "pool")]) == 0


@pytest.mark.parametrize("others_may_write", [False, True])
def test_go_is_handed_private_bytes_a_change_in_the_pool_cannot_reach(tmp_path: Path, others_may_write: bool) -> None:
    writer = VerifiedCache(tmp_path / "pool")
    body = b"verified object"
    output = hashlib.sha256(body).hexdigest()
    writer.put("f" * 64, output, body)
    obj = Path(writer.private.object_path(output))
    obj.chmod(0o664 if others_may_write else 0o600)

    hit = VerifiedCache(tmp_path / "private", tmp_path / "pool").get("f" * 64)

    handed = Path(str(hit["DiskPath"]))
    assert handed.is_relative_to(tmp_path / "private")
    # Hard-linked when only our own user may write the inode, else a copy: a write to the pool's file is not seen.
    assert handed.samefile(obj) is not others_may_write
    replacement = obj.with_name("replacement")
    replacement.write_bytes(b"tampered object")
    replacement.replace(obj)  # a rename in the pool after the hash
    assert handed.read_bytes() == body


def test_an_entry_that_cannot_be_written_is_a_later_miss_not_a_failed_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"hello"
    output, action = hashlib.sha256(body).hexdigest(), "f" * 64
    cache = VerifiedCache(tmp_path / "p")

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.private, "write_entry", full)
    answers = _serve(
        cache,
        json.dumps({"ID": 1, "Command": "put", "ActionID": _b64(action), "OutputID": _b64(output), "BodySize": 5}),
        "",
        json.dumps(base64.b64encode(body).decode()),
        json.dumps({"ID": 2, "Command": "get", "ActionID": _b64(action)}),
        json.dumps({"ID": 3, "Command": "close"}),
    )
    by_id = {a.get("ID"): a for a in answers}
    assert "DiskPath" in by_id[1] and "Err" not in by_id[1]  # Go has the object it put
    assert by_id[2].get("Miss") is True  # without its entry the next get misses, and Go builds it again
