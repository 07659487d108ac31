"""Tier 2: the module cache holds exactly what go.sum pins, and what will be compiled hashes to it.

`go build` compares only the cached `.ziphash` with go.sum: it compiles an edited extracted tree and
re-extracts a swapped zip without complaint. `go mod verify` re-hashes zips and trees against `.ziphash`, not
go.sum, so a wrong go.sum line passes it. This stage hashes what will be compiled (the extracted tree when
present, else the zip) and every cached `.mod` against go.sum itself, with the h1 algorithm in
`gobaseline.golang.dirhash`, in parallel.

With `modules: download` (the default) `go mod download` first fetches the build list with the user's own proxy,
private-module and credential settings; one GB209 per module it could not download, GB210 for a checksum mismatch,
and the cache checks do not repeat them. `modules: offline` checks the cache as it is.

When the module vendors its dependencies (a vendor directory and `go 1.14` or later; for a go.work workspace the
vendor directory `go work vendor` wrote beside go.work) the build compiles vendor/, so the cache is not hashed and
nothing is looked up: the go command itself checks vendor/modules.txt against go.mod or go.work (`go list
-mod=vendor -m`), and each module its "inconsistent vendoring" explanation names is one finding.

The file formats live in `gobaseline.golang`: go.sum in `gosum`, vendor/modules.txt in `vendor`, the cache's
layout and hashing in `modcache_layout`, `go list -m -json all` in `buildlist`. This module holds the checks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gobaseline.golang import buildlist, vendor
from gobaseline.golang.gosum import GoSum, SumLine
from gobaseline.golang.modcache_layout import CachedModule, HashJob, Listing, Presence, hash_all
from gobaseline.model import Location, Stage
from gobaseline.rules import rule
from gobaseline.stages import Context, Earlier, StageResult, moddownload

CACHE_CHECKS = ("go-sum-entries", "cache-present", "ziphash-vs-go-sum", "gomod-files", "hash-compiled-source")
"""The checks that look at the module cache, in the order they are recorded."""

_MAX_MESSAGE = 600
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def sanitise(text: str, replacements: Mapping[str, str]) -> str:
    """Go's message for a finding: machine paths shortened, control characters dropped, length capped."""
    for old, new in sorted(replacements.items(), key=lambda kv: -len(kv[0])):
        if old:
            text = text.replace(old, new)
    text = _CONTROL.sub("", text.replace("\t", " ")).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out = " / ".join(lines[:6])
    return out if len(out) <= _MAX_MESSAGE else out[: _MAX_MESSAGE - 1] + "…"


# -- the module cache ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A module of the build list whose source comes from the module cache."""

    required: str
    """The path go.mod requires (locations point at its require line)."""
    module: CachedModule
    """What is actually fetched: the replacement when go.mod replaces the module with another version."""
    indirect: bool


# -- the stage -----------------------------------------------------------------------------------------------


def run(ctx: Context, earlier: Earlier | None = None) -> StageResult:
    """Check the module cache (or vendor/) against go.mod and go.sum: each module's, or a go.work workspace's one
    build list against every go.sum of it."""
    start = time.perf_counter()
    result = StageResult(Stage.MODCACHE)
    try:
        if ctx.workspace is not None:
            _run(ctx, result)
        else:
            for one, label in ctx.each_module():
                with result.about(label):
                    _run(one, result)
    finally:
        result.seconds = time.perf_counter() - start
    return result


def _skip_cache(result: StageResult, why: str) -> None:
    for name in CACHE_CHECKS:
        result.skip(name, why)


def _run(ctx: Context, result: StageResult) -> None:
    gomod_path = ctx.gomod_path
    if not gomod_path.is_file():
        result.skip("build-list", "no readable go.mod (the go.mod stage reports it)")
        _skip_cache(result, "no go.mod")
        return
    if moddownload.vendoring(ctx):
        result.skip("module-download", "vendoring: the build compiles vendor/, nothing is downloaded")
        _check_vendor(ctx, result)
        _skip_cache(result, "vendoring: the build compiles vendor/, not the module cache")
        return
    result.skip("vendor-consistent", "no vendor directory (or go.mod older than go 1.14): not vendoring")
    if ctx.go is None:
        result.skip("module-download", "no go command")
        result.skip("build-list", "no go command")
        _skip_cache(result, "no go command to compute the build list")
        return

    # First the build list (maybe already loading in the background): `go list` may rewrite go.sum and restores
    # it afterwards, so go.sum is read only once it has finished.
    prepared = _prepared(ctx)
    modules, error = prepared.modules, prepared.error
    mods = moddownload.gomods(ctx)
    gosum, sum_files = _sums(ctx)
    modcache = _modcache(ctx)
    result.facts["GOMODCACHE"] = str(modcache)
    requires: dict[str, Location] = {}
    for path, m in mods:
        for r in m.requires:
            requires.setdefault(r.path, ctx.at(path, r.line))
    failed = moddownload.check(
        ctx, result, prepared, gosum, requires, explained=bool(error), message=lambda t: _go_message(ctx, t)
    )

    if error and not modules:
        # Still check what go.mod names (all of the build list from go 1.17 on): a tampered .mod is one reason
        # `go list` fails, and the rest of the cache deserves the same scrutiny.
        targets, local = _targets([x for _, m in mods for x in buildlist.from_gomod(m)], modcache)
        result.facts["modcache_build_list"] = "go.mod requirements (`go list -m all` failed)"
    else:
        targets, local = _targets(buildlist.decode(modules), modcache)
    listing = Listing()
    presence = {(t.module.path, t.module.version): listing.presence(t.module) for t in targets}

    if error and _only_missing(error, targets, presence, failed):
        result.skip("build-list", "`go list -m all` needs modules missing from the cache: cache-present names them")
    elif error and failed:
        result.skip("build-list", "`go list -m all` needs modules that could not be downloaded: see module-download")
    else:
        with result.check("build-list") as found:
            if error:
                msg = _go_message(ctx, error)
                found.append(rule("GB208").finding(f"`go list -m all` failed: {msg}", ctx.at(_anchor(ctx))))

    result.facts["modcache_modules"] = str(len(targets))
    if local:
        result.facts["modcache_local_replacements"] = " ".join(sorted(local))
    targets = [t for t in targets if not _failed(t, failed)]  # GB209/GB210 said it: no GB201 on top
    _check_cache(
        ctx, result=result, targets=targets, presence=presence, gosum=gosum, sum_files=sum_files, requires=requires
    )


def _anchor(ctx: Context) -> Path:
    """Where a finding about the whole build list points: go.work in a workspace, else go.mod."""
    return ctx.workspace if ctx.workspace is not None else ctx.gomod_path


def _sums(ctx: Context) -> tuple[GoSum, list[Path]]:
    """go.sum; in a workspace every module's go.sum and go.work.sum, as the go command reads them all."""
    files = [m.dir / "go.sum" for m in ctx.modules]
    if ctx.workspace is not None:
        files.append(ctx.workspace.with_name("go.work.sum"))
    total, present = GoSum(), []
    for f in files:
        if f.is_file():
            present.append(f)
            total.update(GoSum.parse(f.read_bytes().decode("utf-8", "replace"), f))
    return total, present


def _prepared(ctx: Context) -> moddownload.Prepared:
    """What the background job found for this module (or workspace), else the same work done now."""
    done = ctx.build_list.result() if ctx.build_list is not None else {}
    return done.get(ctx.module_dir) or moddownload.prepare(ctx)


def _failed(t: Target, failed: set[tuple[str, str]]) -> bool:
    return (t.module.path, t.module.version) in failed or any(p in (t.required, t.module.path) for p, _ in failed)


def _only_missing(
    error: str,
    targets: Iterable[Target],
    presence: Mapping[tuple[str, str], Presence],
    failed: set[tuple[str, str]],
) -> bool:
    """True when `go list` failed only because modules are missing from the cache that the cache checks report
    (GB201, each with what to do) or that could not be downloaded (GB209): its error would say the same again."""
    named = buildlist.offline_misses(error)
    absent: set[str] = {p for p, _ in failed}
    for t in targets:
        if not presence[(t.module.path, t.module.version)].mod and not _failed(t, failed):
            absent |= {t.required, t.module.path}
    return named is not None and bool(absent) and named <= absent


def _modcache(ctx: Context) -> Path:
    env = ctx.go.env if ctx.go is not None else {}
    return Path(env.get("GOMODCACHE", "") or Path.home() / "go" / "pkg" / "mod")


def _go_message(ctx: Context, text: str) -> str:
    """What the go command printed, made fit for a finding: the module directory, the module cache and HOME
    shortened."""
    home = ctx.go.environ.get("HOME", "") if ctx.go is not None else ""
    return sanitise(
        text,
        {
            str(ctx.module_dir.resolve()): ".",
            str(ctx.module_dir): ".",
            str(_modcache(ctx)): "$GOMODCACHE",
            **({home: "~"} if home else {}),
        },
    )


def _targets(modules: Iterable[buildlist.ListedModule], modcache: Path) -> tuple[list[Target], list[str]]:
    """The modules fetched from the cache, once each, and the paths replaced by a local directory."""
    targets: list[Target] = []
    local: list[str] = []
    seen: set[tuple[str, str]] = set()
    for m in modules:
        if m.main or not m.path or not m.version:
            continue
        if m.is_local:
            local.append(m.path)
            continue
        fetched = m.fetched
        if fetched is None or fetched in seen:
            continue
        seen.add(fetched)
        targets.append(Target(m.path, CachedModule(*fetched, modcache), m.indirect))
    return targets, local


def _check_cache(
    ctx: Context,
    *,
    result: StageResult,
    targets: list[Target],
    presence: Mapping[tuple[str, str], Presence],
    gosum: GoSum,
    sum_files: list[Path],
    requires: Mapping[str, Location],
) -> None:
    gosum_loc = ctx.at(sum_files[0]) if sum_files else ctx.at(_anchor(ctx))

    def require_at(path: str) -> Location:
        return requires.get(path) or ctx.at(_anchor(ctx))

    def sum_at(line: SumLine) -> Location:
        return ctx.at(line.file or ctx.module_dir / "go.sum", line.line)

    needs_content: list[Target] = []
    needs_keys: set[tuple[str, str]] = set()  # the same modules, for membership tests
    with result.check("go-sum-entries") as found:
        for t in targets:
            key = (t.module.path, t.module.version)
            if key not in gosum.gomod:
                found.append(
                    rule("GB202").finding(
                        f"go.sum has no `{t.module.path} {t.module.version}/go.mod` line; "
                        "run `go mod tidy` and commit go.sum.",
                        require_at(t.required) if t.required in requires else gosum_loc,
                    )
                )
            if key in gosum.content:
                needs_content.append(t)
                needs_keys.add(key)
            elif not t.indirect:
                found.append(
                    rule("GB202").finding(
                        f"go.sum has no `{t.module.path} {t.module.version}` line for a module go.mod "
                        "requires directly; run `go mod tidy` and commit go.sum.",
                        require_at(t.required),
                    )
                )

    hashable: list[Target] = []
    with result.check("cache-present") as found:
        for t in targets:
            m = t.module
            needed = (m.path, m.version) in needs_keys or not t.indirect
            here = presence[(m.path, m.version)]
            tree, partial, zipf, ziph = here.tree, here.partial, here.zip, here.ziphash
            if not here.mod and needed and not (tree or partial or zipf or ziph):
                # Nothing of it at all: one finding, not one per missing file.
                found.append(
                    rule("GB201").finding(
                        f"{m.prefix} is not in the module cache ({m.root}), neither its go.mod nor its source; "
                        "the build would download it. Run `go mod download` in an earlier, cached step.",
                        require_at(t.required),
                    )
                )
                continue
            if not here.mod:
                found.append(
                    rule("GB201").finding(
                        f"{m.prefix} has no go.mod in the module cache ({m.mod}); run `go mod download`.",
                        require_at(t.required),
                    )
                )
            if partial:
                found.append(
                    rule("GB206").finding(
                        f"{m.prefix}: an interrupted extraction left {m.partial}; remove the module from "
                        "the cache and run `go mod download`.",
                        None,
                    )
                )
            elif not tree and not zipf and ziph:
                found.append(
                    rule("GB206").finding(
                        f"{m.prefix}: {m.ziphash} is there but neither the zip nor the extracted tree "
                        "is; remove the module from the cache and run `go mod download`.",
                        None,
                    )
                )
            elif zipf and not ziph:
                found.append(
                    rule("GB206").finding(
                        f"{m.prefix}: {m.zip} has no .ziphash beside it; remove the module from the "
                        "cache and run `go mod download`.",
                        None,
                    )
                )
            elif needed and not tree and not zipf:
                found.append(
                    rule("GB201").finding(
                        f"{m.prefix} source is not in the module cache ({m.tree}); the build would "
                        "download it. Run `go mod download` in an earlier, cached step.",
                        require_at(t.required),
                    )
                )
            if (m.path, m.version) in needs_keys and ((tree and not partial) or zipf):
                hashable.append(t)

    with result.check("ziphash-vs-go-sum") as found:
        for t in needs_content:
            m = t.module
            if not presence[(m.path, m.version)].ziphash:
                continue
            try:
                recorded = m.ziphash.read_text(encoding="utf-8", errors="replace").strip()
            except OSError as e:
                recorded = f"(unreadable: {e.strerror})"
            for sl in gosum.content[(m.path, m.version)]:
                if sl.hash != recorded:
                    found.append(
                        rule("GB203").finding(
                            f"{m.prefix}: {m.ziphash} records {recorded[:60]} but go.sum pins {sl.hash}.",
                            sum_at(sl),
                        )
                    )
                    break

    mod_targets = [
        t
        for t in targets
        if (t.module.path, t.module.version) in gosum.gomod and presence[(t.module.path, t.module.version)].mod
    ]
    content_targets = hashable
    # One pool for both: .mod files are tiny, trees and zips are the work.
    hashes = hash_all(
        [HashJob(t.module, "mod") for t in mod_targets] + [HashJob(t.module, "content") for t in content_targets]
    )

    with result.check("gomod-files") as found:
        for t in mod_targets:
            m = t.module
            got = hashes[HashJob(m, "mod")]
            for sl in gosum.gomod[(m.path, m.version)]:
                if isinstance(got, str) or got[1] != sl.hash:
                    what = got if isinstance(got, str) else f"hashes to {got[1]}"
                    found.append(
                        rule("GB205").finding(
                            f"{m.prefix}: the cached go.mod ({m.mod}) {what}, go.sum pins {sl.hash}.",
                            sum_at(sl),
                        )
                    )
                    break

    with result.check("hash-compiled-source") as found:
        for t in content_targets:
            m = t.module
            got = hashes[HashJob(m, "content")]
            for sl in gosum.content[(m.path, m.version)]:
                if isinstance(got, str):
                    found.append(rule("GB204").finding(f"{m.prefix}: the cached source {got}.", sum_at(sl)))
                    break
                kind, h = got
                if h != sl.hash:
                    where = f"the extracted tree {m.tree}" if kind == "tree" else f"the zip {m.zip}"
                    found.append(
                        rule("GB204").finding(
                            f"{m.prefix}: {where} hashes to {h}, go.sum pins {sl.hash}; this is what "
                            "`go build` would compile.",
                            sum_at(sl),
                        )
                    )
                    break
        result.facts["modcache_hashed"] = str(len(content_targets))


# -- vendoring -----------------------------------------------------------------------------------------------


def _check_vendor(ctx: Context, result: StageResult) -> None:
    """The go command's own check of vendor/modules.txt against go.mod (a workspace's: every go.mod of it and
    go.work): one GB207 per module it names."""
    if ctx.go is None:
        result.skip("vendor-consistent", "no go command to check vendor/modules.txt")
        result.skip("build-list", "no go command")
        return
    error = _prepared(ctx).error
    problems = vendor.inconsistencies(error) if error else []
    if problems is None:  # go failed for another reason: a syntax error, a toolchain too old
        result.skip("vendor-consistent", "the go command could not load the module (see build-list)")
        with result.check("build-list") as found:
            msg = _go_message(ctx, error)
            at = ctx.at(ctx.workspace or ctx.gomod_path)
            found.append(rule("GB208").finding(f"`go list -mod=vendor -m` failed: {msg}", at))
        return
    result.skip("build-list", "vendoring: the build list is vendor/modules.txt")
    modules_txt = ctx.module_dir / "vendor" / "modules.txt"
    try:
        entries = vendor.parse_modules_txt(modules_txt.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        entries = []
    vendored = {}
    for e in reversed(entries):  # the first line naming the module, preferring one with a version
        if e.version or e.path not in vendored:
            vendored[e.path] = e.line
    required: dict[str, tuple[Path, int]] = {}
    replaced: dict[str, tuple[Path, int]] = {}
    for file, mod in moddownload.gomods(ctx):
        for r in mod.requires:
            required.setdefault(r.path, (file, r.line))
        for rp in mod.replaces:
            replaced.setdefault(rp.old_path, (file, rp.line))
    resync = "go work vendor" if ctx.workspace is not None else "go mod vendor"
    by_path: dict[str, list[str]] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(_go_message(ctx, p.text))
    with result.check("vendor-consistent") as found:
        for path, texts in by_path.items():
            about_replace = all("replaced" in t for t in texts)
            gomod_line = (replaced.get(path) if about_replace else None) or required.get(path) or replaced.get(path)
            where = ""
            if gomod_line is not None:
                file, line = gomod_line
                where = f" ({ctx.rel(file) if ctx.workspace is not None else 'go.mod'} line {line})"
            found.append(
                rule("GB207").finding(
                    f"inconsistent vendoring: {'; '.join(texts)}{where}. Run `{resync}` and commit the result.",
                    ctx.at(modules_txt, vendored.get(path)),
                )
            )
