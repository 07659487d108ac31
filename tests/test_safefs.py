"""Safe file access: planted links and special files are refused, never followed, never hung on."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gobaseline import safefs
from gobaseline.errors import GobaselineError
from gobaseline.safefs import FileAccessError, RefusedPath


@pytest.fixture(autouse=True, params=["dir-fd", "by-name"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case both ways: directories walked by descriptor (POSIX) and checked by name (Windows, which has no
    `dir_fd`)."""
    monkeypatch.setattr(safefs, "DIR_FD", request.param == "dir-fd")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the workspace that a planted link points at; it must never change."""
    victim = tmp_path / "outside" / "passwd"
    victim.parent.mkdir()
    victim.write_text("root:x:0:0\n")
    victim.chmod(0o444)  # read-only does not stop root: the refusal must not rely on it
    return victim


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    return root


def test_write_creates_and_replaces_a_regular_file(work: Path) -> None:
    target = work / "manifest.json"
    safefs.write_text(target, "one\n", root=work)
    safefs.write_bytes(target, b"two\n", root=work)
    assert target.read_bytes() == b"two\n"
    assert sorted(p.name for p in work.iterdir()) == ["manifest.json"]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 & ~umask


def test_a_link_as_the_target_is_refused(work: Path, outside: Path) -> None:
    link = work / "SHA256SUMS"
    link.symlink_to(outside)
    with pytest.raises(RefusedPath) as e:
        safefs.write_bytes(link, b"pwned\n", root=work)
    assert e.value.path == str(link) and "symbolic link" in e.value.message
    assert outside.read_text() == "root:x:0:0\n"
    assert link.is_symlink()


@pytest.mark.parametrize("tmp_name", [".manifest.json.tmp", ".SHA256SUMS.tmp", "manifest.json.tmp"])
def test_links_planted_at_the_old_temporary_names_are_ignored(work: Path, outside: Path, tmp_name: str) -> None:
    (work / tmp_name).symlink_to(outside)
    safefs.write_text(work / "manifest.json", "{}\n", root=work)
    assert (work / "manifest.json").read_text() == "{}\n"
    assert outside.read_text() == "root:x:0:0\n"
    assert (work / tmp_name).is_symlink()


@pytest.mark.parametrize("use_root", [True, False])
def test_a_link_as_a_parent_directory_is_refused(work: Path, outside: Path, use_root: bool) -> None:
    reports = work / "reports"
    reports.symlink_to(outside.parent)
    with pytest.raises(RefusedPath) as e:
        safefs.write_text(reports / "passwd", "pwned\n", root=work if use_root else None)
    assert e.value.path == str(reports)
    assert "symbolic link" in str(e.value)
    with pytest.raises(RefusedPath):
        safefs.ensure_dir(reports / "sub", root=work if use_root else None)
    assert sorted(p.name for p in outside.parent.iterdir()) == ["passwd"]
    assert outside.read_text() == "root:x:0:0\n"


def test_a_link_deeper_under_the_root_is_refused(work: Path, outside: Path) -> None:
    (work / "dist").mkdir()
    (work / "dist" / "sbom").symlink_to(outside.parent)
    with pytest.raises(RefusedPath):
        safefs.write_text(work / "dist" / "sbom" / "passwd", "pwned\n", root=work)
    assert outside.read_text() == "root:x:0:0\n"


def test_the_root_itself_may_be_a_link(tmp_path: Path, work: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(work)  # the user chose it: /tmp on macOS, a linked checkout
    safefs.write_text(safefs.ensure_dir(alias / "a" / "b", root=alias) / "f", "x", root=alias)
    assert (work / "a" / "b" / "f").read_text() == "x"


def test_paths_outside_the_root_and_special_targets_are_refused(work: Path) -> None:
    with pytest.raises(RefusedPath, match="outside"):
        safefs.write_text(work.parent / "elsewhere", "x", root=work)
    with pytest.raises(RefusedPath, match="outside"):
        safefs.write_text(work / ".." / "outside" / "passwd", "x", root=work)
    (work / "dir").mkdir()
    with pytest.raises(RefusedPath, match="a directory, not a regular file"):
        safefs.write_text(work / "dir", "x", root=work)
    os.mkfifo(work / "fifo")
    with pytest.raises(RefusedPath, match="a FIFO"):
        safefs.write_text(work / "fifo", "x", root=work)
    (work / "file").write_text("")
    with pytest.raises(RefusedPath, match="a regular file, not a directory"):
        safefs.ensure_dir(work / "file" / "sub", root=work)


def test_a_missing_parent_is_an_error_not_a_crash(work: Path) -> None:
    with pytest.raises(FileAccessError, match="does not exist") as e:
        safefs.write_text(work / "nope" / "f", "x", root=work)
    assert not isinstance(e.value, RefusedPath)


def test_ensure_dir_creates_parents_and_accepts_existing(work: Path) -> None:
    deep = work / "reports" / "junit" / "x"
    assert safefs.ensure_dir(deep, root=work) == deep
    assert safefs.ensure_dir(deep, root=work) == deep
    assert deep.is_dir() and not deep.is_symlink()


_NAME = st.text(alphabet="abcxyz-_.0123456789", min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_NAME, min_size=1, max_size=5), link_at=st.integers(min_value=-1, max_value=4))
def test_generated_paths_never_write_through_a_link(tmp_path: Path, parts: list[str], link_at: int) -> None:
    """Any depth, any names: a link on the way is a refusal and the target outside is unchanged."""
    case = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
    root, victim_dir = case / "root", case / "victim"
    root.mkdir(parents=True)
    victim_dir.mkdir()
    victim = victim_dir / parts[-1]
    victim.write_bytes(b"keep")
    directory = root.joinpath(*parts[:-1])
    planted = link_at if 0 <= link_at < len(parts) else None
    if planted is not None:
        link = root.joinpath(*parts[: planted + 1])
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(victim if planted == len(parts) - 1 else victim_dir)
    try:
        safefs.ensure_dir(directory, root=root)
        safefs.write_bytes(directory / parts[-1], b"new", root=root)
    except RefusedPath:
        assert planted is not None
    else:
        assert planted is None
        assert (directory / parts[-1]).read_bytes() == b"new"
    assert victim.read_bytes() == b"keep"
    assert [p.name for p in victim_dir.iterdir()] == [parts[-1]]


def test_read_accepts_a_linked_regular_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("severity: {}\n")
    link = tmp_path / ".gobaseline.yml"
    link.symlink_to(policy)
    assert safefs.read_text(link, limit=100, what="policy file") == "severity: {}\n"
    assert safefs.read_bytes(policy, limit=13, what="policy file") == b"severity: {}\n"


def test_special_files_are_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "event.json"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block for ever
    sock_path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        cases = [(fifo, "a FIFO"), (Path("/dev/zero"), "a character device"), (tmp_path, "a directory")]
        cases.append((sock_path, "a socket"))
        start = time.monotonic()
        for path, kind in cases:
            with pytest.raises(RefusedPath) as e:
                safefs.read_bytes(path, limit=1 << 20, what="event file")
            assert e.value.explain() == f"{path}: the event file is {kind}, not a regular file"
            with pytest.raises(RefusedPath, match=kind):
                safefs.sha256(path, limit=1 << 20, what="binary")
    assert time.monotonic() - start < 5


def test_a_link_to_a_special_file_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "binary"
    link.symlink_to("/dev/zero")
    with pytest.raises(RefusedPath, match="character device"):
        safefs.read_bytes(link, limit=10, what="binary")


def test_sha256_is_of_the_whole_file_read_in_pieces(tmp_path: Path) -> None:
    f = tmp_path / "app"
    data = bytes(range(256)) * (3 * 4096 + 1)  # a little over 3 MiB: several reads
    f.write_bytes(data)
    assert safefs.sha256(f, limit=len(data), what="binary") == hashlib.sha256(data).hexdigest()
    with pytest.raises(RefusedPath, match="more than the limit"):
        safefs.sha256(f, limit=len(data) - 1, what="binary")


def test_size_limit(tmp_path: Path) -> None:
    f = tmp_path / "go.mod"
    f.write_bytes(b"x" * 101)
    assert safefs.read_bytes(f, limit=101, what="go.mod") == b"x" * 101
    with pytest.raises(RefusedPath, match="101 bytes, more than the limit of 100") as e:
        safefs.read_bytes(f, limit=100, what="go.mod")
    assert e.value.path == str(f)


def test_missing_and_non_utf8_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError) as e:
        safefs.read_text(tmp_path / "missing.yml", limit=10, what="policy file")
    assert e.value.explain() == f"{tmp_path / 'missing.yml'}: cannot read the policy file: No such file or directory"
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"ok\n\xff\n")
    with pytest.raises(GobaselineError) as e2:
        safefs.read_text(bad, limit=10, what="policy file")
    assert e2.value.explain() == f"{bad}: the policy file is not UTF-8 text (byte 3)"
    assert "\n" not in e2.value.explain()


@pytest.mark.parametrize("size", [0, 1, (1 << 16) - 1, 1 << 16, (1 << 20) + 1, 3 * (1 << 20) + 7])
def test_read_bytes_gives_the_whole_file_in_one_piece(
    tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "app"
    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    f.write_bytes(data)
    reads: list[int] = []
    real_read = os.read

    def counted(fd: int, n: int) -> bytes:
        chunk = real_read(fd, n)
        reads.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "read", counted)  # safefs calls os.read
    got = safefs.read_bytes(f, limit=size, what="binary")
    assert got == data and type(got) is bytes
    assert reads == ([size, 0] if size else [0])  # the file in one read, then the end: never pieces joined


def test_a_file_that_grows_past_its_size_while_read_is_still_bounded(tmp_path: Path) -> None:
    # The first read asks for the size the file had when opened; what comes after it counts against the limit.
    f = tmp_path / "app"
    f.write_bytes(b"x" * 10)
    pieces = safefs._chunks(f, 20, "binary", whole=True)
    assert next(pieces) == b"x" * 10
    with f.open("ab") as grow:
        grow.write(b"y" * 11)
    with pytest.raises(RefusedPath, match="larger than 20 bytes"):
        list(pieces)
