"""What the command line imports: `--version` nothing, `--help` nothing beyond argparse, `check` no forge,
report format or binary parser library. Each runs in a fresh interpreter and compares `sys.modules`, never a time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gobaseline import __version__
from gobaseline.cli import build_parser, main

HEAVY = (
    "github",
    "gitlab",
    "requests",
    "sarif_om",
    "jsonschema",
    "cyclonedx",
    "elftools",
    "pefile",
    "macholib",
    "gobaseline.formats.sarif",
    "gobaseline.formats.json_report",
    "gobaseline.binaries",
    "gobaseline.stages.build",
    "gobaseline.stages.verify",
    "gobaseline.stages.sbom",
)


def _modules(code: str, cwd: Path | None = None) -> dict[str, list[str]]:
    """Run `code` in a fresh interpreter; its last line is a JSON object of lists of names."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], check=False, capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return out


def test_version_imports_nothing() -> None:
    found = _modules(
        """
        import contextlib, io, json, sys

        before = set(sys.modules)
        from gobaseline.cli import main

        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(["--version"])
        print(json.dumps({"added": sorted(set(sys.modules) - before), "out": [out.getvalue(), str(code)]}))
        """
    )
    assert found["added"] == ["__future__", "gobaseline", "gobaseline.cli"]  # __future__: a few lines
    assert found["out"] == [f"gobaseline {__version__}\n", "0"]


def test_version_prints_what_the_parser_would(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--version"])
    assert exc.value.code == 0
    by_parser = capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == by_parser


def test_help_imports_only_argparse() -> None:
    found = _modules(
        """
        import argparse, contextlib, io, json, sys

        # What argparse itself imports to print a help text, so that only what the CLI adds is left.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            argparse.ArgumentParser(prog="x").parse_args(["--help"])
        before = set(sys.modules)
        from gobaseline.cli import main

        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
            main(["--help"])
        print(json.dumps({"added": sorted(set(sys.modules) - before), "out": [out.getvalue()]}))
        """
    )
    assert found["added"] == ["__future__", "gobaseline", "gobaseline.cli"]
    assert "COMMAND" in found["out"][0]


def test_check_imports_no_forge_format_or_binary_library(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/lazy\n\ngo 1.26\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    found = _modules(
        """
        import contextlib, io, json, sys
        from gobaseline.cli import main

        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(["check", "."])
        print(json.dumps({"code": [str(code)], "modules": sorted(sys.modules)}))  # 3: an error, not a verdict
        """,
        cwd=tmp_path,
    )
    assert found["code"] != ["3"], "check did not run"
    assert "gobaseline.stages.toolchain" in found["modules"]
    assert [m for m in found["modules"] if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []


def test_the_cli_spells_the_models_exit_codes() -> None:
    from gobaseline import cli
    from gobaseline.model import ExitCode

    assert (cli._INTERNAL, cli._INTERRUPTED) == (ExitCode.INTERNAL, ExitCode.INTERRUPTED)
