"""The hardened build: one pinned `go build` per target into the output directory (verify then checks each binary).

Per target: `CGO_ENABLED=0 go build -trimpath -buildmode=pie -ldflags="-s -w [-bindnow] [policy]" [-tags T]
[-a] -o OUT/<goos>_<goarch>/ PKG...` with GOFLAGS emptied, GOENV=off and GOTOOLCHAIN=local (gotool's isolated
run). All packages of a target go to one go command, so the package graph is loaded once per target. Options
in the policy that would weaken the baseline are refused (GB503) before anything runs; a target whose
toolchain cannot link a PIE without cgo is reported (GB502) before compiling, as the toolchain itself answers
(`Go.pie_check`, all targets at once).
"""

from __future__ import annotations

import functools
import os
import shlex
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from gobaseline import safefs
from gobaseline.errors import GobaselineError
from gobaseline.golang.gotool import duration
from gobaseline.model import CheckRecord, CheckStatus, Finding, Location, Stage, Target
from gobaseline.rules import rule
from gobaseline.stages import BuildOutput, Built, StageResult, linked
from gobaseline.stages.build_failures import build_failures
from gobaseline.stages.build_options import BuildOptions, build_flags, ldflags_value, plan_options
from gobaseline.stages.packages import DEFAULT_PATTERNS, MainPackage, Root, Selection
from gobaseline.stages.selection import below, guess, matches, module_paths, select_for
from gobaseline.stages.workers import Workers, available_memory_mb, build_workers

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go
    from gobaseline.stages import Context, Earlier

MANIFEST_SCHEMA = 1
# -- the stage -----------------------------------------------------------------------------------------------


def _policy_location(ctx: Context, key: str) -> Location | None:
    if ctx.policy.source == "default":
        return None
    return Location(ctx.policy.source, ctx.policy.lines.get(key))


def _uses_bindnow(go_version: str, wanted: bool) -> bool:
    """`-bindnow` exists from Go 1.23; a development build is assumed new enough."""
    if not wanted:
        return False
    from gobaseline.golang.releases import GoVersion

    v = GoVersion.parse(go_version)
    return v is None or v.minor >= 23


@dataclass
class _Job:
    target: str
    buildmode: str
    out_dir: Path
    packages: list[MainPackage]
    flags: list[str] = field(default_factory=list)
    compile_only: tuple[Root, ...] = ()
    """The modules without a main package: compile these patterns for the target too, write nothing."""
    ok: bool = False
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


def run(ctx: Context, earlier: Earlier | None = None) -> StageResult:
    """Build every target of `ctx` into the output directory; `result.built` hands the binaries to verify.

    `ctx.packages` overrides the policy's `build.packages`; `ctx.progress` receives one line per target start and
    end, and a heartbeat while one go command runs long (the CLI prints them on stderr).
    """
    result = StageResult(Stage.BUILD)
    say = ctx.progress or (lambda _line: None)
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            say(line)

    go = ctx.go
    if go is None:
        result.skip("build", "no go command (see the toolchain stage)")
        return result
    bp = ctx.policy.build
    with result.check("build-options") as found:
        opts, option_findings = plan_options(bp, _policy_location(ctx, "build"))
        found.extend(option_findings)
    if any(f.rule_id == "GB503" for f in option_findings):
        result.skip("compile", "the policy asks for options that weaken the baseline (GB503)")
        return result
    from gobaseline.stages import gocache

    with gocache.session(ctx) as cache:
        _build(ctx, result, go, opts=opts, log=log, cache_env=cache.env)
        result.findings.extend(cache.collect())
    return result


def _build(
    ctx: Context,
    result: StageResult,
    go: Go,
    *,
    opts: BuildOptions,
    log: Callable[[str], None],
    cache_env: dict[str, str],
) -> None:
    bp = ctx.policy.build
    go_version = go.version
    bindnow = _uses_bindnow(go_version, bp.bindnow)
    out_root = ctx.output_dir if ctx.output_dir.is_absolute() else ctx.output_dir.absolute()
    result.facts.update({"go_version": go_version, "output_dir": str(out_root)})
    paths = module_paths(ctx)
    mod = paths[ctx.module.dir]
    patterns = ctx.packages or bp.packages
    where = _policy_location(ctx, "build") if ctx.packages is None else None
    compile_jobs = functools.partial(_compile, ctx, go, log=log, opts=opts, cache_env=cache_env, out_root=out_root)
    plan = functools.partial(_plan_targets, ctx, result, go, opts=opts, out_root=out_root, bindnow=bindnow)
    # Listed up front with the same environment, unless the build brought its own cache (`list_up_front`);
    # while that list is still loading, the guessed main packages start building (see stages/selection). The
    # toolchain's PIE answers (one small `go list` per target) come in meanwhile: `_plan_targets` reads them
    # from the Go object that keeps them.
    upfront = ctx.selection if ctx.selection is not None and not cache_env else None
    guessed = guess(ctx) if upfront is not None and not upfront.done() else None
    held = _Held(log)  # the guessed build's progress lines are said only once the list has confirmed it
    confirmed = False
    with ThreadPoolExecutor(max_workers=1) as side:
        planned = plan(chosen=guessed) if guessed is not None and guessed.any_main else None
        ahead = side.submit(compile_jobs, planned, log=held) if planned else None
        with ThreadPoolExecutor() as early, result.check("packages") as found:
            for t in dict.fromkeys(ctx.targets) if planned is None else ():
                early.submit(go.pie_check, *t.partition("/")[::2])
            chosen = (upfront.result() if upfront is not None else None) or select_for(ctx, go, opts, cache_env)
            for msg in chosen.errors:
                found.append(rule("GB505").finding(f"Cannot resolve the packages to build: {msg}", where))
            libraries = _libraries(paths, chosen) if tuple(patterns) == DEFAULT_PATTERNS else []
            if not chosen.any_main and not chosen.errors and not libraries:
                found.append(
                    rule("GB505").finding(
                        f"No main package matches build.packages ({', '.join(patterns)}). Set build.packages to "
                        "your main packages (for example ./cmd/...), or leave it unset to build every main package.",
                        where,
                    )
                )
            confirmed = guessed is not None and matches(guessed, chosen)
            held.settle(keep=confirmed)
        early_done = ahead.result() if ahead is not None else None
    for target, excluded in chosen.excluded.items():
        result.facts[f"excluded {target}"] = ", ".join(excluded)
    if early_done is not None and confirmed:
        done, bound = early_done  # the very commands the list asks for, started before it was in
        result.facts["build_started_early"] = "yes: the guessed main packages were the listed ones"
    else:
        if early_done is not None:
            _discard(early_done[0], chosen)
        if not chosen.any_main and not libraries:
            return
        jobs = plan(chosen=chosen) if planned is None else [_fresh(j, chosen) for j in planned]
        if libraries:
            checked = tuple(_compile_roots(ctx, libraries))
            jobs = [replace(j, compile_only=checked) for j in jobs]
        done, bound = compile_jobs(jobs)
    result.facts["build_workers"] = bound.describe()
    _record_compiles(result, done)
    if libraries:
        with result.check("library") as found:
            for directory in libraries:
                name = paths[directory] or "The module"
                if len(paths) > 1:
                    name += f" ({ctx.rel(directory) or '.'})"
                found.append(
                    rule("GB506").finding(
                        f"{name} has no main package: every package was compiled for "
                        f"{', '.join(j.target for j in done)}; there is no binary to verify."
                    )
                )

    ldflags = ldflags_value(opts, bindnow=bindnow)
    binaries: list[Built] = []
    for job in done:
        if not job.ok:
            continue
        for m in job.packages:
            path = _binary_path(job.out_dir, m, job.target)
            entry = {
                "target": job.target,
                "package": m.package,
                "path": path.relative_to(out_root).as_posix(),
                "go_version": go_version,
                "buildmode": job.buildmode,
                "flags": list(job.flags),
                "ldflags": ldflags,
                "tags": list(opts.tags),
            }
            binaries.append(Built(path, entry))
    result.built = BuildOutput(
        out_root,
        tuple(binaries),
        failed_targets=tuple(j.target for j in done if not j.ok),
        manifest={
            "schema": MANIFEST_SCHEMA,
            "tool": "gobaseline",
            "module": mod,
            **({"modules": sorted(set(paths.values()))} if len(paths) > 1 else {}),
            "go_version": go_version,
            "flags": build_flags(opts, buildmode="pie", bindnow=bindnow),
            "ldflags": ldflags,
            "tags": list(opts.tags),
            "env": {"CGO_ENABLED": "0", **opts.env},
        },
    )


def _libraries(paths: dict[Path, str], chosen: Selection) -> list[Path]:
    """The modules without a main package on any target, each compiled for every target instead (none while
    some packages could not be resolved: GB505 says why)."""
    if chosen.errors:
        return []
    owners = {_owner(m.import_path, paths) for mains in chosen.mains.values() for m in mains}
    return [d for d in paths if d not in owners]


def _owner(import_path: str, paths: dict[Path, str]) -> Path | None:
    """The module a package belongs to: the one whose path is the longest prefix of its import path."""
    holders = [d for d, p in paths.items() if p and (import_path == p or import_path.startswith(p + "/"))]
    return max(holders, key=lambda d: len(paths[d]), default=None)


class _Held:
    """Progress lines held back until `settle`: then said (and the later ones passed on), or dropped."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._lock = threading.Lock()
        self._lines: list[str] | None = []
        self._keep = False

    def __call__(self, line: str) -> None:
        with self._lock:
            if self._lines is not None:
                self._lines.append(line)
                return
            keep = self._keep
        if keep:
            self._say(line)

    def settle(self, *, keep: bool) -> None:
        with self._lock:
            lines, self._lines, self._keep = self._lines or [], None, keep
        for line in lines if keep else ():
            self._say(line)


def _fresh(job: _Job, chosen: Selection) -> _Job:
    """A planned job again, with the listed packages and nothing of the guessed build's outcome."""
    return replace(
        job, packages=list(chosen.mains.get(job.target, [])), ok=False, seconds=0.0, findings=[], commands=[]
    )


def _discard(jobs: list[_Job], chosen: Selection) -> None:
    """Remove what a build of guessed packages wrote that the listed packages do not make (the rest the next
    build judges through the record of linked binaries)."""
    for job in jobs:
        wanted = {m.import_path for m in chosen.mains.get(job.target, [])}
        for m in job.packages:
            if m.import_path not in wanted:
                _binary_path(job.out_dir, m, job.target).unlink(missing_ok=True)


def _compile_roots(ctx: Context, modules: list[Path]) -> list[Root]:
    """Where the compile check of modules without a main package runs: the workspace root, once for all of them
    (go.work), else each module directory."""
    if ctx.workspace is not None:
        return [Root(ctx.module_dir, tuple(below(ctx, d) for d in modules))]
    return [Root(d, DEFAULT_PATTERNS) for d in modules]


def _plan_targets(
    ctx: Context,
    result: StageResult,
    go: Go,
    *,
    opts: BuildOptions,
    chosen: Selection,
    out_root: Path,
    bindnow: bool,
) -> list[_Job]:
    """One job per target that can be built; a target that cannot link a PIE without cgo is GB502 (unless
    the policy allows it non-PIE), as the toolchain answers before anything compiles (all targets at once)."""
    bp = ctx.policy.build
    jobs: list[_Job] = []
    with ThreadPoolExecutor() as pool:
        answers = {t: pool.submit(go.pie_check, *t.partition("/")[::2]) for t in dict.fromkeys(ctx.targets)}
    for target in ctx.targets:
        goos, _, goarch = target.partition("/")
        with result.check("pie-support", target=target) as found:
            support = answers[target].result()
            buildmode = "pie"
            if support.supported is False:
                if target in bp.allow_non_pie:
                    buildmode = "exe"
                else:
                    found.append(
                        rule("GB502").finding(
                            f"{go.version} cannot build a PIE for {target} without cgo ({support.reason}); "
                            "remove the target or list it under build.allow_non_pie.",
                            _policy_location(ctx, "targets"),
                            target=target,
                        )
                    )
                    continue
        out_dir = out_root / Target(goos, goarch).dirname
        flags = build_flags(opts, buildmode=buildmode, bindnow=bindnow)
        jobs.append(_Job(target, buildmode, out_dir, list(chosen.mains.get(target, [])), flags))
    return jobs


def _compile(
    ctx: Context,
    go: Go,
    jobs: list[_Job],
    log: Callable[[str], None],
    *,
    opts: BuildOptions,
    cache_env: dict[str, str],
    out_root: Path,
) -> tuple[list[_Job], Workers]:
    """Run one pinned `go build` per job, as many at once as cores and memory allow (`workers`).

    A binary from an earlier run stays for go to judge when `linked` proves it is go's output; any other file
    in its place is removed first, and a failed build removes its target's binaries."""
    env_base = {"CGO_ENABLED": "0", **opts.env, **cache_env}
    bp = ctx.policy.build
    ledger = linked.Ledger(out_root)

    def build_one(job: _Job) -> _Job:
        t = Target.parse(job.target)
        if not job.packages and not job.compile_only:
            job.ok = True
            log(f"build {job.target}: no main package is built for this target (build constraints)")
            return job
        safefs.ensure_dir(job.out_dir)  # never through a link planted in the output directory
        with ledger.around([_binary_path(job.out_dir, m, job.target) for m in job.packages]) as kept:
            _go_build(ctx, go, job, log=log, problems=kept.problems, env={**env_base, **t.env()})
            kept.settle(job.ok)
        if not job.ok:
            log(f"build {job.target}: failed after {job.seconds:.1f} s ({len(job.findings)} problems)")
        else:
            sizes = []
            for m in job.packages:
                p = _binary_path(job.out_dir, m, job.target)
                note = " (up to date)" if p in kept.up_to_date else ""
                sizes.append(f"{p.name} {p.stat().st_size / 1e6:.1f} MB{note}" if p.exists() else f"{p.name} missing")
            log(f"build {job.target}: done in {job.seconds:.1f} s" + (f", {', '.join(sizes)}" if sizes else ""))
        return job

    bound = build_workers(
        len(jobs),
        parallel=bp.parallel,
        link_memory_mb=bp.link_memory_mb,
        cores=os.cpu_count(),
        memory_mb=available_memory_mb(),
    )
    try:
        if bound.count == 1:
            return [build_one(j) for j in jobs], bound
        with ThreadPoolExecutor(max_workers=bound.count) as pool:
            return list(pool.map(build_one, jobs)), bound
    finally:
        if any(j.packages for j in jobs) and (refused := ledger.save()) is not None:
            log(f"build: the record of linked binaries was not written ({refused}); the next build relinks them")


def _go_build(
    ctx: Context, go: Go, job: _Job, *, log: Callable[[str], None], problems: list[str], env: dict[str, str]
) -> None:
    """The go commands of one job; `problems` (binaries of the last build that could not be removed) fail it."""
    log(f"build {job.target}: {_describe(job)}")
    start = time.perf_counter()
    n = len(job.packages)
    what = " and ".join(
        ([f"{n} package{'s' if n != 1 else ''}"] if n else []) + (["compile check"] if job.compile_only else [])
    )

    def beat(_seconds: float) -> None:  # a long link: say the target still runs, since its start
        log(f"build {job.target}: still running ({duration(time.perf_counter() - start)}, {what})")

    job.ok = not problems
    job.findings.extend(rule("GB505").finding(f"`go build`: {msg}", target=job.target) for msg in problems)
    for cwd, args in _invocations(job, ctx.module_dir) if job.ok else ():
        where = "" if cwd == ctx.module_dir else f"cd {shlex.quote(ctx.rel(cwd))} && "
        job.commands.append(where + "go " + " ".join(shlex.quote(a) for a in args))
        try:
            res = go.run(args, cwd=cwd, extra_env=env, heartbeat=beat)
        except GobaselineError as e:
            job.ok = False
            job.findings.append(rule("GB505").finding(f"`go build`: {e.message}", target=job.target))
            break
        if not res.ok:
            job.ok = False
            job.findings.extend(
                build_failures(ctx, go, res.stderr or res.stdout, cwd, target=job.target, flags=job.flags, env=env)
            )
    job.seconds = time.perf_counter() - start


def _invocations(job: _Job, base: Path) -> list[tuple[Path, list[str]]]:
    """The go commands of one target, each with the directory it runs in: per build root, every main package
    with its Go name in one command (the package graph loads once), each renamed one on its own with its file
    name; first, for the modules without a main package, a compile of their packages that writes nothing (no
    -buildmode: pie and exe ignore non-main packages)."""
    flags = [f for f in job.flags if not f.startswith("-buildmode=")]
    checks = [(r.dir, ["build", *flags, *r.patterns]) for r in job.compile_only]
    together: dict[Path, list[str]] = {}
    for m in job.packages:
        if not m.renamed:
            together.setdefault(m.cwd or base, []).append(m.arg)
    out = [(cwd, ["build", *job.flags, "-o", str(job.out_dir) + os.sep, *args]) for cwd, args in together.items()]
    for m in job.packages:
        if m.renamed:
            out.append(
                (m.cwd or base, ["build", *job.flags, "-o", str(_binary_path(job.out_dir, m, job.target)), m.arg])
            )
    return checks + out


def _describe(job: _Job) -> str:
    """A short start line: what is built (the full commands go in the report's facts)."""

    def listed(what: list[str]) -> str:
        return ", ".join(what[:4]) + (f" and {len(what) - 4} more" if len(what) > 4 else "")

    mains = [m.package for m in job.packages]
    parts = [f"{len(mains)} package{'s' if len(mains) != 1 else ''} ({listed(mains)})"] if mains else []
    if job.compile_only:
        parts.append(f"compiling {listed([p for r in job.compile_only for p in r.patterns])} (no main package)")
    return "; ".join(parts)


def _record_compiles(result: StageResult, done: list[_Job]) -> None:
    """One `compile` check per target; a compile error seen on several targets is one finding naming them all."""
    merged: dict[tuple[str, Location | None, str], list[str]] = {}
    for job in done:
        status = CheckStatus.PASSED if not job.findings else CheckStatus.FAILED
        result.checks.append(CheckRecord(Stage.BUILD, "compile", status, job.seconds, job.target))
        if job.commands:
            result.facts[f"build_command {job.target}"] = " && ".join(job.commands)
        for f in job.findings:
            seen = merged.setdefault((f.rule_id, f.location, f.message), [])
            if job.target not in seen:  # a compile check and a main may both compile the same package
                seen.append(job.target)
    for (rule_id, location, message), targets in merged.items():
        if len(targets) == 1:  # the finding's target says it
            result.findings.append(rule(rule_id).finding(message, location, target=targets[0]))
        else:
            result.findings.append(rule(rule_id).finding(f"{message} (GOOS/GOARCH {', '.join(targets)})", location))


def _binary_path(out_dir: Path, m: MainPackage, target: str) -> Path:
    return out_dir / (m.name + Target.parse(target).exe_suffix)
