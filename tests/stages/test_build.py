"""The hardened build: real builds with the real toolchain, one warm GOCACHE for the session."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gobaseline.golang import naming
from gobaseline.golang.buildoutput import parse_build_output
from gobaseline.golang.gotool import Go
from gobaseline.model import CheckStatus, Finding, Severity, Stage
from gobaseline.policy import BuildPolicy, parse
from gobaseline.stages import BuildOutput, Built, Context, StageResult, build, build_options, verify
from tests.conftest import make_ctx
from tests.support.stages import BuildAndVerify, build_and_verify
from tests.support.toolchains import fake_go, isolated_go_env

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "build"
MATRIX = ("linux/amd64", "linux/arm64", "windows/amd64", "darwin/arm64")


def session_go(tmp: Path, cache: Path) -> Go:
    """A real go in an isolated environment (the session-scoped twin of conftest's `go`)."""
    return Go.discover(environ=isolated_go_env(tmp, cache))


def copy_fixture(name: str, dst: Path) -> Path:
    target = dst / name
    shutil.copytree(FIXTURES / name, target)
    return target


@dataclass
class Matrix:
    ctx: Context
    outcome: BuildAndVerify
    lines: list[str]
    seconds: float


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory, go_shared_cache: Path) -> Matrix:
    """The fixture program built once for the four default targets."""
    tmp = tmp_path_factory.mktemp("matrix")
    module = copy_fixture("hello", tmp)
    go = session_go(tmp, go_shared_cache)
    policy = parse("build:\n  ldflags: ['-X main.version=1.2.3']\n", ".gobaseline.yml")
    ctx = make_ctx(module, go=go, targets=MATRIX, policy=policy)
    lines: list[str] = []
    start = time.perf_counter()
    outcome = build_and_verify(ctx, progress=lines.append)
    return Matrix(ctx, outcome, lines, time.perf_counter() - start)


def rule_ids(findings: list[Finding]) -> list[str]:
    return sorted(f.rule_id for f in findings)


# -- the whole matrix ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_matrix_builds_and_verifies_clean_but_for_the_linux_loader(matrix: Matrix) -> None:
    out = matrix.outcome
    assert out.build.findings == []
    assert {a.target for a in out.artifacts} == set(MATRIX)
    warnings = [f for f in out.verify.findings if f.severity is not Severity.NOTE]
    assert sorted((f.rule_id, f.target) for f in warnings) == [("GB604", "linux/amd64"), ("GB604", "linux/arm64")]
    by_target = {a.target: a for a in out.artifacts}
    assert by_target["linux/amd64"].interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert by_target["linux/arm64"].interpreter == "/lib/ld-linux-aarch64.so.1"
    assert by_target["windows/amd64"].path.endswith("windows_amd64/fixture.exe")
    assert {a.format for a in out.artifacts} == {"elf", "pe", "macho"}
    for a in out.artifacts:
        assert a.pie and a.stripped, a
        assert a.go_version == matrix.ctx.go.version if matrix.ctx.go else False


@pytest.mark.slow
def test_sums_and_manifest_describe_every_binary(matrix: Matrix) -> None:
    out = matrix.outcome
    assert out.sums_path is not None and out.manifest_path is not None
    sums: dict[str, str] = {}
    for line in out.sums_path.read_text().splitlines():
        digest, rel = line.split("  ", 1)
        sums[rel] = digest
    assert set(sums) == {"linux_amd64/fixture", "linux_arm64/fixture", "windows_amd64/fixture.exe",
                         "darwin_arm64/fixture"}  # fmt: skip
    root = out.sums_path.parent
    for rel, digest in sums.items():
        assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == digest
    manifest = json.loads(out.manifest_path.read_text())
    assert manifest["go_version"].startswith("go1.")
    assert manifest["build_time"].endswith("Z")
    assert "-X main.version=1.2.3" in manifest["ldflags"] and "-bindnow" in manifest["ldflags"]
    entry = next(e for e in manifest["artifacts"] if e["target"] == "linux/amd64")
    assert entry["sha256"] == sums["linux_amd64/fixture"]
    assert entry["buildmode"] == "pie" and "-trimpath" in entry["flags"]


@pytest.mark.slow
def test_progress_lines_name_each_target_start_and_end(matrix: Matrix) -> None:
    for target in MATRIX:
        mine = [line for line in matrix.lines if line.startswith(f"build {target}:")]
        mine = [line for line in mine if ": still running (" not in line]  # a heartbeat on a slow machine
        assert len(mine) == 2
        assert mine[0] == f"build {target}: 1 package (.)"  # short: the full command is in the report
        assert " s, fixture" in mine[1] and "MB" in mine[1]
        assert "-buildmode=pie" in matrix.outcome.build.facts[f"build_command {target}"]


@dataclass
class _GoThroughWrapper(Go):
    """A real go run through a wrapper script (a toolchain on a slow machine, say)."""

    wrapper: Path = Path("go")

    @property
    def executable(self) -> Path:
        return self.wrapper


def test_a_long_build_says_it_still_runs(tmp_path: Path, go: Go) -> None:
    """`go build` links until the first heartbeat line has been printed (a marker file): no timing assumed."""
    marker = tmp_path / "heard"
    wrapper = fake_go(tmp_path / "go", waits_for=marker, then=f'exec "{go.executable}" "$@"', subcommand="build")
    slow = _GoThroughWrapper(go.entry, go.environ, heartbeat_interval=0.01, wrapper=wrapper)
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        if "still running" in line:
            marker.touch()

    out = build_and_verify(make_ctx(copy_fixture("hello", tmp_path), go=slow), progress=progress)

    assert [a.target for a in out.artifacts] == ["linux/amd64"]
    assert lines[0] == "build linux/amd64: 1 package (.)" and lines[-1].startswith("build linux/amd64: done in ")
    beats = lines[1:-1]
    assert beats and all(re.fullmatch(r"build linux/amd64: still running \(\d+s, 1 package\)", b) for b in beats)


@pytest.mark.slow
def test_built_binary_runs_and_carries_the_stamped_version(matrix: Matrix) -> None:
    import platform
    import subprocess

    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("runs the linux/amd64 binary")
    binary = matrix.ctx.output_dir / "linux_amd64" / "fixture"
    proc = subprocess.run([binary], capture_output=True, text=True, check=True)
    assert proc.stdout == "fixture 1.2.3\n"


@pytest.mark.slow
def test_a_binary_built_by_gobaseline_verifies_again_through_its_manifest(matrix: Matrix) -> None:
    from gobaseline.stages.verify import verify_files

    out = matrix.outcome
    assert out.manifest_path is not None
    files = [matrix.ctx.output_dir / Path(a.path).relative_to("gobaseline-out") for a in out.artifacts]
    result, artifacts = verify_files(
        files, go=matrix.ctx.go, baseline=None, manifest=out.manifest_path, root=matrix.ctx.repo_root
    )
    assert rule_ids(result.findings) == ["GB604", "GB604"]
    assert [a.sha256 for a in artifacts] == [a.sha256 for a in out.artifacts]


# -- before compiling ---------------------------------------------------------------------------------------------


def test_targets_without_cgo_free_pie_are_reported_before_compiling(example: Path, go: Go) -> None:
    ctx = make_ctx(example, go=go, targets=("linux/386", "linux/riscv64"))
    start = time.perf_counter()
    out = build_and_verify(ctx)
    elapsed = time.perf_counter() - start
    assert rule_ids(out.build.findings) == ["GB502", "GB502"]
    assert {f.target for f in out.build.findings} == {"linux/386", "linux/riscv64"}
    for f in out.build.findings:  # the go command's own words
        assert f"PIE for {f.target} without cgo (-buildmode=pie requires external (cgo) linking, but cgo is not" in (
            f.message
        )
    assert not [c for c in out.build.checks if c.name == "compile"]
    assert not (ctx.output_dir / "linux_386").exists()
    assert out.artifacts == []
    assert elapsed < 5.0


def test_gb502_points_at_the_policy_targets_line(example: Path, go: Go) -> None:
    policy = parse("# hardened\ntargets:\n  - linux/arm\n", ".gobaseline.yml")
    out = build_and_verify(make_ctx(example, go=go, targets=policy.targets, policy=policy))
    (finding,) = out.build.findings
    assert finding.rule_id == "GB502"
    assert finding.location is not None and (finding.location.path, finding.location.line) == (".gobaseline.yml", 2)


def test_weakening_policy_builds_nothing(example: Path, go: Go) -> None:
    policy = parse("build:\n  env: {CGO_ENABLED: '1'}\n", ".gobaseline.yml")
    out = build_and_verify(make_ctx(example, go=go, targets=("linux/amd64",), policy=policy))
    assert rule_ids(out.build.findings) == ["GB503"]
    assert out.build.findings[0].location is not None and out.build.findings[0].location.line == 1
    assert not (example / "gobaseline-out").exists()
    assert any(c.status is CheckStatus.SKIPPED and c.name == "compile" for c in out.build.checks)


# -- compile errors -----------------------------------------------------------------------------------------------


def test_compile_error_is_reported_at_its_line(tmp_path: Path, go: Go) -> None:
    repo = tmp_path / "repo"
    module = copy_fixture("broken", repo)
    ctx = make_ctx(module, repo_root=repo, go=go, targets=("linux/amd64",))
    out = build_and_verify(ctx)
    gb501 = [f for f in out.build.findings if f.rule_id == "GB501"]
    assert len(gb501) == 1
    loc = gb501[0].location
    assert loc is not None and (loc.path, loc.line, loc.column) == ("broken/main.go", 6, 14)
    assert "cannot use" in gb501[0].message and gb501[0].target == "linux/amd64"
    assert out.artifacts == []
    assert json.loads((ctx.output_dir / "manifest.json").read_text())["artifacts"] == []


def test_a_compile_error_on_several_targets_is_one_finding_naming_them(tmp_path: Path, go: Go) -> None:
    repo = tmp_path / "repo"
    module = copy_fixture("broken", repo)
    targets = ("linux/amd64", "windows/amd64")
    out = build_and_verify(make_ctx(module, repo_root=repo, go=go, targets=targets))
    [both] = [f for f in out.build.findings if f.rule_id == "GB501"]
    assert both.target is None and both.message.endswith("(GOOS/GOARCH linux/amd64, windows/amd64)")
    one = build_and_verify(make_ctx(module, repo_root=repo, go=go, targets=targets[:1]))
    [single] = [f for f in one.build.findings if f.rule_id == "GB501"]
    assert single.target == "linux/amd64" and "GOOS/GOARCH" not in single.message  # said once, by the target


def test_unknown_package_is_a_go_command_failure(example: Path, go: Go) -> None:
    out = build_and_verify(make_ctx(example, go=go, targets=("linux/amd64",)), packages=("./nonexistent",))
    assert rule_ids(out.build.findings) == ["GB505"]
    assert "nonexistent" in out.build.findings[0].message


# -- packages -----------------------------------------------------------------------------------------------------


def test_wildcard_patterns_expand_to_main_packages_only(tmp_path: Path, go: Go) -> None:
    module = copy_fixture("multi", tmp_path)
    out = build_and_verify(make_ctx(module, go=go, targets=("linux/amd64",)), packages=("./cmd/...",))
    assert out.build.findings == []
    names = sorted(Path(a.path).name for a in out.artifacts)
    assert names == ["alpha", "beta"]  # cmd/beta/v2 is named like the go command names it


def test_package_names_follow_the_go_command() -> None:
    assert naming.exec_name("example.com/hello") == "hello"
    assert naming.exec_name("example.com/tool/v2") == "tool"
    assert naming.exec_name("example.com/cmd/foo") == "foo"
    assert naming.module_path(FIXTURES / "hello") == "example.com/fixture"


def test_a_v1_directory_builds_a_binary_named_v1(tmp_path: Path, go: Go) -> None:
    module = copy_fixture("multi", tmp_path)
    (module / "cmd" / "v1").mkdir()
    shutil.copy(module / "cmd" / "alpha" / "main.go", module / "cmd" / "v1" / "main.go")
    out = build_and_verify(make_ctx(module, go=go, targets=("linux/amd64",)), packages=("./cmd/v1",))
    assert out.build.findings == []
    assert "GB611" not in {f.rule_id for f in out.verify.findings}
    assert [Path(a.path).name for a in out.artifacts] == ["v1"]
    assert out.sums_path is not None
    (line,) = out.sums_path.read_text(encoding="utf-8").splitlines()
    digest, name = line.split("  ")
    assert name == "linux_amd64/v1"
    assert digest == hashlib.sha256((module / "gobaseline-out" / "linux_amd64" / "v1").read_bytes()).hexdigest()


def test_an_unreadable_artifact_is_a_finding_and_no_checksum_line(tmp_path: Path, go: Go) -> None:
    ctx = make_ctx(tmp_path, go=go, targets=("linux/amd64",))
    gone = ctx.output_dir / "linux_amd64" / "gone"
    built = StageResult(Stage.BUILD)
    entry = {"target": "linux/amd64", "package": "./cmd/gone", "path": "linux_amd64/gone"}
    built.built = BuildOutput(ctx.output_dir, (Built(gone, entry),))
    result = verify.run(ctx, {Stage.BUILD: built})
    assert [f.rule_id for f in result.findings] == ["GB611"]
    assert result.files["sha256sums"].read_text(encoding="utf-8") == ""
    assert json.loads(result.files["manifest"].read_text(encoding="utf-8"))["artifacts"] == []


# -- policy options -----------------------------------------------------------------------------------------------


def plan(**kwargs: object) -> tuple[build_options.BuildOptions, list[Finding]]:
    return build_options.plan_options(BuildPolicy(**kwargs), None)  # type: ignore[arg-type]


def test_the_seed_recipe_is_recognised_and_rewritten() -> None:
    opts, findings = plan(flags=('-ldflags="-s -w -buildmode=pie"',))
    assert rule_ids(findings) == ["GB504"]
    assert findings[0].severity is Severity.NOTE
    assert opts.ldflags == ()
    flags = build_options.build_flags(opts, buildmode="pie", bindnow=True)
    assert flags == ["-trimpath", "-buildmode=pie", "-ldflags=-s -w -bindnow"]


def test_the_seed_recipe_in_build_ldflags_is_rewritten_too() -> None:
    opts, findings = plan(ldflags=("-s -w -buildmode=pie", "-X main.version=1.0"))
    assert rule_ids(findings) == ["GB504"]
    assert opts.ldflags == ("-X", "main.version=1.0")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ldflags", ("-linkmode=external",)),
        ("ldflags", ("-linkmode external",)),
        ("ldflags", ("-buildmode=exe",)),
        ("flags", ('-ldflags="-s -w -buildmode=c-shared"',)),
        ("flags", ("-race",)),
        ("flags", ("-gcflags=all=-N -l",)),
        ("flags", ("-gcflags", "-l")),
        ("flags", ("-buildmode=exe",)),
        ("flags", ("-toolexec=/usr/bin/strace",)),
        ("flags", ("-o=elsewhere",)),
        ("env", {"CGO_ENABLED": "1"}),
        ("env", {"GOFLAGS": "-toolexec=x"}),
    ],
)
def test_weakening_options_are_refused(field: str, value: object) -> None:
    _, findings = plan(**{field: value})
    assert "GB503" in rule_ids(findings), findings


def test_harmless_options_pass_through() -> None:
    opts, findings = plan(
        flags=("-tags=netgo", "-pgo=off", "-gcflags=all=-B", "-a", "-trimpath"),
        tags=("osusergo",),
        env={"GOEXPERIMENT": "", "CGO_ENABLED": "0"},
        rebuild="cached",
    )
    assert findings == []
    assert opts.tags == ("osusergo", "netgo")
    assert opts.rebuild
    assert opts.flags == ("-pgo=off", "-gcflags=all=-B")
    flags = build_options.build_flags(opts, buildmode="pie", bindnow=False)
    assert "-tags=osusergo,netgo" in flags and "-a" in flags


def test_ldflags_with_spaces_are_quoted_for_the_go_command() -> None:
    opts, _ = plan(ldflags=("-X 'main.banner=hello world'",))
    assert build_options.ldflags_value(opts, bindnow=True) == "-s -w -bindnow -X 'main.banner=hello world'"


def test_bindnow_follows_the_toolchain_version() -> None:
    assert build._uses_bindnow("go1.23.0", True)
    assert build._uses_bindnow("go1.27.3", True)
    assert not build._uses_bindnow("go1.22.10", True)
    assert not build._uses_bindnow("go1.27.3", False)
    assert build._uses_bindnow("devel go1.28-abcdef", True)


def test_compiler_positions_are_parsed() -> None:
    stderr = "\n".join(
        ["# example.com/x", "./main.go:6:14: cannot use x", "../lib/lib.go:3: bad", "\ttoo many errors", "go: x"]
    )
    positions, other, stacks = parse_build_output(stderr, Path("/m"))
    assert positions == [("./main.go", 6, 14, "cannot use x"), ("../lib/lib.go", 3, None, "bad")]
    assert stacks == []
    assert other == ["go: x"]


# -- PIE support, asked of the toolchain in use --------------------------------------------------------------------


def test_pie_support_is_read_from_the_toolchain_in_use(go: Go) -> None:
    assert go.pie_check("linux", "amd64").supported is True
    assert go.pie_check("darwin", "arm64").supported is True
    assert go.pie_check("windows", "amd64").supported is True
    riscv = go.pie_check("linux", "riscv64")
    assert riscv.supported is False
    assert riscv.reason == "-buildmode=pie requires external (cgo) linking, but cgo is not enabled"
    linux386 = go.pie_check("linux", "386")  # a `runtime` probe would pass it: the go command decides per main
    assert linux386.supported is False and "external (cgo) linking" in linux386.reason
    mips = go.pie_check("linux", "mips")
    assert mips.supported is False and mips.reason == "-buildmode=pie not supported on linux/mips"
    ios = go.pie_check("ios", "arm64")  # must always link externally
    assert ios.supported is False and ios.reason == "ios/arm64 requires external (cgo) linking, but cgo is not enabled"
    assert go.pie_check("plan10", "amd64").supported is False


def test_pie_support_is_unknown_when_the_go_command_gives_no_answer(tmp_path: Path, go: Go) -> None:
    missing = Go(tmp_path / "nonexistent" / "go").pie_check("linux", "amd64")
    assert missing.supported is None and "cannot run the go command" in missing.reason
    bad = Go(go.executable, {**go.environ, "GOEXPERIMENT": "nosuch"}).pie_check("linux", "amd64")
    assert bad.supported is None and "unknown GOEXPERIMENT" in bad.reason


def test_pie_support_ignores_the_users_go_settings(tmp_path: Path, go: Go) -> None:
    work = tmp_path / "go.work"
    work.write_text("go 1.21\n\nuse ./elsewhere\n", encoding="utf-8")
    env = {**go.environ, "GOFLAGS": "-mod=vendor -ldflags=-linkmode=external", "GOWORK": str(work)}
    assert Go(go.executable, env).pie_check("linux", "amd64").supported is True


def test_pie_support_is_asked_once_per_target(go: Go, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    run = go.run

    def counted(args: Sequence[str], **kw: Any) -> Any:
        calls.append(tuple(args))
        return run(args, **kw)

    monkeypatch.setattr(go, "run", counted)
    assert go.pie_check("linux", "riscv64") == go.pie_check("linux", "riscv64")
    assert calls == [("list", "-buildmode=pie", ".")]


@pytest.mark.slow
def test_pie_support_differs_between_go_releases(tmp_path: Path) -> None:
    from tests.support.toolchains import goroot

    env = isolated_go_env(tmp_path, tmp_path / "gocache")
    new, old, oldest = (Go(goroot(v) / "bin" / "go", env) for v in ("1.27.3", "1.22.10", "1.21.13"))
    for goos, goarch in (("linux", "s390x"), ("linux", "loong64")):
        assert new.pie_check(goos, goarch).supported is True
        assert old.pie_check(goos, goarch).supported is False
    assert old.pie_check("windows", "arm").supported is True
    assert new.pie_check("windows", "arm").supported is False
    assert old.pie_check("linux", "amd64").supported is True
    # Go 1.21 refuses only the targets without PIE; for linux/386 it goes on to link externally (and fails there
    # without a C linker for the target), so the build reports that instead.
    assert oldest.pie_check("linux", "mips").supported is False
    assert oldest.pie_check("linux", "386").supported is True


def test_sbom_lists_what_the_binary_was_built_from_and_is_valid_cyclonedx(tmp_path: Path, go: Go) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    module = copy_fixture("hello", tmp_path)
    ctx = make_ctx(module, go=go, targets=("linux/amd64",), policy=parse("build:\n  sbom: true\n", "p.yml"))
    outcome = build_and_verify(ctx)
    assert not [f for f in outcome.build.findings + outcome.verify.findings if f.severity is Severity.ERROR]
    manifest = json.loads(outcome.manifest_path.read_text()) if outcome.manifest_path else {}
    [entry] = manifest["artifacts"]
    sbom_path = ctx.output_dir / entry["sbom"]
    text = sbom_path.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    bom = json.loads(text)
    main = bom["metadata"]["component"]
    assert main["hashes"] == [{"alg": "SHA-256", "content": entry["sha256"]}]
    props = {p["name"]: p["value"] for p in main["properties"]}
    assert props["go:build:CGO_ENABLED"] == "0" and props["go:build:-trimpath"] == "true"
    assert sbom_path.parent == ctx.output_dir  # beside the manifest: target directories hold binaries only


def test_a_private_gocache_builds_cold_and_leaves_the_shared_cache_untouched(
    tmp_path: Path, go: Go, go_shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = copy_fixture("hello", tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # not the machine's /tmp, shared with others

    def entries() -> list[str]:  # compiled objects and their metadata; the 00-ff directories are created by any go
        return sorted(p.name for p in go_shared_cache.rglob("*") if p.is_file() and p.name.endswith(("-a", "-d")))

    assert go.env  # `go env` itself records a few tool ids in GOCACHE: not the build's doing
    before = entries()
    ctx = make_ctx(module, go=go, targets=("linux/amd64",), policy=parse("build:\n  gocache: private\n", "p.yml"))
    lines: list[str] = []

    outcome = build_and_verify(ctx, progress=lines.append)

    assert [a.target for a in outcome.artifacts] == ["linux/amd64"]
    assert not [f for f in outcome.build.findings + outcome.verify.findings if f.severity is Severity.ERROR]
    assert entries() == before  # nothing compiled into it
    assert not list(Path(tempfile.gettempdir()).glob("gobaseline-gocache-*"))  # the private cache is gone


def test_an_import_stack_is_one_line_naming_both_ends_and_the_error() -> None:
    stderr = "\n".join(
        [
            "package example.com/m/cmd/app",
            "\timports example.com/m/a",
            "\timports example.com/m/b",
            "\timports example.com/needc: build constraints exclude all Go files in /m/vendor/example.com/needc",
            "package example.com/m/cmd/other (GOOS/GOARCH linux/amd64)",
            "\timports example.com/m/other: import cycle not allowed",
        ]
    )
    positions, other, stacks = parse_build_output(stderr, Path("/m"))
    assert (positions, other) == ([], [])
    assert stacks[0].chain == ("example.com/m/cmd/app", "example.com/m/a", "example.com/m/b", "example.com/needc")
    assert (
        stacks[0]
        .text()
        .startswith(
            "example.com/m/cmd/app imports example.com/needc (through 2 packages): build constraints exclude all Go "
            "files in vendor/example.com/needc (with CGO_ENABLED=0"
        )
    )
    assert stacks[1].text() == "example.com/m/cmd/other imports example.com/m/other: import cycle not allowed"


def test_a_main_that_needs_cgo_deep_down_is_named_with_the_package_that_needs_it(tmp_path: Path, go: Go) -> None:
    # A real go build: cmd/app -> a -> needc, whose only file uses cgo; CGO_ENABLED=0 leaves needc without files.
    module = tmp_path / "m"
    files = {
        "go.mod": "module example.com/m\n\ngo 1.26\n",
        "cmd/app/main.go": 'package main\n\nimport "example.com/m/a"\n\nfunc main() { a.F() }\n',
        "a/a.go": 'package a\n\nimport "example.com/m/needc"\n\nfunc F() { needc.F() }\n',
        "needc/c.go": 'package needc\n\n// #include <stdio.h>\nimport "C"\n\nfunc F() {}\n',
    }
    for rel, text in files.items():
        (module / rel).parent.mkdir(parents=True, exist_ok=True)
        (module / rel).write_text(text)
    out = build_and_verify(make_ctx(module, go=go, targets=("linux/amd64",)))
    [failure] = [f for f in out.build.findings if f.rule_id == "GB505"]
    assert failure.location is not None  # where the module's own code imports the way there
    assert (failure.location.path, failure.location.line, failure.location.column) == ("a/a.go", 3, 8)
    assert failure.message.startswith(
        "`go build` failed: example.com/m/cmd/app imports example.com/m/needc (through 1 package): build "
        "constraints exclude all Go files in needc (with CGO_ENABLED=0"
    ), failure.message
