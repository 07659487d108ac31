"""Which main packages the build makes, per target, as the go command lists them.

`build.packages` (default `./...`: every main package of the module) is expanded once per target by `go list`
with that target's GOOS/GOARCH, CGO_ENABLED=0 and the policy's tags, so build constraints apply: a main package
excluded on one target is simply not built there, and a directory holding only `_test.go` files is no package.

Binary names are Go's (`golang.naming.exec_name`) unless two main packages would share one: then each of them is
named after its import path below the module path, with `/` as `-` (`cmd/example` and `tools/example` build
`cmd-example` and `tools-example`), the same on every target and in the manifest, SHA256SUMS and the SBOM.
"""

from __future__ import annotations

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
class MainPackage:
    """One main package to build: the argument given to go build, its import path and the binary's base name."""

    arg: str
    name: str
    import_path: str = ""
    renamed: bool = False
    """Named after its import path because another main package has the same Go name (built on its own)."""


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
    module_dir: Path,
    patterns: Sequence[str],
    targets: Sequence[str],
    *,
    module: str,
    env: Mapping[str, str],
) -> Selection:
    """The main packages `patterns` give on each of `targets` (one `go list` per target, run concurrently)."""

    def listed(target: str) -> tuple[list[dict[str, Any]], str]:
        return go.list_packages(module_dir, patterns, extra_env={**env, **Target.parse(target).env()})

    with ThreadPoolExecutor(max_workers=max(1, min(len(targets), 4))) as pool:
        answers = dict(zip(targets, pool.map(listed, targets), strict=True))
    selection = Selection()
    found: dict[str, dict[str, Any]] = {}  # import path -> go list entry, over all targets
    per_target: dict[str, list[str]] = {}
    for target, (packages, err) in answers.items():
        if err and not packages:
            selection.errors.append(err)
        paths: list[str] = []
        for pkg in packages:
            verdict = _classify(pkg, patterns)
            if verdict == "excluded":
                selection.excluded.setdefault(target, []).append(_arg(pkg, module_dir))
            elif verdict == "main":
                found.setdefault(str(pkg.get("ImportPath", "")), pkg)
                paths.append(str(pkg.get("ImportPath", "")))
            elif verdict not in ("skip", "library"):
                selection.errors.append(verdict)
        per_target[target] = paths
    names = _names(found, module, module_dir)
    for target, paths in per_target.items():
        selection.mains[target] = [names[p] for p in dict.fromkeys(paths)]
    selection.errors = list(dict.fromkeys(selection.errors))
    return selection


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


def _names(found: Mapping[str, Mapping[str, Any]], module: str, module_dir: Path) -> dict[str, MainPackage]:
    """Go's name for each main package, or, where two share it, one derived from the import path."""
    by_name: dict[str, list[str]] = {}
    for path in found:
        by_name.setdefault(exec_name(path), []).append(path)
    out: dict[str, MainPackage] = {}
    for name, paths in by_name.items():
        for path in paths:
            arg = _arg(found[path], module_dir)
            if len(paths) == 1:
                out[path] = MainPackage(arg, name, path)
            else:
                out[path] = MainPackage(arg, unique_name(path, module), path, renamed=True)
    return out


def unique_name(import_path: str, module: str) -> str:
    """The binary name of a main package whose Go name another one shares: its path below the module, `/` as
    `-` (the module's own root package keeps Go's name)."""
    rel = import_path.removeprefix(module).strip("/") if module and import_path.startswith(module) else import_path
    return rel.replace("/", "-") if rel else exec_name(import_path)
