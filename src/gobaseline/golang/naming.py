"""How the go command names what it builds: one rule, Go's own.

cmd/go/internal/load `DefaultExecName`: the last element of the import path, except that a major-version
suffix (`v2`, `v3`, ...; never `v0` or `v1`) at the end of a module-mode import path gives the element before
it. So `example.com/tool/v2` builds `tool`, while `example.com/m/cmd/v1` builds `v1`.
"""

from __future__ import annotations

from pathlib import Path

from gobaseline.errors import GobaselineError


def is_major_version_suffix(elem: str) -> bool:
    """`v2`, `v3`, ... as cmd/go's isVersionElement: a `v`, then digits not starting with 0, and not `v1`."""
    return len(elem) >= 2 and elem[0] == "v" and elem[1:].isdigit() and elem[1] != "0" and elem != "v1"


def exec_name(import_path: str) -> str:
    """The file name `go build` gives the main package `import_path` (without `.exe`)."""
    parent, _, elem = import_path.rstrip("/").rpartition("/")
    if parent and is_major_version_suffix(elem):
        elem = parent.rpartition("/")[2]
    return elem or "main"


def module_path(module_dir: Path) -> str:
    """The `module` path of `module_dir/go.mod`, or "" when there is no readable, valid go.mod."""
    from gobaseline.golang import modfile

    try:
        return modfile.load(module_dir / "go.mod").module_path
    except GobaselineError:
        return ""
