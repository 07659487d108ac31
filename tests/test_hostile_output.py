"""A repository cannot inject workflow commands into the job log: policy values, go.mod content, paths and go's
own output with CR/LF, `::` and `##[` in them, through a real `gobaseline run` on a GitHub runner's
environment (annotations printed, nothing posted)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gobaseline import console
from gobaseline.cli import main
from gobaseline.forges.github.commands import is_command

REPO = Path(__file__).resolve().parents[1]
PIECES = [
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "::",
    "::error::x",
    "::stop-commands::t",
    "##[group]",
    "##[set-output name=a;]b",
]
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text("ab ./:-_", max_size=3)), min_size=1, max_size=6).map(
    "".join
)
WORST = "x\n::error::a\r::stop-commands::t\u2028##[group]g\r\n  ::warning::w"
SETTINGS = settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def runner_env(monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]) -> None:
    """A GitHub Actions job's environment around the isolated Go environment."""
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "GITLAB_", "CI_", "GOBASELINE_", "GO")):
            monkeypatch.delenv(key, raising=False)
    for key, value in {**go_env, "GITHUB_ACTIONS": "true"}.items():
        monkeypatch.setenv(key, value)


def printed_by(argv: list[str]) -> tuple[int, list[str]]:
    """Exit code and every line `gobaseline ARGV` printed on stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue().splitlines() + err.getvalue().splitlines()


def injected(lines: list[str]) -> list[str]:
    """Lines that would run a command the repository chose: a `::` line that is not exactly one of our own
    escaped commands, or a legacy `##[` outside one."""
    return [
        line
        for line in lines
        if not is_command(line, console.OWN_COMMANDS) and (line.lstrip().startswith("::") or "##[" in line)
    ]


def module(base: Path, gomod: str = "") -> Path:
    dst = base / "hello"
    shutil.copytree(REPO / "examples" / "hello", dst)
    if gomod:
        (dst / "go.mod").write_text(gomod, encoding="utf-8")
    return dst


@SETTINGS
@given(packages=hostile, ldflags=hostile, outdir=hostile)
@example(packages=WORST, ldflags=WORST, outdir=WORST)
def test_policy_values_print_no_command_in_4_hostile_runs(
    runner_env: None, packages: str, ldflags: str, outdir: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mod = module(Path(tmp))
        policy = {
            "build": {"packages": [f"./missing{packages}"], "ldflags": ["-X", f"main.version={ldflags}"]},
            "output": {"dir": f"out{outdir}"},
        }
        (mod / ".gobaseline.yml").write_text(yaml.safe_dump(policy), encoding="utf-8")
        code, lines = printed_by(["run", str(mod), "--no-publish", "--targets", "linux/amd64"])
    assert code in (1, 2, 3), lines
    # The hostile package pattern reaches the log (in go's own error about it), made harmless.
    assert any("GB505" in line and "missing" in line for line in lines) or code == 3, lines
    assert injected(lines) == []


@SETTINGS
@given(path=hostile, comment=hostile)
@example(path=WORST, comment=WORST)
def test_go_mod_content_and_go_output_print_no_command_in_4_hostile_runs(
    runner_env: None, path: str, comment: str
) -> None:
    one_line_comment = comment.replace("\n", " ").replace("\r", " ").replace("\u2028", " ")
    gomod = (
        "module example.com/hello\n\ngo 1.26\n\n"
        f"require example.com/dep v1.0.0 // {one_line_comment}\n"
        f"replace example.com/dep => {json.dumps('../' + path)}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        mod = module(Path(tmp), gomod)
        code, lines = printed_by(["run", str(mod), "--no-publish", "--no-build"])
    assert code in (1, 2, 3), lines
    assert any(" GB405 " in line for line in lines) or code == 3, lines
    assert injected(lines) == []
