"""Which modules one run covers: a go.work workspace, several go.mod files in one repository, or one module.

- A directory whose go.work the go command uses (`go env GOWORK` names `<dir>/go.work`) is a workspace: its modules
  are the main modules `go list -m -json` lists (go.work's `use` lines, as the go command resolves them), and go
  builds them as one.
- A repository root with several go.mod files below it (not under `testdata/`, `vendor/` or a directory whose name
  starts with `.` or `_`, which the go command ignores) and no go.work: every one of them, each its own build root.
- Anything else: the module in that directory alone, built with `GOWORK=off` (a module of a workspace checked on
  its own, as `go install module@version` would build it).

go.work's `go` and `toolchain` lines are read here with their line numbers (the go command's own lexer rules, as
`gobaseline.golang.modfile` follows them); everything else about go.work is the go command's business.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline.errors import GoModError
from gobaseline.golang.modfile.lexer import _Line, _Reader, _SyntaxError
from gobaseline.golang.modfile.model import GoDirective, ToolchainDirective

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go

WORK_FILE = "go.work"


@dataclass(frozen=True)
class WorkLines:
    """The version lines of a go.work."""

    go: GoDirective | None
    toolchain: ToolchainDirective | None


def parse_lines(data: bytes, file: str = WORK_FILE) -> WorkLines:
    """The `go` and `toolchain` lines of go.work text; GoModError (file and line) when it does not parse."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise GoModError(f"not valid UTF-8 (byte {e.start})", path=file, line=data[: e.start].count(b"\n") + 1) from e
    reader = _Reader(text, file)
    try:
        reader.parse_file()
    except _SyntaxError as e:
        raise GoModError(e.message, path=file, line=e.line) from e
    go: GoDirective | None = None
    toolchain: ToolchainDirective | None = None
    for stmt in reader.stmts:
        if not isinstance(stmt, _Line) or len(stmt.tokens) != 2:
            continue
        verb, arg = stmt.tokens[0].text, stmt.tokens[1].text
        if verb == "go" and go is None:
            go = GoDirective(arg, stmt.start.line, stmt.start.col)
        elif verb == "toolchain" and toolchain is None:
            toolchain = ToolchainDirective(arg, stmt.start.line, stmt.start.col)
    return WorkLines(go, toolchain)


def ignored_dir(name: str) -> bool:
    """A directory the go command never looks into for packages (`./...`)."""
    return name in ("testdata", "vendor") or name.startswith((".", "_"))


def nested_modules(root: Path) -> list[Path]:
    """Every directory at or below `root` holding a go.mod, `root` first, then in path order; directories the go
    command ignores are not entered."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):  # links to directories are listed, never entered
        dirnames[:] = sorted(d for d in dirnames if not ignored_dir(d))
        if "go.mod" in filenames:
            found.append(Path(dirpath))
    return found


@dataclass(frozen=True)
class Layout:
    """The modules of one run."""

    dirs: tuple[Path, ...]
    """Every module directory, the one at the run's directory first, the rest in path order."""
    work: Path | None = None
    """The go.work file when go builds the modules as one workspace."""


def _use_dirs(go: Go, root: Path) -> list[Path]:
    """The workspace's module directories, as the go command lists them (or parses go.work, when it refuses to
    load the workspace, e.g. for a `go` line newer than itself: the toolchain stage reports that)."""
    listed, _error = go.workspace_modules(root)
    dirs = [Path(str(m["Dir"])) for m in listed if m.get("Dir")]
    if not dirs:
        uses = go.work_edit_json(root).get("Use") or []
        dirs = [(root / str(u.get("DiskPath", ""))) for u in uses if isinstance(u, dict) and u.get("DiskPath")]
    return [d.resolve() for d in dirs if (d / "go.mod").is_file()]


def _ordered(first: Path, dirs: list[Path]) -> tuple[Path, ...]:
    rest = sorted(set(dirs) - {first}, key=lambda d: d.as_posix())
    return ((first,) if first in dirs else ()) + tuple(rest)


def discover(directory: Path, repo_root: Path, go: Go | None, *, nested: bool = True) -> Layout:
    """The modules a run on `directory` covers (see the module docstring); no directories when there is none.
    Without `nested` (policy `nested_modules: ignore`), a root module is covered alone, its nested modules not."""
    directory = directory.resolve()
    work = go.gowork(directory) if go is not None else None
    if work is not None and work.resolve().parent == directory:
        return Layout(_ordered(directory, _use_dirs(go, directory)) if go is not None else (), work.resolve())
    own = (directory / "go.mod").is_file()
    if own and (directory != repo_root.resolve() or not nested):
        return Layout((directory,))
    found = nested_modules(directory)
    if len(found) > 1 or own:
        return Layout(_ordered(directory, found))
    return Layout(())
