"""Every main package per target, as go list names them: real repositories of the shapes people have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gobaseline.golang.gotool import Go
from gobaseline.model import Severity
from gobaseline.stages.packages import unique_name
from tests.conftest import make_ctx
from tests.support.stages import build_and_verify

TARGETS = ("linux/amd64", "windows/amd64")
MAIN = 'package main\n\nfunc main() { println("{name}") }\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def service_repo(root: Path) -> Path:
    """cmd/ layout: a server, a Windows-only tool, two mains both called `example`, a library, a directory of
    tests only (package main), and testdata go ignores."""
    return write(
        root,
        {
            "go.mod": "module example.com/svc\n\ngo 1.21\n",
            "cmd/server/main.go": MAIN.replace("{name}", "server"),
            "cmd/winonly/main.go": "//go:build windows\n\n" + MAIN.replace("{name}", "win"),
            "cmd/example/main.go": MAIN.replace("{name}", "cmd example"),
            "examples/example/main.go": MAIN.replace("{name}", "examples example"),
            "internal/lib/lib.go": "package lib\n\nfunc Answer() int { return 42 }\n",
            "tools/onlytests/x_test.go": 'package main\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
            "testdata/fake/main.go": MAIN.replace("{name}", "not built"),
        },
    )


def test_every_main_package_per_target_with_names_that_never_collide(tmp_path: Path, go: Go) -> None:
    module = service_repo(tmp_path / "svc")
    out = build_and_verify(make_ctx(module, go=go, targets=TARGETS))

    problems = [f for f in out.build.findings + out.verify.findings if f.severity is Severity.ERROR]
    assert problems == []
    built = sorted(a.path for a in out.artifacts)
    assert built == [
        "gobaseline-out/linux_amd64/cmd-example",
        "gobaseline-out/linux_amd64/examples-example",
        "gobaseline-out/linux_amd64/server",
        "gobaseline-out/windows_amd64/cmd-example.exe",
        "gobaseline-out/windows_amd64/examples-example.exe",
        "gobaseline-out/windows_amd64/server.exe",
        "gobaseline-out/windows_amd64/winonly.exe",
    ]
    assert out.sums_path is not None and out.manifest_path is not None
    sums = sorted(line.split("  ")[1] for line in out.sums_path.read_text().splitlines())
    assert sums == sorted(p.removeprefix("gobaseline-out/") for p in built)
    manifest = json.loads(out.manifest_path.read_text())
    assert {(e["package"], e["path"]) for e in manifest["artifacts"] if e["target"] == "linux/amd64"} == {
        ("./cmd/example", "linux_amd64/cmd-example"),
        ("./examples/example", "linux_amd64/examples-example"),
        ("./cmd/server", "linux_amd64/server"),
    }


def test_a_main_package_its_constraints_exclude_is_not_built_on_that_target(tmp_path: Path, go: Go) -> None:
    module = service_repo(tmp_path / "svc")
    lines: list[str] = []
    out = build_and_verify(make_ctx(module, go=go, targets=TARGETS), packages=("./cmd/winonly",), progress=lines.append)
    assert [f for f in out.build.findings if f.severity is Severity.ERROR] == []
    assert [a.path for a in out.artifacts] == ["gobaseline-out/windows_amd64/winonly.exe"]
    assert out.build.facts["excluded linux/amd64"] == "./cmd/winonly"
    assert "build linux/amd64: no main package is built for this target (build constraints)" in lines


def test_a_library_is_compiled_for_every_target_with_errors_once(tmp_path: Path, go: Go) -> None:
    lib = write(
        tmp_path / "lib",
        {
            "go.mod": "module example.com/lib\n\ngo 1.21\n",
            "lib.go": "package lib\n\nfunc Answer() int { return 42 }\n",
            "sub/sub.go": 'package sub\n\nfunc Broken() int { return "no" }\n',
        },
    )
    out = build_and_verify(make_ctx(lib, go=go, targets=TARGETS))
    rules = sorted(f.rule_id for f in out.build.findings)
    assert rules == ["GB501", "GB506"]  # one compile error for both targets, and the note; never GB505
    [error] = [f for f in out.build.findings if f.rule_id == "GB501"]
    assert error.location is not None and (error.location.path, error.location.line) == ("sub/sub.go", 3)
    assert "linux/amd64, windows/amd64" in error.message and error.target is None
    assert out.artifacts == []

    (lib / "sub" / "sub.go").write_text("package sub\n\nfunc Fine() int { return 1 }\n")
    out = build_and_verify(make_ctx(lib, go=go, targets=TARGETS))
    assert [f.rule_id for f in out.build.findings] == ["GB506"]
    assert out.build.findings[0].severity is Severity.NOTE


def test_explicit_patterns_that_name_no_main_package_say_what_to_set(tmp_path: Path, go: Go) -> None:
    module = service_repo(tmp_path / "svc")
    out = build_and_verify(make_ctx(module, go=go, targets=TARGETS), packages=("./internal/...",))
    [finding] = out.build.findings
    assert finding.rule_id == "GB505" and "build.packages" in finding.message and "./cmd/..." in finding.message
    out = build_and_verify(make_ctx(module, go=go, targets=TARGETS), packages=(".",))
    [finding] = out.build.findings
    assert finding.rule_id == "GB505" and "no Go files" in finding.message and "./cmd/..." in finding.message


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("example.com/svc/cmd/example", "cmd-example"),
        ("example.com/svc/tools/v2", "tools-v2"),
        ("example.com/svc", "svc"),
        ("other.example/cmd/example", "other.example-cmd-example"),
    ],
)
def test_the_collision_names_come_from_the_import_path(path: str, name: str) -> None:
    assert unique_name(path, "example.com/svc") == name
