"""A planted link on any write path never writes outside the workspace (the run is root in the action).

The write paths are not a hand list: a clean `gobaseline run` in a GitHub job's environment is watched, and every
file it creates or changes (reports, binaries, SHA256SUMS, manifest, SBOM, .gitignore, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY) becomes a case, so a new write path is covered the day it appears. On each a link is planted
(to a file outside, to a directory outside, dangling to outside, its directory swapped for a link, links at the
old fixed temporary names), and the run is repeated: nothing outside may change, and a refusal is one line
naming the path, never a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gobaseline.cli import main
from tests.support.examples import copy_example

POLICY = "build:\n  sbom: true\n"
KINDS = ["link-to-file", "link-to-dir", "dangling", "parent-swapped", "old-temp-names"]


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` (links not followed) with what it is: a digest, a link target, a directory."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "link:" + str(p.readlink())
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def make_workspace(base: Path) -> Path:
    ws = base / "ws"
    copy_example("hello", ws / "hello")
    (ws / "hello" / ".gobaseline.yml").write_text(POLICY)
    (ws / "runner").mkdir()
    return ws


def job_env(ws: Path, go_env: dict[str, str]) -> dict[str, str]:
    return {
        **go_env,
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SHA": "1" * 40,
        "GITHUB_OUTPUT": str(ws / "runner" / "output"),
        "GITHUB_STEP_SUMMARY": str(ws / "runner" / "summary.md"),
    }


@contextlib.contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_in(ws: Path, go_env: dict[str, str]) -> tuple[int, list[str]]:
    argv = ["run", str(ws / "hello"), "--targets", "linux/amd64", "--format", "text,json,sarif,junit,summary"]
    argv += ["--output-dir", str(ws / "hello" / "reports")]
    out, err = io.StringIO(), io.StringIO()
    with environment(job_env(ws, go_env)), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, (out.getvalue() + err.getvalue()).splitlines()


@pytest.fixture(scope="module")
def write_paths(tmp_path_factory: pytest.TempPathFactory, go_shared_cache: Path) -> list[str]:
    """The files a clean run writes, relative to the workspace."""
    from tests.support.toolchains import isolated_go_env

    base = tmp_path_factory.mktemp("clean")
    ws = make_workspace(base)
    go_env = isolated_go_env(base, go_shared_cache)
    before = snapshot(ws)
    code, lines = run_in(ws, go_env)
    assert code in (0, 2), lines
    after = snapshot(ws)
    written = sorted(p for p, what in after.items() if what != "dir" and before.get(p) != what)
    expected = {"hello/reports/report.json", "runner/output", "runner/summary.md", "hello/gobaseline-out/SHA256SUMS"}
    assert expected <= set(written), written
    return written


def cases() -> list[tuple[str, int]]:
    # Parametrized by index: the paths are only known once the clean run has been watched. A link to a file, a
    # swapped parent and planted temporary names on every path; a link to a directory and a dangling link (which
    # the same O_NOFOLLOW open refuses) on the first few, so the sweep stays a few minutes of CI.
    every = [(kind, i) for kind in ("link-to-file", "parent-swapped", "old-temp-names") for i in range(24)]
    return every + [(kind, i) for kind in ("link-to-dir", "dangling") for i in range(4)]


@pytest.mark.slow  # a real build per case: about 100 runs
@pytest.mark.generated("planted link")
@pytest.mark.parametrize(("kind", "index"), cases())
def test_a_planted_link_on_a_write_path_never_writes_outside(
    tmp_path: Path, go_env: dict[str, str], write_paths: list[str], kind: str, index: int
) -> None:
    if index >= len(write_paths):
        pytest.skip(f"the run writes {len(write_paths)} files")
    rel = write_paths[index]
    if kind == "parent-swapped" and any(p.rsplit("/", 1)[0] == rel.rsplit("/", 1)[0] for p in write_paths[:index]):
        pytest.skip("the same directory was swapped for an earlier path")
    if kind == "parent-swapped" and rel.startswith("runner/"):
        # GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are the runner's files, in the runner's directory outside the
        # workspace: the file itself must be a regular file (a link there is refused, see the other kinds), but
        # the directory the runner names is the runner's to choose.
        pytest.skip("the runner's own directory")
    ws = make_workspace(tmp_path)
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "victim").write_text("precious\n")
    target = ws / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "link-to-file":
        target.symlink_to(outside / "victim")
    elif kind == "link-to-dir":
        target.symlink_to(outside / "dir")
    elif kind == "dangling":
        target.symlink_to(outside / "created-by-the-run")
    elif kind == "parent-swapped":
        shutil.rmtree(target.parent)
        target.parent.symlink_to(outside / "dir", target_is_directory=True)
    else:
        for name in (f".{target.name}.tmp", f"{target.name}.tmp"):
            (target.parent / name).symlink_to(outside / "victim")
    before = snapshot(outside)

    code, lines = run_in(ws, go_env)

    assert snapshot(outside) == before, (rel, kind, lines)
    assert not any("Traceback" in line for line in lines), lines
    if kind == "old-temp-names":
        assert code in (0, 2), lines
        return
    assert code != 0, lines
    planted = rel if kind != "parent-swapped" else rel.rsplit("/", 1)[0]
    naming = [line for line in lines if planted in line or (Path(planted).name in line and "link" in line)]
    assert naming, (rel, kind, lines)
