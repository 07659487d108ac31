"""The go.mod policy: `go` and `toolchain` lines, replacements and waivers, `+incompatible` requirements.

Rules (catalogue `rules/gomod.yml`):

- GB401/GB402: the `go` line exists and names a minor release the baseline allows (`allows_language`).
- GB403: a `toolchain` line names an allowed release (`toolchain default` is always fine).
- GB404: a `replace` of a *public* module by another module, without a valid waiver. A module path is
  public when its first element contains a dot (`github.com/...`, `example.com/...`: only such paths can be
  fetched from a proxy or VCS host) and it matches none of the GOPRIVATE, GONOPROXY and GONOSUMDB patterns
  of `go env` (read when a go command is available; otherwise every dotted path is public).
- GB405: a `replace` by a local directory (`./x`, `../x`, an absolute path), public module or not, without
  a valid waiver. Reported apart from GB404: a local replace is a development shortcut, not a swap of
  published code.
- Waivers (`waivers:` in the policy) match a replace by its old module path (`module: github.com/x/y`, every
  version) or by path and version (`module: github.com/x/y@v1.2.3`, only `replace github.com/x/y v1.2.3`).
  A waiver is valid through its `expires` date. An expired waiver is GB406 at its line in the policy file
  and no longer covers its replace (which is then GB404 or GB405 too, so turning GB406 off never re-allows
  the replace); a valid waiver that matches no replace is GB407.
- GB408/GB409: `+incompatible` requirements, direct and `// indirect`.
- `retract` lines are this module's own business and are not checked.

Findings point at go.mod:line:column of the directive (of the entry's first token inside a block).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

from gobaseline.errors import GobaselineError, GoModError
from gobaseline.golang import modfile as gomod
from gobaseline.golang.releases import Baseline, GoVersion, Releases
from gobaseline.model import Finding, Location, Stage
from gobaseline.policy import POLICY_FILENAME, Waiver
from gobaseline.rules import rule
from gobaseline.stages import Context, Earlier, StageResult

PRIVATE_PATTERN_VARS = ("GOPRIVATE", "GONOPROXY", "GONOSUMDB")


def run(ctx: Context, earlier: Earlier | None = None, *, releases: Releases | None = None) -> StageResult:
    """Check the module's go.mod against the policy; GoModError when there is no go.mod or it does not parse.

    `releases` replaces the release data (tests); by default the bundled snapshot, or with `releases.refresh`
    the live list (falling back to the snapshot: the toolchain stage reports a failed refresh).
    """
    result = StageResult(Stage.GOMOD)
    baseline = Baseline.from_policy(ctx.policy.go_versions, releases or ctx.release_data)
    used: set[int] = set()
    source = policy_file(ctx)  # the run's policy file, for every module (a nested module's own file is not read)
    modules = []
    for one, label in ctx.each_module():
        if not one.gomod_path.is_file():
            raise GoModError(f"no go.mod in {one.module_dir}")
        modules.append((one, label, one.gomod()))
    for one, label, mod in modules:
        with result.about(label):
            if mod.module is not None:
                result.facts["module"] = mod.module.path
            _check_go(one, result, mod, baseline)
            _check_toolchain(one, result, mod, baseline)
            used |= _check_replaces(one, result, mod, source)
    if ctx.workspace is not None:
        with result.about(ctx.rel(ctx.workspace)):
            _check_work(ctx, result, baseline)
            used |= _check_work_replaces(ctx, result, source)
    _check_waivers(ctx, result, used)  # once: a waiver may cover a replace in any module
    for one, label, mod in modules:
        with result.about(label):
            _check_incompatible(one, result, mod)
    return result


def _check_work(ctx: Context, result: StageResult, baseline: Baseline) -> None:
    """go.work's `go` and `toolchain` lines, as go.mod's (a go.work without a `go` line is not a finding)."""
    if ctx.workspace is None:  # pragma: no cover - the caller checks
        return
    from gobaseline.golang.workspace import parse_lines

    lines = parse_lines(ctx.workspace.read_bytes(), ctx.rel(ctx.workspace))
    if lines.go is not None:
        work = gomod.GoMod(module=None, go=lines.go, toolchain=lines.toolchain, file=ctx.rel(ctx.workspace))
        _check_go(ctx, result, work, baseline, file=ctx.workspace)
    _check_toolchain(ctx, result, gomod.GoMod(None, None, lines.toolchain), baseline, file=ctx.workspace)


def _check_work_replaces(ctx: Context, result: StageResult, source: str) -> set[int]:
    """go.work's `replace` lines, as go.mod's (they apply to every module of the workspace and win over theirs). A
    go.work the go command cannot read is left to it: every go command of the run reports it."""
    if ctx.workspace is None:  # pragma: no cover - the caller checks
        return set()
    try:
        work = gomod.parse(ctx.workspace.read_bytes(), ctx.rel(ctx.workspace), work=True)
    except GoModError:
        return set()
    if not work.replaces:
        return set()
    return _check_replaces(ctx, result, work, source, file=ctx.workspace)


# -- go and toolchain ----------------------------------------------------------------------------------------


def _oldest_allowed(baseline: Baseline) -> str:
    """The least disruptive language version to suggest: the oldest allowed minor."""
    if baseline.explicit:
        return min(baseline.explicit).minor_name
    return f"1.{min(baseline.releases.supported_minors)}"


def _newest_allowed_toolchain(baseline: Baseline) -> str:
    """A toolchain name to suggest: the newest allowed release (`go1.27.3`)."""
    if baseline.explicit:
        best = max(baseline.explicit)
        if best.patch is not None:
            return f"go{best}"
        newest = baseline.releases.newest_patch(best.minor)
        return f"go{newest}" if newest is not None else f"go{best.minor_name}.0"
    return f"go{baseline.releases.stable[0]}"


def _check_go(
    ctx: Context, result: StageResult, mod: gomod.GoMod, baseline: Baseline, *, file: Path | None = None
) -> None:
    file = file or ctx.gomod_path
    with result.check("go-directive") as found:
        suggest = _oldest_allowed(baseline)
        if mod.go is None:
            line, col = (mod.module.line, mod.module.col) if mod.module is not None else (1, 1)
            found.append(
                rule("GB401").finding(
                    f"go.mod has no `go` line, so the module builds with Go 1.16 semantics. Add one with "
                    f"`go mod edit -go={suggest}` ({baseline.describe()} is allowed).",
                    ctx.at(file, line, col),
                )
            )
            return
        value = mod.go.version
        version = GoVersion.parse(value)
        if version is not None and baseline.allows_language(version):
            return
        if version is None:
            why = "not a Go 1 release number"
        elif version.is_prerelease:
            why = "a pre-release"
        else:
            why = "outside the baseline"
        fix = (
            f"`go work edit -go={suggest}`"
            if file.name == "go.work"
            else f"`go mod edit -go={suggest}` and run `go mod tidy`"
        )
        found.append(
            rule("GB402").finding(
                f"`go {value}` is {why}: {baseline.describe()} is allowed. Change it with {fix}.",
                ctx.at(file, mod.go.line, mod.go.col),
            )
        )


def _check_toolchain(
    ctx: Context, result: StageResult, mod: gomod.GoMod, baseline: Baseline, *, file: Path | None = None
) -> None:
    file = file or ctx.gomod_path
    tc = mod.toolchain
    if tc is None:
        result.skip("toolchain-directive", f"{file.name} has no toolchain line")
        return
    with result.check("toolchain-directive") as found:
        if tc.name == "default":
            return
        version = GoVersion.parse(tc.name)
        if version is not None and baseline.allows_language(version):
            return
        what = "a release outside the baseline" if version is not None else "no Go release gobaseline knows"
        if version is not None and version.is_prerelease:
            what = "a pre-release"
        edit = "go work edit" if file.name == "go.work" else "go mod edit"
        found.append(
            rule("GB403").finding(
                f"`toolchain {tc.name}` names {what}: {baseline.describe()} is allowed. Change it with "
                f"`{edit} -toolchain={_newest_allowed_toolchain(baseline)}` or remove it with "
                f"`{edit} -toolchain=none`.",
                ctx.at(file, tc.line, tc.col),
            )
        )


# -- replace and waivers -------------------------------------------------------------------------------------


def match_prefix_patterns(globs: str, target: str) -> bool:
    """module.MatchPrefixPatterns: does a prefix of `target` match one of the comma-separated path globs?

    A glob with N slashes is matched (path.Match) against the first N+1 elements of `target`.
    """
    for raw in globs.split(","):
        glob = raw.removesuffix("/")
        if not glob:
            continue
        n = glob.count("/")
        parts = target.split("/")
        if len(parts) < n + 1:
            continue
        if _path_match(glob, "/".join(parts[: n + 1])):
            return True
    return False


def _path_match(pattern: str, name: str) -> bool:
    """Go's path.Match: `*` and `?` never match `/`; `[...]` classes with `^` negation and ranges; `\\`
    escapes. A malformed pattern matches nothing."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            if i + 1 >= n:
                return False
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            j = i + 1
            negate = j < n and pattern[j] == "^"
            if negate:
                j += 1
            items: list[str] = []
            while j < n and (pattern[j] != "]" or not items):
                lo = pattern[j]
                if lo == "\\":
                    j += 1
                    if j >= n:
                        return False
                    lo = pattern[j]
                j += 1
                if j + 1 < n and pattern[j] == "-" and pattern[j + 1] != "]":
                    hi = pattern[j + 1]
                    if hi == "\\":
                        if j + 2 >= n:
                            return False
                        hi = pattern[j + 2]
                        j += 1
                    j += 2
                    if hi < lo:
                        return False
                    items.append(f"{re.escape(lo)}-{re.escape(hi)}")
                else:
                    items.append(re.escape(lo))
            if j >= n or not items:
                return False
            out.append(("[^/" if negate else "[") + "".join(items) + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.fullmatch("".join(out), name, re.S) is not None


def is_public(module_path: str, env: Mapping[str, str]) -> bool:
    """The first path element has a dot and no GOPRIVATE, GONOPROXY or GONOSUMDB pattern matches."""
    if "." not in module_path.split("/", 1)[0]:
        return False
    return not any(match_prefix_patterns(env.get(var, ""), module_path) for var in PRIVATE_PATTERN_VARS)


def _go_env(ctx: Context) -> Mapping[str, str]:
    if ctx.go is None:
        return {}
    try:
        return ctx.go.env
    except GobaselineError:
        return {}


def waiver_matches(waiver: Waiver, replace: gomod.Replace) -> bool:
    """`module: path` matches every replace of `path`; `module: path@version` only `replace path version`."""
    path, at, version = waiver.module.partition("@")
    if path != replace.old_path:
        return False
    if not at:
        return True
    return replace.old_version is not None and replace.old_version in (
        version,
        gomod.canonical_version(version),
    )


def _expired(waiver: Waiver, today: dt.date) -> bool:
    return waiver.expires < today


def _check_replaces(
    ctx: Context, result: StageResult, mod: gomod.GoMod, source: str, *, file: Path | None = None
) -> set[int]:
    """GB404/GB405 for the module's replaces (`source`: the policy file waivers go in; `file`: where they are
    written, go.mod by default); the waivers (by index) that matched one."""
    waivers = ctx.policy.waivers
    env = _go_env(ctx) if mod.replaces else {}
    used: set[int] = set()

    def waived(rp: gomod.Replace) -> tuple[bool, Waiver | None]:
        """(a valid waiver covers it, an expired waiver that would have)."""
        expired = None
        for i, w in enumerate(waivers):
            if waiver_matches(w, rp):
                used.add(i)
                if not _expired(w, ctx.today):
                    return True, None
                expired = expired or w
        return False, expired

    def lapsed(w: Waiver | None) -> str:
        return f" (the waiver at {source}:{w.line} expired on {w.expires.isoformat()})" if w else ""

    public: list[Finding] = []
    local: list[Finding] = []
    for rp in mod.replaces:
        ok, expired = waived(rp)
        if ok:
            continue
        where = ctx.at(file or ctx.gomod_path, rp.line, rp.col)
        if rp.is_local:
            local.append(
                rule("GB405").finding(
                    f"replace {rp.old} => {rp.new}: builds {rp.old_path} from a local directory that go.sum "
                    f"does not pin{lapsed(expired)}. Publish it and require a version, or add a waiver for "
                    f"{rp.old_path} to {source}.",
                    where,
                )
            )
        elif is_public(rp.old_path, env):
            public.append(
                rule("GB404").finding(
                    f"replace {rp.old} => {rp.new}: swaps the public module {rp.old_path} for other code "
                    f"without a valid waiver{lapsed(expired)}. Remove the replace, or add a waiver for "
                    f"{rp.old_path} (module, approved_by, ticket, expires) to {source}.",
                    where,
                )
            )

    if mod.replaces:
        with result.check("replace-public") as found:
            found.extend(public)
        with result.check("replace-local") as found:
            found.extend(local)
    else:
        result.skip("replace-public", "go.mod has no replace")
        result.skip("replace-local", "go.mod has no replace")
    return used


def _check_waivers(ctx: Context, result: StageResult, used: set[int]) -> None:
    """GB406 for an expired waiver, GB407 for one that matches no replace of any module."""
    waivers = ctx.policy.waivers
    source = policy_file(ctx)
    if not waivers:
        result.skip("waivers", "the policy has no waivers")
        return
    with result.check("waivers") as found:
        for i, w in enumerate(waivers):
            at = Location(source, w.line)
            if _expired(w, ctx.today):
                still = (
                    "Remove the replace, or renew the waiver with a new ticket, approver and date."
                    if i in used
                    else "It matches no replace in go.mod either: delete it."
                )
                found.append(
                    rule("GB406").finding(
                        f"The waiver for {w.module} (ticket {w.ticket}, approved by {w.approved_by}) "
                        f"expired on {w.expires.isoformat()}. {still}",
                        at,
                    )
                )
            elif i not in used:
                found.append(
                    rule("GB407").finding(
                        f"The waiver for {w.module} (ticket {w.ticket}) matches no replace in go.mod. "
                        f"Delete it from {source}.",
                        at,
                    )
                )


def policy_file(ctx: Context) -> str:
    """The policy file of the run as a repository path, for findings that point into it or name it.

    `Policy.source` is relative to the directory the policy was loaded for (the run's directory) or as given; a
    policy read from the target's commit (`base:<sha>:<path>`) names its repository path. With no policy file (the
    defaults) it is the one that would apply: `.gobaseline.yml` in the run's directory.
    """
    source = ctx.policy.source
    if source.startswith("base:") and source.count(":") >= 2:
        return source.split(":", 2)[2]
    if source in ("default", "") or source.startswith("base:"):
        return ctx.rel(ctx.module_dir / POLICY_FILENAME)
    p = Path(source)
    candidates = [p] if p.is_absolute() else [ctx.module_dir / p, ctx.repo_root / p, Path.cwd() / p]
    for candidate in candidates:
        if candidate.is_file():
            return ctx.rel(candidate)
    return p.as_posix()


# -- requirements --------------------------------------------------------------------------------------------


def _check_incompatible(ctx: Context, result: StageResult, mod: gomod.GoMod) -> None:
    with result.check("incompatible") as found:
        for r in mod.requires:
            if not r.incompatible:
                continue
            where = ctx.at(ctx.gomod_path, r.line, r.col)
            if r.indirect:
                found.append(
                    rule("GB409").finding(
                        f"require {r.path} {r.version} // indirect: a dependency pulls in a `+incompatible` "
                        "version. Upgrade the dependency that needs it, or require a compatible release "
                        "directly.",
                        where,
                    )
                )
            else:
                found.append(
                    rule("GB408").finding(
                        f"require {r.path} {r.version}: a `+incompatible` version, not protected by semantic "
                        "import versioning. Move to a release with a go.mod (often a `/vN` module path) or "
                        "another library.",
                        where,
                    )
                )
