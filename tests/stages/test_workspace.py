"""Workspaces: a go.work, or a repository with several go.mod files, is one run over every module; a path naming
one module narrows the run to it. Real go commands on generated repositories."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from gobaseline.golang.gotool import Go
from gobaseline.golang.workspace import discover, nested_modules, parse_lines
from gobaseline.model import CheckStatus, Finding, Location, Severity, Stage
from gobaseline.pipeline import RunOptions, RunResult, run
from gobaseline.policy import Policy, Waiver, load
from gobaseline.stages import gomod
from gobaseline.stages.context import make_context
from gobaseline.stages.packages import Root, common_prefix, route
from gobaseline.stages.record import RunRecord
from tests.support.gitrepo import git
from tests.support.goproxy import ModuleSpec, proxy_url, run_checked, tidy_and_download, write_proxy

MAIN = 'package main\n\nfunc main() { println("{name}") }\n'
USES_LIB = 'package main\n\nimport "example.com/lib"\n\nfunc main() { println(lib.Answer()) }\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def workspace(root: Path, *, work_extra: str = "") -> Path:
    """go.work over a library and two modules with a main each in cmd/tool (both named `tool`), one of them using
    the library through the workspace alone; a module under testdata/ that nothing may look at."""
    return write(
        root,
        {
            "go.work": f"go 1.26\n{work_extra}\nuse (\n\t./lib\n\t./svc/a\n\t./svc/b\n)\n",
            "lib/go.mod": "module example.com/lib\n\ngo 1.26\n",
            "lib/lib.go": "package lib\n\nfunc Answer() int { return 42 }\n",
            "svc/a/go.mod": "module example.com/a\n\ngo 1.26\n",
            "svc/a/cmd/tool/main.go": USES_LIB,
            "svc/b/go.mod": "module example.com/b\n\ngo 1.26\n",
            "svc/b/cmd/tool/main.go": MAIN.replace("{name}", "b"),
            "svc/b/testdata/nested/go.mod": "module example.com/nested\n\ngo 1.99\n",
            "svc/b/testdata/nested/main.go": "package main\n\nthis is not Go\n",
        },
    )


def several(root: Path) -> Path:
    """A repository root module with its own main, a tools/ module with another, both called `gen`, no go.work,
    and a broken module under testdata/."""
    return write(
        root,
        {
            "go.mod": "module example.com/repo\n\ngo 1.26\n",
            "cmd/gen/main.go": MAIN.replace("{name}", "root gen"),
            "tools/go.mod": "module example.com/repo/tools\n\ngo 1.26\n",
            "tools/cmd/gen/main.go": MAIN.replace("{name}", "tools gen"),
            "_old/go.mod": "module example.com/old\n\ngo 1.99\n",
            "testdata/broken/go.mod": "this is not a go.mod\n",
        },
    )


def go_run(
    path: Path, env: dict[str, str], *, build: bool = True, targets: tuple[str, ...] = ("linux/amd64",)
) -> RunResult:
    return run(RunOptions(path=path, build=build, targets=targets, environ=env, progress=lambda _line: None))


def errors(result: RunResult) -> list[Finding]:
    return [f for f in result.report.findings if f.severity is Severity.ERROR]


def test_a_go_work_is_one_run_over_every_module_built_as_one_workspace(tmp_path: Path, go_env: dict[str, str]) -> None:
    root = workspace(tmp_path / "ws")
    result = go_run(root, go_env, targets=("linux/amd64", "windows/amd64"))

    assert errors(result) == []
    ctx = result.context
    assert ctx.workspace == root / "go.work"
    assert [m.dir for m in ctx.modules] == [root / "lib", root / "svc/a", root / "svc/b"]
    # One report, one SHA256SUMS and one manifest; the two `tool` mains named below the common prefix.
    assert sorted(a.path for a in result.report.artifacts) == [
        "gobaseline-out/linux_amd64/a-cmd-tool",
        "gobaseline-out/linux_amd64/b-cmd-tool",
        "gobaseline-out/windows_amd64/a-cmd-tool.exe",
        "gobaseline-out/windows_amd64/b-cmd-tool.exe",
    ]
    sums = result.files["sha256sums"].read_text().splitlines()
    assert sorted(line.split("  ")[1] for line in sums) == [
        "linux_amd64/a-cmd-tool",
        "linux_amd64/b-cmd-tool",
        "windows_amd64/a-cmd-tool.exe",
        "windows_amd64/b-cmd-tool.exe",
    ]
    manifest = json.loads(result.files["manifest"].read_text())
    assert manifest["modules"] == ["example.com/a", "example.com/b", "example.com/lib"]
    assert {e["package"] for e in manifest["artifacts"]} == {"./svc/a/cmd/tool", "./svc/b/cmd/tool"}
    # go builds the workspace as one, from its root; admission ran per module.
    facts = result.report.environment
    assert "cd " not in facts["build_command linux/amd64"]
    assert {facts[f"module ({d})"] for d in ("lib", "svc/a", "svc/b")} == {
        "example.com/lib",
        "example.com/a",
        "example.com/b",
    }
    names = {c.name for c in result.report.checks if c.stage is Stage.GOMOD}
    assert {"go-directive (lib)", "go-directive (svc/b)", "go-directive (go.work)"} <= names
    assert not any("testdata" in f.location.path for f in result.report.findings if f.location is not None)


def test_several_go_mod_files_without_go_work_each_build_from_their_own_directory(
    tmp_path: Path, go_env: dict[str, str]
) -> None:
    root = several(tmp_path / "repo")
    git(root, "init", "-q")
    result = go_run(root, go_env)

    assert errors(result) == []
    assert result.context.workspace is None
    assert [m.dir for m in result.context.modules] == [root, root / "tools"]  # not _old/ nor testdata/
    assert sorted(a.path for a in result.report.artifacts) == [
        "gobaseline-out/linux_amd64/cmd-gen",
        "gobaseline-out/linux_amd64/tools-cmd-gen",
    ]
    manifest = json.loads(result.files["manifest"].read_text())
    assert {e["package"] for e in manifest["artifacts"]} == {"./cmd/gen", "./tools/cmd/gen"}
    command = result.report.environment["build_command linux/amd64"]
    assert "cd tools && go build" in command
    checks = {c.name for c in result.report.checks if c.stage is Stage.MODCACHE}
    assert {"build-list (.)", "build-list (tools)"} <= checks


def test_nested_modules_ignore_covers_the_root_module_alone(tmp_path: Path, go_env: dict[str, str]) -> None:
    # As `go build ./...` sees it: the nested tools/ module (here with a go line no baseline allows) is not looked at.
    root = several(tmp_path / "repo")
    (root / "tools" / "go.mod").write_text("module example.com/repo/tools\n\ngo 1.19\n", encoding="utf-8")
    (root / ".gobaseline.yml").write_text("nested_modules: ignore\n", encoding="utf-8")
    git(root, "init", "-q")
    result = go_run(root, go_env)

    assert errors(result) == []
    assert [m.dir for m in result.context.modules] == [root]
    assert [a.path for a in result.report.artifacts] == ["gobaseline-out/linux_amd64/gen"]
    (root / ".gobaseline.yml").write_text("nested_modules: include\n", encoding="utf-8")
    included = go_run(root, go_env, build=False)
    assert [m.dir for m in included.context.modules] == [root, root / "tools"]
    assert [(f.rule_id, str(f.location)) for f in errors(included)] == [("GB402", "tools/go.mod:3:1")]


@pytest.mark.parametrize("work", [True, False], ids=["go.work", "several go.mod"])
def test_a_library_module_beside_a_main_is_compiled_for_every_target(
    tmp_path: Path, go_env: dict[str, str], work: bool
) -> None:
    root = write(
        tmp_path / "ws",
        {
            "app/go.mod": "module example.com/app\n\ngo 1.26\n",
            "app/main.go": MAIN.replace("{name}", "app"),
            "lib/go.mod": "module example.com/lib\n\ngo 1.26\n",
            "lib/lib.go": "package lib\n\nfunc Answer() int { return 42 }\n",
            "lib/win/win.go": '//go:build windows\n\npackage win\n\nfunc Broken() int { return "no" }\n',
        },
    )
    if work:
        (root / "go.work").write_text("go 1.26\n\nuse (\n\t./app\n\t./lib\n)\n", encoding="utf-8")
    result = go_run(root, go_env, targets=("linux/amd64", "windows/amd64"))

    assert (result.context.workspace is not None) is work
    # The library's compile error, at its line, on the one target whose constraints include the file.
    [error] = errors(result)
    assert error.rule_id == "GB501" and error.target == "windows/amd64"
    assert error.location is not None and (error.location.path, error.location.line) == ("lib/win/win.go", 5)
    [note] = [f for f in result.report.findings if f.rule_id == "GB506"]
    assert note.severity is Severity.NOTE
    assert "example.com/lib (lib) has no main package" in note.message and "example.com/app" not in note.message
    # The module with a main is built as before; the library is compiled on every target, writing nothing.
    assert [a.path for a in result.report.artifacts] == ["gobaseline-out/linux_amd64/app"]
    command = result.report.environment["build_command linux/amd64"]
    assert ("go build -trimpath" in command and "./lib/..." in command) if work else "cd lib && go build" in command
    assert not (root / "gobaseline-out/linux_amd64/lib").exists()


def test_a_go_work_toolchain_line_newer_than_the_go_in_use_is_reported_at_its_line(
    tmp_path: Path, go_env: dict[str, str]
) -> None:
    root = workspace(tmp_path / "ws", work_extra="\ntoolchain go1.99.1\n")
    result = go_run(root, go_env, build=False)

    switch = [f for f in result.report.findings if f.rule_id == "GB110"]
    assert [(f.location.path, f.location.line) for f in switch if f.location] == [("go.work", 3)]
    assert "go.work line `toolchain go1.99.1`" in switch[0].message
    # The go.mod stage checks go.work's lines as go.mod's (a newer release is inside the baseline: GB110 says it).
    ran = {c.name for c in result.report.checks if c.stage is Stage.GOMOD and c.status.value == "passed"}
    assert {"go-directive (go.work)", "toolchain-directive (go.work)"} <= ran


def test_a_go_work_toolchain_line_outside_the_baseline_is_gb403_at_go_work(tmp_path: Path, go: Go) -> None:
    root = workspace(tmp_path / "ws", work_extra="\ntoolchain go1.20.1\n")
    result = gomod.run(make_context(root, policy=Policy(), go=go, targets=None, output=None))
    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings if f.location] == [
        ("GB403", "go.work", 3)
    ]
    assert "go work edit -toolchain=" in result.findings[0].message


def test_a_go_work_go_line_outside_the_baseline_is_gb402_with_the_go_work_fix(tmp_path: Path, go: Go) -> None:
    root = workspace(tmp_path / "ws")
    (root / "go.work").write_text((root / "go.work").read_text().replace("go 1.26", "go 1.20"))
    result = gomod.run(make_context(root, policy=Policy(), go=go, targets=None, output=None))
    [finding] = [f for f in result.findings if f.rule_id == "GB402"]
    assert finding.location is not None and (finding.location.path, finding.location.line) == ("go.work", 1)
    assert "Change it with `go work edit -go=" in finding.message and "go mod" not in finding.message


def test_a_go_work_replace_is_checked_like_go_mod_s_at_its_go_work_line(tmp_path: Path, go: Go) -> None:
    # go.work's replace lines win over every module's: a public module swapped there needs a waiver too.
    extra = "\nreplace example.com/public v1.0.0 => example.com/fork v1.0.0\n\nreplace example.com/local => ./lib\n"
    root = workspace(tmp_path / "ws", work_extra=extra)
    result = gomod.run(make_context(root, policy=Policy(), go=go, targets=None, output=None))
    found = [(f.rule_id, f.location.path, f.location.line) for f in result.findings if f.location]
    assert ("GB404", "go.work", 3) in found and ("GB405", "go.work", 5) in found
    later = dt.date.today() + dt.timedelta(days=30)
    waived = Policy(waivers=(Waiver("example.com/public", "sec-team", "SEC-1", later, 1),))
    result = gomod.run(make_context(root, policy=waived, go=go, targets=None, output=None))
    assert "GB404" not in {f.rule_id for f in result.findings}


def test_a_go_work_replace_is_suppressed_by_a_comment_on_its_line(tmp_path: Path, go: Go) -> None:
    comment = "// gobaseline:ignore GB404 fork carries our fix (OPS-12)"
    extra = f"\n{comment}\nreplace example.com/public => example.com/fork v1.0.0\n"
    root = workspace(tmp_path / "ws", work_extra=extra)
    ctx = make_context(root, policy=Policy(), go=go, targets=None, output=None)
    record = RunRecord(ctx)
    record.add(gomod.run(ctx))
    [gb404] = [f for f in record.report().findings if f.rule_id == "GB404"]
    assert gb404.severity is Severity.NOTE and gb404.message.endswith(
        "Suppressed in go.work: fork carries our fix (OPS-12)."
    )


DEP = ModuleSpec(
    "example.com/dep", "v1.0.0", {"dep.go": "package dep\n\nconst N = 1\n"}, "module example.com/dep\n\ngo 1.26\n"
)


def with_dependency(tmp_path: Path, go: Go) -> tuple[Path, Path]:
    """The workspace, its svc/b requiring and importing example.com/dep from a file:// proxy (go.sum tidied in
    svc/b alone before go.work existed); the workspace root and the proxy."""
    proxy = write_proxy(tmp_path / "proxy", [DEP])
    root = workspace(tmp_path / "ws")
    work = (root / "go.work").read_bytes()
    (root / "go.work").unlink()
    b = root / "svc/b"
    (b / "go.mod").write_text("module example.com/b\n\ngo 1.26\n\nrequire example.com/dep v1.0.0\n")
    (b / "cmd/tool/main.go").write_text('package main\n\nimport "example.com/dep"\n\nfunc main() { println(dep.N) }\n')
    tidy_and_download(go, b, proxy)
    (root / "go.work").write_bytes(work)
    return root, proxy


def test_a_workspace_build_list_is_downloaded_and_checked_against_every_go_sum(
    tmp_path: Path, go: Go, go_env: dict[str, str]
) -> None:
    root, proxy = with_dependency(tmp_path, go)
    fresh = {**go_env, "GOPROXY": proxy_url(proxy), "GOMODCACHE": str(tmp_path / "fresh-modcache")}
    result = go_run(root, fresh)

    assert errors(result) == []
    assert result.report.environment["modcache_modules"] == "1"
    assert result.report.environment["modcache_hashed"] == "1"
    assert len(result.report.artifacts) == 2

    # A go.sum line that pins other bits: the download is refused, at that module's go.sum line.
    gosum = root / "svc/b/go.sum"
    lines = gosum.read_text().splitlines()
    n = next(i for i, line in enumerate(lines, 1) if "/go.mod" not in line)
    lines[n - 1] = lines[n - 1].rsplit(" ", 1)[0] + " h1:" + "A" * 43 + "="
    gosum.write_text("\n".join(lines) + "\n")
    fresh["GOMODCACHE"] = str(tmp_path / "fresh-modcache-2")
    tampered = go_run(root, fresh)
    security = [f for f in tampered.report.findings if f.rule_id == "GB210"]
    assert [(f.location.path, f.location.line) for f in security if f.location] == [("svc/b/go.sum", n)]


def test_a_workspace_vendored_by_go_work_vendor_is_checked_as_vendored_and_builds_offline(
    tmp_path: Path, go: Go, go_env: dict[str, str]
) -> None:
    root, _proxy = with_dependency(tmp_path, go)
    run_checked(go, ["work", "vendor"], root)
    empty = tmp_path / "empty-modcache"
    empty.mkdir()
    offline = {**go_env, "GOPROXY": "off", "GOMODCACHE": str(empty)}
    result = go_run(root, offline)

    assert errors(result) == []
    checks = {c.name: c.status for c in result.report.checks if c.stage is Stage.MODCACHE}
    assert checks["vendor-consistent"] is CheckStatus.PASSED
    assert checks["module-download"] is CheckStatus.SKIPPED and checks["hash-compiled-source"] is CheckStatus.SKIPPED
    assert len(result.report.artifacts) == 2
    assert list(empty.iterdir()) == []  # nothing was looked up or downloaded

    # vendor/modules.txt disagreeing with a go.mod of the workspace: Go's own explanation, at the modules.txt line
    # and naming the go.mod line; the build does not run.
    modules_txt = root / "vendor/modules.txt"
    lines = modules_txt.read_text().splitlines(keepends=True)
    at = lines.index("# example.com/dep v1.0.0\n") + 1
    modules_txt.write_text("".join(line for line in lines if not line.startswith("## explicit")))
    required = (root / "svc/b/go.mod").read_text().splitlines().index("require example.com/dep v1.0.0") + 1
    result = go_run(root, offline)
    [finding] = errors(result)
    assert finding.rule_id == "GB207" and finding.location == Location("vendor/modules.txt", at)
    assert "example.com/dep@v1.0.0: is explicitly required in go.mod, but not marked as explicit" in finding.message
    assert f"(svc/b/go.mod line {required})" in finding.message
    assert finding.message.endswith("Run `go work vendor` and commit the result.")
    assert result.report.artifacts == ()


def test_a_go_mod_finding_in_the_second_module_points_at_that_go_mod(tmp_path: Path, go: Go) -> None:
    root = several(tmp_path / "repo")
    (root / "tools/go.mod").write_text(
        "module example.com/repo/tools\n\ngo 1.26\n\nreplace example.com/x => ../x\n", encoding="utf-8"
    )
    ctx = make_context(root, policy=Policy(), go=go, targets=None, output=None)
    result = gomod.run(ctx)

    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings if f.location] == [
        ("GB405", "tools/go.mod", 5)
    ]
    assert {"replace-local (.)", "replace-local (tools)", "waivers"} <= {c.name for c in result.checks}


def test_a_nested_module_s_own_policy_file_is_not_named_when_the_run_s_is_in_force(tmp_path: Path, go: Go) -> None:
    root = several(tmp_path / "repo")
    (root / ".gobaseline.yml").write_text("targets: [linux/amd64]\n", encoding="utf-8")
    (root / "tools/.gobaseline.yml").write_text("targets: [linux/arm64]\n", encoding="utf-8")  # not read
    (root / "tools/go.mod").write_text(
        "module example.com/repo/tools\n\ngo 1.26\n\nreplace example.com/x => ../x\n"
        "replace example.com/y => example.com/fork v1.0.0\n",
        encoding="utf-8",
    )
    policy = load(None, root)
    result = gomod.run(make_context(root, policy=policy, go=go, targets=None, output=None))

    messages = {f.rule_id: f.message for f in result.findings}
    assert set(messages) == {"GB404", "GB405"}
    for message in messages.values():
        assert message.endswith("to .gobaseline.yml.") and "tools/.gobaseline.yml" not in message


def test_a_path_naming_one_module_of_a_workspace_narrows_the_run_to_it(tmp_path: Path, go_env: dict[str, str]) -> None:
    root = workspace(tmp_path / "ws")
    result = go_run(root / "svc/b", go_env)

    assert errors(result) == []
    assert result.context.workspace is None
    assert [m.dir for m in result.context.modules] == [root / "svc/b"]
    # The module is checked on its own (GOWORK=off: our -mod=mod is not refused) and its one main keeps Go's name.
    assert [a.path for a in result.report.artifacts] == ["gobaseline-out/linux_amd64/tool"]
    assert not any(c.name.endswith(")") for c in result.report.checks)


def test_discovery_asks_go_which_go_work_applies(tmp_path: Path, go: Go) -> None:
    root = workspace(tmp_path / "ws")
    assert discover(root, root, go).work == root / "go.work"
    assert discover(root / "svc/a", root, go).dirs == (root / "svc/a",)
    assert discover(root, root, None).dirs == (root / "lib", root / "svc/a", root / "svc/b")  # no go: the go.mod files
    assert nested_modules(root / "svc/b") == [root / "svc/b"]


def test_go_work_version_lines_keep_their_positions() -> None:
    lines = parse_lines(b"// a workspace\ngo 1.23.4\n\ntoolchain go1.24.1\n\nuse ./a\n")
    assert (lines.go and lines.go.version, lines.go and lines.go.line) == ("1.23.4", 2)
    assert (lines.toolchain and lines.toolchain.name, lines.toolchain and lines.toolchain.line) == ("go1.24.1", 4)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (("./...",), {".": ("./...",), "tools": ("./...",), "svc/x": ("./...",)}),
        (("./cmd/...",), {".": ("./cmd/...",)}),
        (("./tools/cmd/gen",), {"tools": ("./cmd/gen",)}),
        (("./svc/...",), {".": ("./svc/...",), "svc/x": ("./...",)}),
        (("./svc/x",), {"svc/x": (".",)}),
        (
            ("example.com/repo/tools/cmd/gen", "example.com/repo/cmd/gen"),
            {"tools": ("example.com/repo/tools/cmd/gen",), ".": ("example.com/repo/cmd/gen",)},
        ),
    ],
)
def test_patterns_go_to_the_module_that_holds_them(
    tmp_path: Path, patterns: tuple[str, ...], expected: dict[str, tuple[str, ...]]
) -> None:
    modules = {
        tmp_path: "example.com/repo",
        tmp_path / "tools": "example.com/repo/tools",
        tmp_path / "svc/x": "example.com/x",
    }
    got = {r.dir.relative_to(tmp_path).as_posix(): r.patterns for r in route(tmp_path, modules, patterns)}
    assert got == expected
    assert all(isinstance(r, Root) for r in route(tmp_path, modules, patterns))


def test_renamed_binaries_are_named_below_the_modules_common_prefix() -> None:
    assert common_prefix(["example.com/a", "example.com/b"]) == "example.com"
    assert common_prefix(["github.com/o/r", "github.com/o/r/tools"]) == "github.com/o/r"
    assert common_prefix(["example.com/foo", "example.com/foobar"]) == "example.com"
    assert common_prefix(["example.com/one"]) == "example.com/one"


def test_the_module_walk_skips_what_go_skips_and_never_enters_a_link(tmp_path: Path) -> None:
    for d in ("a", "b/c", "testdata/t", "_x", ".hidden", "vendor/v", "elsewhere/m"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "go.mod").write_text(f"module example.com/{d}\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    assert nested_modules(tmp_path) == [tmp_path / "a", tmp_path / "b/c", tmp_path / "elsewhere/m"]


@pytest.mark.parametrize("gocache", ["shared", "private"])
def test_the_packages_are_listed_once_per_root_and_target_up_front_or_by_the_build(
    tmp_path: Path, go_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, gocache: str
) -> None:
    # Listed in the background while admission runs (the shared cache), or by the build stage with the build
    # cache it sets up (a private one): once either way, with the same outcome.
    root = several(tmp_path / "repo")
    (root / ".gobaseline.yml").write_text(f"build:\n  gocache: {gocache}\n", encoding="utf-8")
    git(root, "init", "-q")
    listed: list[tuple[Path, str]] = []
    real = Go.list_packages

    def counting(self: Go, module_dir: Path, patterns: Any, *, extra_env: Any = None) -> Any:
        listed.append((module_dir, (extra_env or {}).get("GOOS", "")))
        return real(self, module_dir, patterns, extra_env=extra_env)

    monkeypatch.setattr(Go, "list_packages", counting)
    result = go_run(root, go_env, targets=("linux/amd64", "windows/amd64"))
    assert not errors(result)
    assert sorted(listed) == sorted((d, goos) for d in (root, root / "tools") for goos in ("linux", "windows"))
    assert sorted(a.path for a in result.report.artifacts) == [
        "gobaseline-out/linux_amd64/cmd-gen",
        "gobaseline-out/linux_amd64/tools-cmd-gen",
        "gobaseline-out/windows_amd64/cmd-gen.exe",
        "gobaseline-out/windows_amd64/tools-cmd-gen.exe",
    ]
