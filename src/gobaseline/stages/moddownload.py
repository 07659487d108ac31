"""`modules: download`: `go mod download` with the user's own settings before the module cache is checked offline.

The background job (`prepare`; `prepare_all` for every module of a run) downloads and loads the build list; the
module-cache stage turns what could not be downloaded into findings here: one GB209 per module in the go command's
own words, GB210 (security) for a checksum mismatch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gobaseline import safefs
from gobaseline.errors import GoModError
from gobaseline.golang import buildlist, download, vendor
from gobaseline.golang import modfile as gomod
from gobaseline.golang.gosum import GoSum
from gobaseline.golang.gotool import Go, GoResult
from gobaseline.model import Location
from gobaseline.rules import rule
from gobaseline.stages import Context, StageResult

_REFUSED_HINT = (
    ". The server wants credentials this job does not have, or refused them: give the job a .netrc entry for the "
    "host (HOME or NETRC), a GOAUTH command, or git credentials, as the go command reads them."
)


@dataclass(frozen=True)
class Prepared:
    """What the background job found: the download (None when none was attempted) and the build list."""

    download: tuple[GoResult, ...] | None
    """`go mod download` for the build list, then (when it stopped at a module) for the modules it did not reach;
    None when nothing was downloaded."""
    modules: list[dict[str, Any]]
    error: str
    """`go list`'s stderr when it failed."""


def gomod_of(ctx: Context) -> gomod.GoMod | None:
    """go.mod parsed, or None when it does not parse (`go list` reports the syntax error, GB208; the cache is still
    checked against go.sum)."""
    try:
        return ctx.gomod()
    except GoModError:
        return None


def gomods(ctx: Context) -> list[tuple[Path, gomod.GoMod]]:
    """Each module's go.mod that parses (in a workspace, all of them), with its path."""
    out = []
    for one, _ in ctx.each_module():
        mod = gomod_of(one)
        if mod is not None:
            out.append((one.gomod_path, mod))
    return out


def vendoring(ctx: Context) -> bool:
    """True when the build compiles vendor/: the module's (go.mod says `go 1.14` or later), or for a go.work
    workspace the one `go work vendor` wrote at its root (go.work's `go` line decides)."""
    if ctx.workspace is None:
        mod = gomod_of(ctx)
        return mod is not None and vendor.vendor_mode(ctx.module_dir, mod.go_version)
    from gobaseline.golang.workspace import parse_lines

    try:
        lines = parse_lines(ctx.workspace.read_bytes(), ctx.rel(ctx.workspace))
    except (OSError, GoModError):
        return False  # the go.mod stage reports a go.work that does not parse
    go = lines.go.version if lines.go is not None else None
    return vendor.vendor_mode(ctx.workspace.parent, go, workspace=True)


def prepare_all(ctx: Context) -> dict[Path, Prepared]:
    """`prepare` for every module by directory, or once for a go.work workspace (at its root)."""
    if ctx.workspace is not None:
        return {ctx.module_dir: prepare(ctx)}
    return {one.module_dir: prepare(one) for one, _ in ctx.each_module()}


def prepare(ctx: Context) -> Prepared:
    """With `modules: download` (and no vendoring) `go mod download`, then the build list; go.mod and go.sum are
    restored byte for byte if the go command rewrote them.

    When the build uses vendor/ (a module's, or a workspace's from `go work vendor`), the go command's check of
    vendor/modules.txt against go.mod or go.work instead (the main modules alone, and the error when they
    disagree): the module cache plays no part and nothing is looked up.
    The pipeline starts this in the background while the toolchain stage runs (see `Context.build_list`).
    """
    if ctx.go is None:
        return Prepared(None, [], "no go command")
    files = [p for m in ctx.modules for p in (m.gomod_path, m.dir / "go.sum")]
    if ctx.workspace is not None:
        files += [ctx.workspace, ctx.workspace.with_name("go.work.sum")]
    vendored = vendoring(ctx)
    saved = {p: (p.read_bytes() if p.is_file() else None) for p in files}
    try:
        fetch = ctx.policy.modules == "download" and not vendored
        if ctx.workspace is not None and not vendored:
            wanted = [m for _, m in gomods(ctx)]
            got = download_workspace(ctx.go, ctx.module_dir, wanted) if fetch else None
            return Prepared(got, *ctx.go.list_workspace_build(ctx.module_dir))
        got = download_all(ctx.go, ctx.module_dir, gomod_of(ctx)) if fetch else None
        return Prepared(got, *ctx.go.list_modules(ctx.module_dir, vendor=vendored))
    finally:
        for p, data in saved.items():
            now = p.read_bytes() if p.is_file() else None
            if now != data:
                if data is None:
                    p.unlink()
                else:  # a private temporary name, never through a link planted beside go.mod
                    safefs.write_bytes(p, data)


def download_all(go: Go, module_dir: Path, mod: gomod.GoMod | None) -> tuple[GoResult, ...]:
    """`go mod download`; when it stops at a module, again for go.mod's other modules by name (`go` then reports
    each failure in its JSON and goes on; only a checksum mismatch stops it again), until each is downloaded or
    has failed."""
    results = [go.download_modules(module_dir)]
    failed = {(f.path, f.version) for f in download.failures(results)}
    wanted = {m.fetched for m in buildlist.from_gomod(mod) if not m.main and not m.is_local} if mod else set()
    todo = sorted(m for m in wanted if m is not None and m not in failed)
    while failed and todo and len(results) <= len(wanted):
        results.append(go.download_modules(module_dir, [f"{p}@{v}" for p, v in todo]))
        more = {(f.path, f.version) for f in download.failures(results[-1:])} - failed
        if results[-1].ok or not more or not results[-1].stderr.strip():
            break
        failed |= more
        todo = [m for m in todo if m not in failed]
    return tuple(results)


def download_workspace(go: Go, root: Path, mods: Sequence[gomod.GoMod]) -> tuple[GoResult, ...]:
    """`go mod download` for a go.work workspace; when it stops at a module, again for the modules its go.mod
    files name (as `download_all`, in one more call)."""
    results = [go.download_workspace(root)]
    failed = {(f.path, f.version) for f in download.failures(results)}
    wanted = {m.fetched for mod in mods for m in buildlist.from_gomod(mod) if not m.main and not m.is_local}
    todo = sorted(m for m in wanted if m is not None and m not in failed)
    if failed and todo:
        results.append(go.download_workspace(root, [f"{p}@{v}" for p, v in todo]))
    return tuple(results)


def check(
    ctx: Context,
    result: StageResult,
    prepared: Prepared,
    gosum: GoSum,
    requires: Mapping[str, Location],
    *,
    explained: bool,
    message: Callable[[str], str],
) -> set[tuple[str, str]]:
    """One GB209 per module `go mod download` could not download, GB210 for a checksum mismatch; the modules.

    A failure that names no module is GB209 on go.mod, unless `go list` failed too (GB208 then says it)."""
    result.facts["modules"] = ctx.policy.modules
    anchor = ctx.workspace if ctx.workspace is not None else ctx.gomod_path
    if prepared.download is None:
        result.skip("module-download", "policy `modules: offline`: the module cache is checked as it is")
        return set()
    res = prepared.download[0]
    failures = download.failures(prepared.download)
    with result.check("module-download") as found:
        for f in failures:
            at = requires.get(f.path) or ctx.at(anchor)
            reason = message(f.reason)
            if f.checksum_mismatch:
                lines = gosum.content.get((f.path, f.version)) or gosum.gomod.get((f.path, f.version)) or []
                found.append(
                    rule("GB210").finding(
                        f"SECURITY: {f.prefix} as downloaded does not match go.sum ({reason}). The bits were "
                        "replaced at the origin or proxy, the download was intercepted, or go.sum was edited: "
                        "do not build it until you know which.",
                        ctx.at(lines[0].file or ctx.module_dir / "go.sum", lines[0].line) if lines else at,
                    )
                )
            else:
                hint = _REFUSED_HINT if f.refused else ""
                found.append(rule("GB209").finding(f"{f.prefix} could not be downloaded: {reason}{hint}", at))
        if not res.ok and not failures and not explained:
            msg = message(res.stderr.strip() or res.stdout.strip() or f"exit status {res.returncode}")
            found.append(rule("GB209").finding(f"`go mod download` failed: {msg}", ctx.at(anchor)))
    return {(f.path, f.version) for f in failures}
