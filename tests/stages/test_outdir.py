"""Tier 3: the output directory, on real directories."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gobaseline.golang import naming
from gobaseline.model import CheckStatus, Stage
from gobaseline.policy import BuildPolicy, Policy
from gobaseline.stages import Module, Platform, StageResult, outdir
from tests.conftest import make_ctx

TARGETS = ("linux/amd64", "windows/amd64")
ANY_FREE_SPACE = Policy(min_free_mb=0)
"""The default policy without the free-space floor, so no test depends on how full the disk is."""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/tools/hello/v2\n\ngo 1.27\n", encoding="utf-8")
    return root


def rules_of(result: StageResult) -> list[str]:
    return [f.rule_id for f in result.findings]


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_creates_missing_directory(repo: Path) -> None:
    out = repo / "build" / "out"
    result = outdir.run(make_ctx(repo, output_dir=out, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert result.stage is Stage.OUTDIR
    assert result.findings == []
    assert out.is_dir()
    assert [p.name for p in out.iterdir()] == [".gitignore"]  # the probe file is gone
    assert result.facts["output_dir"] == "build/out"
    assert result.facts["output_dir_created"] == "build, build/out"
    assert all(c.status is CheckStatus.PASSED for c in result.checks)
    assert [c.target for c in result.checks if c.name == "target-dir"] == list(TARGETS)


def test_existing_directory_is_not_recreated(repo: Path) -> None:
    out = repo / "gobaseline-out"
    out.mkdir()
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert result.findings == []
    assert "output_dir_created" not in result.facts


def test_output_dir_is_a_symlink(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / "gobaseline-out").symlink_to(elsewhere)
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert rules_of(result) == ["GB302"]
    f = result.findings[0]
    assert f.location is not None and f.location.path == "gobaseline-out"
    assert "symlink" in f.message
    assert list(elsewhere.iterdir()) == []  # nothing written through the link
    assert any(c.name == "outdir-writable" and c.status is CheckStatus.SKIPPED for c in result.checks)


def test_symlink_inside_the_repo_is_still_refused(repo: Path) -> None:
    (repo / "real").mkdir()
    (repo / "gobaseline-out").symlink_to(repo / "real")
    assert rules_of(outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS))) == ["GB302"]


def test_output_dir_outside_the_repo(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "outside"
    result = outdir.run(make_ctx(repo, output_dir=out, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert rules_of(result) == ["GB302"]
    assert "outside the repository" in result.findings[0].message
    assert not out.exists()


def test_parent_symlink_leading_outside(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "far").mkdir()
    (repo / "link").symlink_to(tmp_path / "far")
    result = outdir.run(make_ctx(repo, output_dir=repo / "link" / "out", policy=ANY_FREE_SPACE, targets=TARGETS))
    assert rules_of(result) == ["GB302"]
    assert result.findings[0].location is not None
    assert result.findings[0].location.path == "link/out"


def test_target_subdir_symlink(repo: Path, tmp_path: Path) -> None:
    out = repo / "gobaseline-out"
    out.mkdir()
    (tmp_path / "t").mkdir()
    (out / "linux_amd64").symlink_to(tmp_path / "t")
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert rules_of(result) == ["GB302"]
    f = result.findings[0]
    assert f.target == "linux/amd64"
    assert f.location is not None and f.location.path == "gobaseline-out/linux_amd64"


def test_output_dir_is_a_file(repo: Path) -> None:
    (repo / "gobaseline-out").write_text("x", encoding="utf-8")
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert rules_of(result) == ["GB301"]
    assert "not a directory" in result.findings[0].message
    assert (repo / "gobaseline-out").read_text(encoding="utf-8") == "x"


def test_output_dir_cannot_be_created(repo: Path) -> None:
    (repo / "blocker").write_text("x", encoding="utf-8")
    result = outdir.run(make_ctx(repo, output_dir=repo / "blocker" / "out", policy=ANY_FREE_SPACE, targets=TARGETS))
    assert rules_of(result) == ["GB301"]
    assert result.findings[0].message.startswith("Cannot create the output directory")


def test_target_path_is_a_file(repo: Path) -> None:
    out = repo / "gobaseline-out"
    out.mkdir()
    (out / "windows_amd64").write_text("", encoding="utf-8")
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert rules_of(result) == ["GB301"]
    assert result.findings[0].target == "windows/amd64"


@pytest.fixture
def populated(repo: Path) -> Path:
    out = repo / "gobaseline-out"
    for rel in (
        "SHA256SUMS",
        "manifest.json",
        "reports/report.json",
        "linux_amd64/hello",
        "linux_amd64/foo",
        "linux_amd64/old-tool",
        "linux_amd64/debug/hello.sym",
        "windows_amd64/hello.exe",
        "windows_amd64/hello",
        "darwin_arm64/hello",
    ):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("x", encoding="utf-8")
    return out


def test_stale_files(repo: Path, populated: Path) -> None:
    before = files_under(populated)
    result = outdir.run(
        make_ctx(repo, policy=Policy(min_free_mb=0, build=BuildPolicy(packages=(".", "./cmd/foo"))), targets=TARGETS)
    )
    assert rules_of(result) == ["GB303"]
    f = result.findings[0]
    assert f.location is not None and f.location.path == "gobaseline-out"
    prefix = "gobaseline-out/"
    expected = [
        "darwin_arm64/hello",
        "linux_amd64/debug/hello.sym",
        "linux_amd64/old-tool",
        "windows_amd64/hello",
    ]
    assert f.message.startswith(f"{len(expected)} file(s) this run will not produce: ")
    assert ", ".join(prefix + e for e in expected) in f.message
    assert files_under(populated) - {".gitignore"} == before  # nothing deleted


def test_stale_list_is_capped(repo: Path) -> None:
    old = repo / "gobaseline-out" / "freebsd_amd64"
    old.mkdir(parents=True)
    for i in range(13):
        (old / f"f{i:02d}").write_text("", encoding="utf-8")
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS))
    assert "13 file(s)" in result.findings[0].message
    assert result.findings[0].message.count("freebsd_amd64/") == 10
    assert "and 3 more" in result.findings[0].message


def test_wildcard_packages_only_flag_other_targets(repo: Path, populated: Path) -> None:
    result = outdir.run(
        make_ctx(repo, policy=Policy(min_free_mb=0, build=BuildPolicy(packages=("./cmd/...",))), targets=TARGETS)
    )
    assert rules_of(result) == ["GB303"]
    assert result.findings[0].message.startswith("1 file(s)")
    assert "darwin_arm64/hello" in result.findings[0].message


def test_expected_binaries(repo: Path) -> None:
    def names(*packages: str) -> frozenset[str] | None:
        return outdir.expected_binaries(
            make_ctx(repo, policy=Policy(min_free_mb=0, build=BuildPolicy(packages=packages)), targets=TARGETS)
        )

    assert names(".") == frozenset({"hello"})
    assert names("./cmd/foo", "./cmd/bar/", "./cmd/baz/v3") == frozenset({"foo", "bar", "baz"})
    assert names("example.com/other/cmd/x") == frozenset({"x"})
    assert names("./cmd/...") is None
    assert names("../elsewhere") is None
    # Two packages with one Go name are named after their import paths by the build: only go list knows.
    assert names("./cmd/gen", "./tools/gen") is None
    # The command line's packages are the ones built, not the policy's.
    given = make_ctx(repo, policy=Policy(min_free_mb=0), targets=TARGETS, packages=("./cmd/tool",))
    assert outdir.expected_binaries(given) == frozenset({"tool"})
    # Several modules: the build names binaries below their common prefix (packages.select).
    (repo / "tools").mkdir()
    (repo / "tools" / "go.mod").write_text("module example.com/hello/tools\n\ngo 1.26\n", encoding="utf-8")
    modules = (Module.read(repo), Module.read(repo / "tools"))
    several = make_ctx(repo, policy=Policy(min_free_mb=0), targets=TARGETS, packages=("./cmd/a",), modules=modules)
    assert outdir.expected_binaries(several) is None
    (repo / "go.mod").unlink()
    assert names(".") is None
    assert names("example.com/x/y") == frozenset({"y"})


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("example.com/hello", "hello"),
        ("example.com/hello/v2", "hello"),
        ("example.com/x/v1", "v1"),
        ("example.com/x/v0", "v0"),
        ("v2", "v2"),
        ("example.com/x/vv2", "vv2"),
    ],
)
def test_exec_name(path: str, name: str) -> None:
    assert naming.exec_name(path) == name


def test_module_line_forms(repo: Path) -> None:
    (repo / "go.mod").write_text('// c\nmodule "example.com/quoted" // x\n', encoding="utf-8")
    assert outdir.module_path(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS)) == "example.com/quoted"


def test_low_free_space(repo: Path) -> None:
    result = outdir.run(make_ctx(repo, policy=Policy(min_free_mb=1 << 40), targets=TARGETS))
    assert rules_of(result) == ["GB304"]
    assert "output.min_free_mb" in result.findings[0].message
    assert int(result.facts["output_free_mb"]) >= 0


@pytest.fixture
def tmpfs_repo() -> Iterator[Path]:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == Path("/").stat().st_dev:
        pytest.skip("no separate tmpfs at /dev/shm")
    with tempfile.TemporaryDirectory(dir=shm) as d:
        yield Path(d)


def test_system_disk_linux(repo: Path, tmpfs_repo: Path) -> None:
    linux = Platform(system="linux")
    assert rules_of(outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS, platform=linux))) == ["GB305"]
    assert outdir.run(make_ctx(tmpfs_repo, policy=ANY_FREE_SPACE, targets=TARGETS, platform=linux)).findings == []


def test_system_disk_windows(repo: Path) -> None:
    assert rules_of(
        outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, targets=TARGETS, platform=Platform("windows", "")))
    ) == ["GB305"]


def test_a_run_that_only_checks_writes_nothing(repo: Path) -> None:
    before = sorted(repo.rglob("*"))
    result = outdir.run(make_ctx(repo, output_dir=repo / "build" / "out", policy=ANY_FREE_SPACE, builds=False))
    assert result.findings == []
    assert sorted(repo.rglob("*")) == before


def test_an_output_dir_named_on_the_command_line_may_be_outside(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "runner-temp" / "out"
    result = outdir.run(make_ctx(repo, output_dir=out, policy=ANY_FREE_SPACE, output_named=True))
    assert result.findings == []
    assert out.is_dir() and not (out / ".gitignore").exists()  # outside the checkout: nothing to ignore


def test_a_named_output_dir_still_may_not_redirect_a_workspace_directory(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "far").mkdir()
    (repo / "link").symlink_to(tmp_path / "far")
    ctx = make_ctx(repo, output_dir=repo / "link" / "out", policy=ANY_FREE_SPACE, output_named=True)
    assert rules_of(outdir.run(ctx)) == ["GB302"]
    assert not (tmp_path / "far" / "out").exists()


@pytest.mark.parametrize("name", [".", ".git", ".git/out"])
def test_the_repository_itself_or_its_git_dir_is_refused(repo: Path, name: str) -> None:
    (repo / ".git").mkdir(exist_ok=True)
    ctx = make_ctx(repo, output_dir=repo / name, policy=ANY_FREE_SPACE, output_named=True)
    result = outdir.run(ctx)
    assert rules_of(result) == ["GB302"]
    assert not (repo / ".gitignore").exists() and not (repo / ".git" / "out").exists()


def test_the_output_dir_ignores_itself(repo: Path) -> None:
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE))
    assert result.findings == []
    assert (repo / "gobaseline-out" / ".gitignore").read_text().splitlines()[-1] == "*"
    (repo / "gobaseline-out" / ".gitignore").write_text("mine\n")
    outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE))
    assert (repo / "gobaseline-out" / ".gitignore").read_text() == "mine\n"  # never overwritten
