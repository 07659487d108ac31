"""Tier 2: the module cache holds exactly what go.sum pins, and what will be compiled hashes to it.

`go build` compares only the cached `.ziphash` with go.sum: it compiles an edited extracted tree and
re-extracts a swapped zip without complaint. `go mod verify` re-hashes zips and trees against `.ziphash`, not
go.sum, so a wrong go.sum line passes it. This stage hashes what will be compiled (the extracted tree when
present, else the zip) and every cached `.mod` against go.sum itself, with the h1 algorithm in
`gobaseline.golang.dirhash`, in parallel.

When the module vendors its dependencies (vendor/modules.txt with `go 1.14` or later) the build compiles
vendor/, so the cache is not hashed; vendor/modules.txt is checked against go.mod instead, as the go command
does.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from gobaseline.errors import GoModError
from gobaseline.golang import dirhash
from gobaseline.golang import modfile as gomod
from gobaseline.model import Location, Stage
from gobaseline.rules import rule
from gobaseline.stages import Context, StageResult

CACHE_CHECKS = ("go-sum-entries", "cache-present", "ziphash-vs-go-sum", "gomod-files", "hash-compiled-source")
"""The checks that look at the module cache, in the order they are recorded."""

_MAX_MESSAGE = 600
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


_UPPER = re.compile("[A-Z]")

# -- small pure helpers --------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """The module cache's case escaping: every upper-case letter becomes `!` + its lower case."""
    return _UPPER.sub(lambda m: "!" + m.group(0).lower(), text)


@dataclass(frozen=True)
class SumLine:
    """One `h1:` line of go.sum."""

    hash: str
    line: int


@dataclass
class GoSum:
    """go.sum's `h1:` lines, by (module path, version) for content and for `/go.mod`."""

    content: dict[tuple[str, str], list[SumLine]] = field(default_factory=dict)
    gomod: dict[tuple[str, str], list[SumLine]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> GoSum:
        """Read go.sum text; lines that are not `path version h1:hash` are ignored (go rejects them)."""
        out = cls()
        for n, raw in enumerate(text.splitlines(), 1):
            parts = raw.split()
            if len(parts) != 3 or not parts[2].startswith("h1:"):
                continue
            path, version, h = parts
            table = out.content
            if version.endswith("/go.mod"):
                version, table = version[: -len("/go.mod")], out.gomod
            table.setdefault((path, version), []).append(SumLine(h, n))
        return out


@dataclass(frozen=True)
class GoModFacts:
    """What the cache and vendor checks need from go.mod, with the line of every entry."""

    go: tuple[int, ...] | None
    requires: dict[str, tuple[str, int, bool]]
    """path -> (version, line, indirect)."""
    replaces: dict[tuple[str, str], tuple[str, str, int]]
    """(old path, old version or "") -> (new path, new version or "", line)."""


def facts_of(mod: gomod.GoMod) -> GoModFacts:
    """What the cache and vendor checks need, from the parsed go.mod."""
    go = None
    if mod.go is not None:
        m = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", mod.go.version)
        if m:
            go = tuple(int(g) for g in m.groups() if g is not None)
    requires = {r.path: (r.version, r.line, r.indirect) for r in mod.requires}
    replaces = {(r.old_path, r.old_version or ""): (r.new_path, r.new_version or "", r.line) for r in mod.replaces}
    return GoModFacts(go, requires, replaces)


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
class CachedModule:
    """Where one module version lives in the module cache."""

    path: str
    version: str
    root: Path

    # Paths are computed once per module (a run asks for each several times; pathlib joins are not free).
    @cached_property
    def download_dir(self) -> Path:
        """`cache/download/<escaped path>/@v`."""
        return self.root / "cache" / "download" / escape(self.path) / "@v"

    def _file(self, suffix: str) -> Path:
        return self.download_dir / f"{escape(self.version)}{suffix}"

    @cached_property
    def mod(self) -> Path:
        """The module's go.mod as the cache keeps it."""
        return self._file(".mod")

    @cached_property
    def zip(self) -> Path:
        """The downloaded zip."""
        return self._file(".zip")

    @cached_property
    def ziphash(self) -> Path:
        """The zip's h1, as `go mod download` recorded it (what `go build` compares with go.sum)."""
        return self._file(".ziphash")

    @cached_property
    def tree(self) -> Path:
        """The read-only extracted tree that `go build` compiles."""
        return self.root / f"{escape(self.path)}@{escape(self.version)}"

    @cached_property
    def partial(self) -> Path:
        """The marker of an interrupted extraction."""
        return self.root / f"{escape(self.path)}@{escape(self.version)}.partial"

    @property
    def prefix(self) -> str:
        """`path@version`, the prefix of every name in the h1 hash."""
        return f"{self.path}@{self.version}"


@dataclass(frozen=True)
class Target:
    """A module of the build list whose source comes from the module cache."""

    required: str
    """The path go.mod requires (locations point at its require line)."""
    module: CachedModule
    """What is actually fetched: the replacement when go.mod replaces the module with another version."""
    indirect: bool


@dataclass(frozen=True)
class Presence:
    """Which of a module's cache files and directories exist."""

    mod: bool
    zip: bool
    ziphash: bool
    tree: bool
    partial: bool


class Listing:
    """Directory listings of the module cache, read once per run: one `listdir` answers for every version of a
    module (and for every module under a common parent) instead of five `stat` calls per module."""

    def __init__(self) -> None:
        self._names: dict[str, frozenset[str]] = {}

    def names(self, directory: str) -> frozenset[str]:
        """The entries of `directory` (empty when it does not exist or cannot be read)."""
        got = self._names.get(directory)
        if got is None:
            try:
                got = frozenset(os.listdir(directory))  # noqa: PTH208 - names only, and fast
            except OSError:
                got = frozenset()
            self._names[directory] = got
        return got

    def presence(self, m: CachedModule) -> Presence:
        """What of `m` is in the cache."""
        files = self.names(str(m.download_dir))
        version = escape(m.version)
        parent, name = os.path.split(str(m.tree))
        top = self.names(parent)
        return Presence(
            mod=f"{version}.mod" in files,
            zip=f"{version}.zip" in files,
            ziphash=f"{version}.ziphash" in files,
            tree=name in top,
            partial=f"{name}.partial" in top,
        )


def hash_compiled(m: CachedModule) -> tuple[str, str]:
    """("tree" or "zip", h1) of what `go build` will compile: the complete extracted tree, else the zip."""
    if m.tree.is_dir() and not m.partial.exists():
        return "tree", dirhash.hash_dir(m.tree, m.prefix)
    return "zip", dirhash.hash_zip(m.zip)


@dataclass(frozen=True)
class HashJob:
    """One hash to compute: a module's cached `.mod` file, or the source `go build` will compile."""

    module: CachedModule
    kind: str
    """`mod` or `content`."""

    def __call__(self) -> tuple[str, str] | str:
        """("tree"|"zip"|"mod", h1), or why it cannot be hashed."""
        try:
            if self.kind == "mod":
                return "mod", dirhash.hash_gomod(self.module.mod)
            return hash_compiled(self.module)
        except (dirhash.HashError, OSError) as e:
            return f"cannot be hashed: {e}"


def hash_all(jobs: Iterable[HashJob], workers: int | None = None) -> dict[HashJob, tuple[str, str] | str]:
    """Run the jobs in a thread pool (file reads, zlib and sha256 over large buffers release the GIL)."""
    todo = list(jobs)
    if not todo:
        return {}
    # One thread per core: on 2 cores, more threads only add GIL contention (see bench/README.md).
    n = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=n) as pool:
        return dict(zip(todo, pool.map(HashJob.__call__, todo), strict=True))


# -- the stage -----------------------------------------------------------------------------------------------


def run(ctx: Context) -> StageResult:
    """Check the module cache (or vendor/) against go.mod and go.sum."""
    start = time.perf_counter()
    result = StageResult(Stage.MODCACHE)
    try:
        _run(ctx, result)
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
    try:
        facts = facts_of(ctx.gomod())
    except GoModError:  # `go list` reports the syntax error (GB208); the cache is still checked against go.sum
        facts = GoModFacts(None, {}, {})
    modules_txt = ctx.module_dir / "vendor" / "modules.txt"
    if modules_txt.is_file() and facts.go is not None and facts.go >= (1, 14):
        _check_vendor(ctx, result, facts, modules_txt)
        result.skip("build-list", "vendoring: the build list is vendor/modules.txt")
        _skip_cache(result, "vendoring: the build compiles vendor/, not the module cache")
        return
    result.skip("vendor-consistent", "no vendor/modules.txt (or go.mod older than go 1.14): not vendoring")
    if ctx.go is None:
        result.skip("build-list", "no go command")
        _skip_cache(result, "no go command to compute the build list")
        return

    # First the build list (maybe already loading in the background): `go list` may rewrite go.sum and restores
    # it afterwards, so go.sum is read only once it has finished.
    modules, error = ctx.build_list.result() if ctx.build_list is not None else list_build(ctx)
    gosum_path = ctx.module_dir / "go.sum"
    gosum_bytes = gosum_path.read_bytes() if gosum_path.is_file() else None
    gosum = GoSum.parse(gosum_bytes.decode("utf-8", "replace") if gosum_bytes is not None else "")
    modcache = Path(ctx.go.env.get("GOMODCACHE", "") or Path.home() / "go" / "pkg" / "mod")
    result.facts["GOMODCACHE"] = str(modcache)

    def require_at(path: str) -> Location:
        req = facts.requires.get(path)
        return ctx.at(gomod_path, req[1] if req else None)

    with result.check("build-list") as found:
        if error:
            home = ctx.go.environ.get("HOME", "")
            msg = sanitise(
                error,
                {
                    str(ctx.module_dir.resolve()): ".",
                    str(ctx.module_dir): ".",
                    str(modcache): "$GOMODCACHE",
                    **({home: "~"} if home else {}),
                },
            )
            found.append(rule("GB208").finding(f"`go list -m all` failed: {msg}", ctx.at(gomod_path)))

    if error and not modules:
        # Still check what go.mod names (all of the build list from go 1.17 on): a tampered .mod is one reason
        # `go list` fails, and the rest of the cache deserves the same scrutiny.
        targets, local = _targets_from_gomod(facts, modcache)
        result.facts["modcache_build_list"] = "go.mod requirements (`go list -m all` failed)"
    else:
        targets, local = _targets(modules, modcache)
    result.facts["modcache_modules"] = str(len(targets))
    if local:
        result.facts["modcache_local_replacements"] = " ".join(sorted(local))
    _check_cache(
        ctx,
        result=result,
        targets=targets,
        gosum=gosum,
        have_gosum=gosum_bytes is not None,
        facts=facts,
        require_at=require_at,
    )


def list_build(ctx: Context) -> tuple[list[dict[str, Any]], str]:
    """The build list; go.mod and go.sum are restored byte for byte if `-mod=mod` made go rewrite them.

    The pipeline starts this in the background while the toolchain stage runs (see `Context.build_list`).
    """
    gomod_path, gosum_path = ctx.gomod_path, ctx.module_dir / "go.sum"
    if ctx.go is None:
        return [], "no go command"
    saved = {p: (p.read_bytes() if p.is_file() else None) for p in (gomod_path, gosum_path)}
    try:
        return ctx.go.list_modules(ctx.module_dir)
    finally:
        for p, data in saved.items():
            now = p.read_bytes() if p.is_file() else None
            if now != data:
                if data is None:
                    p.unlink()
                else:
                    tmp = p.with_name(p.name + ".gobaseline-restore")
                    tmp.write_bytes(data)
                    tmp.replace(p)


def _targets(modules: list[dict[str, Any]], modcache: Path) -> tuple[list[Target], list[str]]:
    targets: list[Target] = []
    local: list[str] = []
    seen: set[tuple[str, str]] = set()
    for m in modules:
        if m.get("Main") or not m.get("Path") or not m.get("Version"):
            continue
        path, version = str(m["Path"]), str(m["Version"])
        rep = m.get("Replace")
        if isinstance(rep, dict):
            if not rep.get("Version"):
                local.append(path)
                continue
            path, version = str(rep["Path"]), str(rep["Version"])
        if (path, version) in seen:
            continue
        seen.add((path, version))
        targets.append(Target(str(m["Path"]), CachedModule(path, version, modcache), bool(m.get("Indirect"))))
    return targets, local


def _targets_from_gomod(facts: GoModFacts, modcache: Path) -> tuple[list[Target], list[str]]:
    modules: list[dict[str, Any]] = []
    for path, (version, _line, indirect) in facts.requires.items():
        entry: dict[str, Any] = {"Path": path, "Version": version, "Indirect": indirect}
        new = facts.replaces.get((path, version)) or facts.replaces.get((path, ""))
        if new is not None:
            entry["Replace"] = {"Path": new[0], "Version": new[1]}
        modules.append(entry)
    return _targets(modules, modcache)


def _check_cache(
    ctx: Context,
    *,
    result: StageResult,
    targets: list[Target],
    gosum: GoSum,
    have_gosum: bool,
    facts: GoModFacts,
    require_at: Callable[[str], Location],
) -> None:
    gosum_file = ctx.module_dir / "go.sum"
    gosum_loc = ctx.at(gosum_file) if have_gosum else ctx.at(ctx.gomod_path)

    def sum_at(line: SumLine) -> Location:
        return ctx.at(gosum_file, line.line)

    listing = Listing()
    presence = {(t.module.path, t.module.version): listing.presence(t.module) for t in targets}
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
                        require_at(t.required) if t.required in facts.requires else gosum_loc,
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


@dataclass
class VendorEntry:
    """One `# path version [=> new [version]]` line of vendor/modules.txt."""

    path: str
    version: str
    line: int
    replacement: tuple[str, str] | None = None
    explicit: bool = False


def parse_modules_txt(text: str) -> list[VendorEntry]:
    """The module lines of vendor/modules.txt and their `## explicit` markers."""
    entries: list[VendorEntry] = []
    for n, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("# "):
            toks = raw[2:].split()
            rep: tuple[str, str] | None = None
            if "=>" in toks:
                i = toks.index("=>")
                new = toks[i + 1 :]
                rep = (new[0], new[1] if len(new) > 1 else "") if new else ("", "")
                toks = toks[:i]
            if toks:
                entries.append(VendorEntry(toks[0], toks[1] if len(toks) > 1 else "", n, rep))
        elif raw.startswith("## ") and entries and "explicit" in [a.strip() for a in raw[3:].split(";")]:
            entries[-1].explicit = True
    return entries


def _check_vendor(ctx: Context, result: StageResult, facts: GoModFacts, modules_txt: Path) -> None:
    entries = parse_modules_txt(modules_txt.read_text(encoding="utf-8", errors="replace"))
    with result.check("vendor-consistent") as found:

        def add(msg: str, line: int | None) -> None:
            found.append(
                rule("GB207").finding(f"{msg}; run `go mod vendor` and commit the result.", ctx.at(modules_txt, line))
            )

        by_path: dict[str, list[VendorEntry]] = {}
        for e in entries:
            by_path.setdefault(e.path, []).append(e)
        for path, (version, gline, _indirect) in facts.requires.items():
            ents = [e for e in by_path.get(path, []) if e.version]
            if not ents:
                add(
                    f"{path} {version} is required in go.mod (line {gline}) but not in vendor/modules.txt",
                    None,
                )
                continue
            e = ents[0]
            if e.version != version:
                add(
                    f"{path} is required at {version} in go.mod (line {gline}) but vendored at {e.version}",
                    e.line,
                )
            elif not e.explicit:
                add(
                    f"{path} {version} is required in go.mod (line {gline}) but not marked `## explicit`",
                    e.line,
                )
        for e in entries:
            if e.explicit and e.path not in facts.requires:
                add(f"{e.path} is marked `## explicit` but go.mod does not require it", e.line)
        for (old, oldv), (new, newv, rline) in facts.replaces.items():
            ents = [e for e in by_path.get(old, []) if not oldv or e.version == oldv]
            if not ents or all(e.replacement is None for e in ents):
                if ents or old in facts.requires:
                    add(
                        f"{old} is replaced in go.mod (line {rline}) but not in vendor/modules.txt",
                        ents[0].line if ents else None,
                    )
                continue
            for e in ents:
                if e.replacement is not None and e.replacement != (new, newv):
                    shown = " ".join(x for x in e.replacement if x)
                    add(
                        f"{old} is replaced by {new} {newv}".rstrip() + f" in go.mod (line {rline}) but by {shown} "
                        "in vendor/modules.txt",
                        e.line,
                    )
                    break  # one finding per replace directive, as the go command reports it
        for e in entries:
            if (
                e.replacement is not None
                and (e.path, e.version) not in facts.replaces
                and (e.path, "") not in facts.replaces
            ):
                add(
                    f"{e.path} is marked replaced in vendor/modules.txt but go.mod does not replace it",
                    e.line,
                )
