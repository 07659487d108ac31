"""Which main packages the build makes, per target, as the go command lists them.

`build.packages` (default `./...`: every main package of the module) is expanded once per target by `go list`
with that target's GOOS/GOARCH, CGO_ENABLED=0 and the policy's tags, so build constraints apply: a main package
excluded on one target is simply not built there, and a directory holding only `_test.go` files is no package.

Binary names are Go's (`golang.naming.exec_name`) unless two main packages would share one: then each of them is
named after its import path below the module path, with `/` as `-` (`cmd/example` and `tools/example` build
`cmd-example` and `tools-example`), the same on every target and in the manifest, SHA256SUMS and the SBOM. A run
over several modules names them below the module paths' longest common prefix (`example.com/a/cmd/tool` and
`example.com/b/cmd/tool` build `a-cmd-tool` and `b-cmd-tool`).

A run over several modules lists from several roots (`Root`): the workspace root for a go.work, which go builds as
one, else each module directory with its share of the patterns (`route`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gobaseline.golang.naming import exec_name
from gobaseline.model import Target

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go

DEFAULT_PATTERNS = ("./...",)
"""Every main package of the module (the policy's default `build.packages`)."""

_EXCLUDED = "build constraints exclude all Go files"
_TESTS_ONLY = "no non-test Go files"
_NO_GO_FILES = "no Go files in"


@dataclass(frozen=True)
class Root:
    """A directory the go command runs in, and the package patterns it is given there."""

    dir: Path
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class MainPackage:
    """One main package to build: the argument given to go build, its import path and the binary's base name."""

    arg: str
    name: str
    import_path: str = ""
    renamed: bool = False
    """Named after its import path because another main package has the same Go name (built on its own)."""
    cwd: Path | None = None
    """Where go builds it (`arg` is relative to it); None: the run's directory."""
    shown: str = ""
    """The package relative to the run's directory, for the manifest (`arg` when empty)."""

    @property
    def package(self) -> str:
        """The package as the manifest names it."""
        return self.shown or self.arg


@dataclass
class Selection:
    """The main packages of every target, and what could not be resolved."""

    mains: dict[str, list[MainPackage]] = field(default_factory=dict)
    """Per target (`GOOS/GOARCH`), in the order go list gave them."""
    errors: list[str] = field(default_factory=list)
    excluded: dict[str, list[str]] = field(default_factory=dict)
    """Per target: the packages its build constraints exclude."""

    @property
    def any_main(self) -> bool:
        """True when at least one target has a main package."""
        return any(self.mains.values())


def select(
    go: Go,
    roots: Sequence[Root],
    targets: Sequence[str],
    *,
    module: str,
    env: Mapping[str, str],
    base: Path | None = None,
) -> Selection:
    """The main packages the roots' patterns give on each of `targets` (one `go list` per target and root, run
    concurrently); `module` is the prefix renamed binaries are named below, `base` the run's directory."""
    base = base or roots[0].dir
    jobs = [(t, r) for t in targets for r in roots]

    def listed(job: tuple[str, Root]) -> tuple[list[dict[str, Any]], str]:
        target, root = job
        return go.list_packages(root.dir, root.patterns, extra_env={**env, **Target.parse(target).env()})

    with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), 4))) as pool:
        answers = list(zip(jobs, pool.map(listed, jobs), strict=True))
    selection = Selection()
    found: dict[str, tuple[dict[str, Any], Root]] = {}  # import path -> go list entry, over all targets
    per_target: dict[str, list[str]] = {t: [] for t in targets}
    for (target, root), (packages, err) in answers:
        if err and not packages:
            selection.errors.append(err)
        for pkg in packages:
            verdict = _classify(pkg, root.patterns)
            if verdict == "excluded":
                selection.excluded.setdefault(target, []).append(_arg(pkg, base))
            elif verdict == "main":
                found.setdefault(str(pkg.get("ImportPath", "")), (pkg, root))
                per_target[target].append(str(pkg.get("ImportPath", "")))
            elif verdict not in ("skip", "library"):
                selection.errors.append(verdict)
    named = names(found, module, base)
    for target, paths in per_target.items():
        selection.mains[target] = [named[p] for p in dict.fromkeys(paths)]
    selection.errors = list(dict.fromkeys(selection.errors))
    return selection


def route(base: Path, modules: Mapping[Path, str], patterns: Sequence[str]) -> list[Root]:
    """Each module's share of `patterns`, for modules that are each their own build root (no go.work).

    `modules` maps each module directory to its module path. A relative pattern is relative to `base`: it goes to
    the module holding its directory, rewritten relative to it, and a `...` pattern also to every module below that
    directory (as `./...`); an import path goes to the module whose path is its longest prefix. What no module
    holds goes to the first module unchanged (the go command then says what is wrong with it).
    """
    dirs = list(modules)
    share: dict[Path, list[str]] = {d: [] for d in dirs}
    rel = {d: d.relative_to(base).as_posix() if d.is_relative_to(base) else "" for d in dirs}  # "." for base

    def holds(d: Path, where: str) -> bool:
        return rel[d] == "." or where == rel[d] or where.startswith(rel[d] + "/")

    for p in patterns:
        if p != "." and not p.startswith("./"):
            owners = [d for d in dirs if modules[d] and (p == modules[d] or p.startswith(modules[d] + "/"))]
            share[max(owners, key=lambda d: len(modules[d]), default=dirs[0])].append(p)
            continue
        full = posixpath.normpath(p)  # relative to base: ".", "...", "cmd/...", "a/cmd/server"
        where = full.split("...")[0].rstrip("/") or "."
        holders = [d for d in dirs if rel[d] and holds(d, where)]
        owner = max(holders, key=lambda d: 0 if rel[d] == "." else rel[d].count("/") + 1, default=None)
        if owner is None:
            share[dirs[0]].append(p)
        else:
            inner = full if rel[owner] == "." else ("." if full == rel[owner] else full[len(rel[owner]) + 1 :])
            share[owner].append("." if inner == "." else "./" + inner)
        if "..." in full:
            for d in dirs:
                if d != owner and rel[d] not in ("", ".") and (where == "." or rel[d].startswith(where + "/")):
                    share[d].append("./...")
    return [Root(d, tuple(dict.fromkeys(ps))) for d, ps in share.items() if ps]


def common_prefix(paths: Sequence[str]) -> str:
    """The longest common prefix of module paths, by path element (`example.com/a`, `example.com/b`:
    `example.com`); one path is its own."""
    parts = [p.split("/") for p in paths if p]
    if not parts:
        return ""
    first = parts[0]
    n = 0
    while n < len(first) and all(len(q) > n and q[n] == first[n] for q in parts):
        n += 1
    return "/".join(first[:n])


def _classify(pkg: Mapping[str, Any], patterns: Sequence[str]) -> str:
    """`main`, `library`, `excluded`, `skip` (not a package for a wildcard), or an error message."""
    error = pkg.get("Error")
    if error:
        text = str(error.get("Err", error)) if isinstance(error, dict) else str(error)
        if _EXCLUDED in text:
            return "excluded"
        if _TESTS_ONLY in text:
            return "skip"
        if _NO_GO_FILES in text:
            if all("..." in p for p in patterns):
                return "skip"
            return f"{text}; set build.packages to your main packages (for example ./cmd/...)"
        return text
    if not pkg.get("GoFiles"):
        return "skip"
    return "main" if pkg.get("Name") == "main" else "library"


def _arg(pkg: Mapping[str, Any], module_dir: Path) -> str:
    directory = Path(str(pkg.get("Dir", "")))
    try:
        rel = directory.relative_to(module_dir).as_posix()
    except ValueError:
        return str(pkg.get("ImportPath", directory))
    return "." if rel in ("", ".") else f"./{rel}"


def names(found: Mapping[str, tuple[Mapping[str, Any], Root]], module: str, base: Path) -> dict[str, MainPackage]:
    """Go's name for each main package, or, where two share it, one derived from the import path."""
    by_name: dict[str, list[str]] = {}
    for path in found:
        by_name.setdefault(exec_name(path), []).append(path)
    out: dict[str, MainPackage] = {}
    for name, paths in by_name.items():
        for path in paths:
            pkg, root = found[path]
            arg, shown = _arg(pkg, root.dir), _arg(pkg, base)
            if len(paths) == 1:
                out[path] = MainPackage(arg, name, path, cwd=root.dir, shown=shown)
            else:
                out[path] = MainPackage(arg, unique_name(path, module), path, renamed=True, cwd=root.dir, shown=shown)
    return out


def unique_name(import_path: str, module: str) -> str:
    """The binary name of a main package whose Go name another one shares: its path below the module, `/` as
    `-` (the module's own root package keeps Go's name)."""
    rel = import_path.removeprefix(module).strip("/") if module and import_path.startswith(module) else import_path
    return rel.replace("/", "-") if rel else exec_name(import_path)
