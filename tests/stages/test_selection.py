"""The build starts on the guessed main packages while `go list` lists them, and keeps that build only when the
list says the same; the guess itself (files' first lines) and where it abstains."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import pytest

from gobaseline.golang import gofiles
from gobaseline.golang.gotool import Go
from gobaseline.stages import Context, StageResult, build, selection
from gobaseline.stages.packages import Selection
from tests.conftest import make_ctx
from tests.support.stages import build_and_verify

MAIN = 'package main\n\nfunc main() { println("hi") }\n'


def module(root: Path, files: dict[str, str]) -> Path:
    for rel, text in {"go.mod": "module example.com/m\n\ngo 1.26\n", **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def mains(found: Selection | None, target: str = "linux/amd64") -> list[str] | None:
    return None if found is None else [m.import_path for m in found.mains[target]]


@pytest.mark.parametrize(
    ("text", "package", "constrained"),
    [
        ("package main\n", "main", False),
        ("// Copyright\n/* a\nlong\nlicence */\n\npackage tool // the tool\n", "tool", False),
        ("/* one line */ package x\n", "x", False),
        ("//go:build linux\n\npackage main\n", "main", True),
        ("// +build ignore\n\npackage main\n", "main", True),
        ('import "fmt"\n', None, False),
        ("", None, False),
    ],
)
def test_a_file_s_header_says_its_package_and_any_constraint(
    tmp_path: Path, text: str, package: str | None, constrained: bool
) -> None:
    (tmp_path / "f.go").write_text(text, encoding="utf-8")
    assert gofiles.header(tmp_path / "f.go") == gofiles.Header(package, constrained)


@pytest.mark.parametrize(
    ("name", "constrained"),
    [
        ("main_linux.go", True),
        ("x_windows_amd64.go", True),
        ("x_arm64_test.go", True),
        ("http_server.go", False),
        ("linux.go", False),
        ("x_test.go", False),
    ],
)
def test_a_file_name_suffix_is_a_constraint(name: str, constrained: bool) -> None:
    assert gofiles.name_constrained(name) is constrained


def test_the_guess_reads_every_main_package_in_go_s_order(tmp_path: Path) -> None:
    root = module(
        tmp_path / "m",
        {
            "main.go": MAIN,
            "cmd/b/main.go": MAIN,
            "cmd/a/main.go": MAIN,
            "cmd/a/main_test.go": "package main_test\n",
            "lib/lib.go": "//go:build linux\n\npackage lib\n",  # a constrained library is still no main
            "testdata/t/main.go": MAIN,
            "_old/main.go": MAIN,
            "nested/go.mod": "module example.com/nested\n",
            "nested/main.go": MAIN,
            "tests/only_test.go": "package tests\n",
        },
    )
    found = selection.guess(make_ctx(root, targets=("linux/amd64", "windows/amd64")))
    assert mains(found) == ["example.com/m", "example.com/m/cmd/a", "example.com/m/cmd/b"]
    assert found is not None and found.mains["windows/amd64"] == found.mains["linux/amd64"]


@pytest.mark.parametrize(
    "files",
    [
        {"cmd/w/main.go": "//go:build windows\n\npackage main\n"},
        {"cmd/w/main_windows.go": MAIN},
        {"gen/gen.go": "//go:build ignore\n\npackage main\n", "gen/lib.go": "package gen\n"},
        {"odd/x.go": "// only a comment\n"},
    ],
)
def test_the_guess_abstains_where_a_constraint_or_an_odd_file_could_decide(
    tmp_path: Path, files: dict[str, str]
) -> None:
    assert selection.guess(make_ctx(module(tmp_path / "m", {"main.go": MAIN, **files}))) is None


def test_the_guess_abstains_for_explicit_patterns(tmp_path: Path) -> None:
    assert selection.guess(make_ctx(module(tmp_path / "m", {"main.go": MAIN}), packages=("./cmd/...",))) is None


LINES: list[str] = []


def _run_with_a_slow_list(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> tuple[StageResult, list[int]]:
    """The build stage with the packages listed up front, the list held back until the guessed build has
    started (so the build stage sees it still loading), as when admission is quick."""
    LINES.clear()
    started = threading.Event()
    real = build._compile
    calls: list[int] = []

    def compile_(*args: object, **kwargs: object) -> object:
        calls.append(len(args[2]))  # type: ignore[arg-type]
        started.set()
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "_compile", compile_)
    listed: Future[Selection | None] = Future()

    def list_later() -> None:
        started.wait(60)  # a bound so a broken guess cannot hang the test; it then lists as usual
        listed.set_result(selection.list_up_front(ctx))

    threading.Thread(target=list_later, daemon=True).start()
    out = build_and_verify(replace(ctx, selection=listed, progress=LINES.append))
    return out.build, calls


def test_a_right_guess_is_the_build_and_each_target_builds_once(
    tmp_path: Path, go: Go, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = module(tmp_path / "m", {"cmd/a/main.go": MAIN, "cmd/b/main.go": MAIN})
    ctx = make_ctx(root, go=go, targets=("linux/amd64", "windows/amd64"))
    result, calls = _run_with_a_slow_list(ctx, monkeypatch)
    assert result.findings == [] and calls == [2]  # one compile of both targets, started before the list was in
    assert result.facts["build_started_early"].startswith("yes")
    said = sorted(line.split(":")[0] for line in LINES if "still running" not in line)  # no heartbeat
    assert said == ["build linux/amd64"] * 2 + ["build windows/amd64"] * 2  # start and end, said once confirmed
    assert result.built is not None
    assert sorted(b.path.name for b in result.built.binaries) == ["a", "a.exe", "b", "b.exe"]


def test_a_wrong_guess_is_thrown_away_and_its_extra_binary_removed(
    tmp_path: Path, go: Go, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cmd/c is cgo only: with CGO_ENABLED=0 the go command leaves it out, which the guess cannot see.
    cgo = 'package main\n\nimport "C"\n\nfunc main() {}\n'
    root = module(tmp_path / "m", {"cmd/a/main.go": MAIN, "cmd/c/main.go": cgo})
    ctx = make_ctx(root, go=go)
    result, calls = _run_with_a_slow_list(ctx, monkeypatch)
    assert calls == [1, 1]  # the guessed build, then the listed one
    assert "build_started_early" not in result.facts
    assert result.findings == [], result.findings  # the guessed build's failure on cmd/c is not reported
    assert not [line for line in LINES if "failed" in line], LINES  # nor said in the progress lines
    assert [line for line in LINES if line.startswith("build linux/amd64: done")], LINES
    out = root / "gobaseline-out" / "linux_amd64"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a"]
    assert result.built is not None and [b.path.name for b in result.built.binaries] == ["a"]
