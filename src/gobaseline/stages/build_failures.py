"""What a failed `go build` is reported as: compile errors at their line, packages that could not be loaded at the
import in the run's own code that leads to them, anything else in the go command's words."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import safefs
from gobaseline.errors import GobaselineError
from gobaseline.golang.buildoutput import ImportStack, import_line, parse_build_output
from gobaseline.model import Finding, Location
from gobaseline.rules import rule
from gobaseline.stages.selection import module_paths

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go
    from gobaseline.stages import Context

SOURCE_LIMIT = 1 << 24  # bytes of one Go source file read to find an import in it
SITE_LOOKUPS = 20  # import stacks of one failed build located in the source (each asks `go list` once)


def build_failures(
    ctx: Context, go: Go, stderr: str, cwd: Path, *, target: str, flags: Sequence[str], env: dict[str, str]
) -> list[Finding]:
    """The findings of a failed `go build` in `cwd` for `target`: compile errors at their line (GB501), each
    package that could not be loaded at the import of the run's code that leads to it (GB505), else the go
    command's own lines (GB505)."""
    positions, other, stacks = parse_build_output(stderr, cwd)
    findings: list[Finding] = []
    for file, line, col, msg in positions:
        p = Path(file)
        full = p if p.is_absolute() else cwd / p
        loc = ctx.at(full, line, col) if full.exists() else None
        text = msg if loc is not None else f"{file}:{line}: {msg}"
        findings.append(rule("GB501").finding(text, loc, target=target))
    sites: dict[tuple[str, ...], Location | None] = {}  # one `go list` per importing package, for the first few
    for stack in stacks:
        if len(sites) < SITE_LOOKUPS or stack.chain in sites:
            sites.setdefault(stack.chain, _import_site(ctx, go, stack, cwd, {**env, **_tags_env(flags)}))
        where = sites.get(stack.chain)
        findings.append(rule("GB505").finding(f"`go build` failed: {stack.text()}", where, target=target))
    if not positions and (other or not stacks):
        detail = "; ".join(other[:5]) or "no output"
        findings.append(rule("GB505").finding(f"`go build` failed: {detail}", target=target))
    return findings


def _tags_env(flags: Sequence[str]) -> dict[str, str]:
    """The build's -tags as GOFLAGS, so a `go list` picks the same files."""
    tags = [f for f in flags if f.startswith("-tags=")]
    return {"GOFLAGS": tags[-1]} if tags else {}


def _import_site(ctx: Context, go: Go, stack: ImportStack, cwd: Path, env: dict[str, str]) -> Location | None:
    """Where the run's own code starts the import stack that failed: the import, in the last package of the run's
    modules on it, of the package after it (the go command names no position for a stack)."""
    ours = set(module_paths(ctx).values())
    for i in range(len(stack.chain) - 2, -1, -1):
        if any(stack.chain[i] == m or stack.chain[i].startswith(m + "/") for m in ours):
            break
    else:
        return None
    try:  # the files go compiles for this target (constraints and tags applied), asked of go
        listed, _ = go.list_packages(cwd, [stack.chain[i]], extra_env=env)
    except GobaselineError:
        return None
    for entry in listed[:1]:
        for name in entry.get("GoFiles") or []:
            path = Path(str(entry.get("Dir", ""))) / str(name)
            try:
                source = safefs.read_text(path, limit=SOURCE_LIMIT, what="Go source file")
            except GobaselineError:
                continue
            if (found := import_line(source, stack.chain[i + 1])) is not None:
                return ctx.at(path, *found)
    return None
