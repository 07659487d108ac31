"""The build list: the modules of `go list -m -json all`, decoded, or read off go.mod when that command fails."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gobaseline.golang.modfile import GoMod


@dataclass(frozen=True)
class ListedModule:
    """One module of the build list."""

    path: str
    version: str
    """Empty for the main module (and for modules `go list` could not resolve)."""
    indirect: bool = False
    main: bool = False
    replacement: tuple[str, str] | None = None
    """(new path, new version), the version empty when the replacement is a directory."""

    @property
    def is_local(self) -> bool:
        """Replaced by a directory: built from the file system, not from the module cache."""
        return self.replacement is not None and not self.replacement[1]

    @property
    def fetched(self) -> tuple[str, str] | None:
        """(path, version) of what the go command takes from the module cache for it: the replacement when it
        names a module version; None for the main module, a directory replacement or a module without version."""
        if self.main or not self.path or not self.version or self.is_local:
            return None
        return self.replacement or (self.path, self.version)


def decode(objects: Iterable[Mapping[str, Any]]) -> list[ListedModule]:
    """The objects `go list -m -json all` prints (`Path`, `Version`, `Main`, `Indirect`, `Replace`)."""
    out: list[ListedModule] = []
    for m in objects:
        rep = m.get("Replace")
        replacement = (str(rep.get("Path") or ""), str(rep.get("Version") or "")) if isinstance(rep, dict) else None
        out.append(
            ListedModule(
                str(m.get("Path") or ""),
                str(m.get("Version") or ""),
                indirect=bool(m.get("Indirect")),
                main=bool(m.get("Main")),
                replacement=replacement,
            )
        )
    return out


def from_gomod(mod: GoMod) -> list[ListedModule]:
    """go.mod's requirements with their replacements applied (a `replace` of one version wins over one of every
    version): all of the build list from go 1.17 on, the direct part of it before."""
    exact = {(r.old_path, r.old_version): r for r in mod.replaces if r.old_version is not None}
    every = {r.old_path: r for r in mod.replaces if r.old_version is None}
    out: list[ListedModule] = []
    for req in {r.path: r for r in mod.requires}.values():  # a path required twice: the last line counts
        rep = exact.get((req.path, req.version)) or every.get(req.path)
        replacement = (rep.new_path, rep.new_version or "") if rep is not None else None
        out.append(ListedModule(req.path, req.version, indirect=req.indirect, replacement=replacement))
    return out


_OFFLINE = "module lookup disabled by GOPROXY=off"


def offline_misses(stderr: str) -> set[str] | None:
    """The module paths `go list` needed but could not look up because lookups were off (GOPROXY=off), when that
    is all its error says (`go: m@v: module lookup disabled ...`, `go: a@v requires` chains, the same line without
    a module); None when it says anything else."""
    named: set[str] = set()
    for raw in stderr.splitlines():
        line = raw.strip().removeprefix("go: ")
        if not line or line == _OFFLINE or line.endswith(" requires"):
            continue
        head, _, tail = line.rpartition(": ")
        if tail != _OFFLINE or not head or " " in head:
            return None
        named.add(head.partition("@")[0])
    return named
