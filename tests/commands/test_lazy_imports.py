"""What the command line imports: `--version` and `--help` nothing beyond argparse, `check` no forge, report
format or binary parser library. Each runs in a fresh interpreter and compares `sys.modules`, never a time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_only_argparse(flag: str) -> None:
    found = _modules(
        f"""
        import argparse, contextlib, io, json, sys

        # What argparse itself imports to print help or a version, so that only what the CLI adds is left.
        bare = argparse.ArgumentParser(prog="x")
        bare.add_argument("--version", action="version", version="x")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            bare.parse_args([{flag!r}])
        before = set(sys.modules)
        from gobaseline.cli import build_parser

        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            build_parser().parse_args([{flag!r}])
        print(json.dumps({{"added": sorted(set(sys.modules) - before)}}))
        """
    )
    # __future__ is a few lines, collections.abc another name for a module every interpreter has loaded.
    assert [m for m in found["added"] if m not in ("__future__", "collections.abc")] == ["gobaseline", "gobaseline.cli"]


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
