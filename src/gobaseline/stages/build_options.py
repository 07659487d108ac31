"""The policy's `build` section reduced to what may be added to the pinned `go build` command.

Options that would weaken the baseline (`-linkmode=external`, `CGO_ENABLED=1`, `-race`, `-gcflags=all=-N -l`,
a `-buildmode` inside `-ldflags`, anything gobaseline pins itself) are refused with GB503 before anything runs;
`-buildmode=pie` inside `-ldflags` is rewritten (GB504).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gobaseline.model import Finding, Location
from gobaseline.rules import rule

if TYPE_CHECKING:
    from gobaseline.policy import BuildPolicy

# Environment the build sets itself; a policy may not override it.
_PINNED_ENV = ("GOFLAGS", "GOENV", "GOTOOLCHAIN", "GOOS", "GOARCH")
_VALUE_FLAGS = {
    "-ldflags", "-gcflags", "-asmflags", "-tags", "-toolexec", "-buildmode", "-o", "-mod", "-modfile",
    "-overlay", "-pgo", "-p", "-pkgdir", "-compiler", "-gccgoflags", "-installsuffix", "-buildvcs",
    "-covermode", "-coverpkg", "-reldir",
}  # fmt: skip


@dataclass(frozen=True)
class BuildOptions:
    """The policy's `build` section reduced to what may be added to the pinned command."""

    ldflags: tuple[str, ...] = ()
    """Beyond `-s -w` and `-bindnow`, e.g. `-X main.version=1.2.3`."""
    tags: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    """Other go build flags that do not weaken the baseline (`-pgo=auto`, `-mod=vendor`, ...)."""
    env: Mapping[str, str] = field(default_factory=dict)
    rebuild: bool = False
    """Add `-a`."""


# -- policy options ------------------------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _flag_pairs(tokens: Sequence[str]) -> list[tuple[str, str | None]]:
    """`-name=value`, `-name value`, `--name` into (name, value) pairs; a non-flag is (token, None)."""
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if not tok.startswith("-"):
            out.append((tok, None))
            continue
        name = "-" + tok.lstrip("-")
        if "=" in name:
            name, _, value = name.partition("=")
            out.append((name, value))
        elif name in _VALUE_FLAGS and i < len(tokens):
            out.append((name, tokens[i]))
            i += 1
        else:
            out.append((name, ""))
    return out


def _gcflags_weaken(value: str) -> bool:
    """True when -gcflags turns off optimisation (-N) or inlining (-l), with or without a package pattern."""
    for item in _split(value):
        tok = item.partition("=")[2] if "=" in item and not item.startswith("-") else item
        if tok in ("-N", "-l") or tok.startswith(("-N=", "-l=")):
            return True
    return False


def plan_options(bp: BuildPolicy, where: Location | None) -> tuple[BuildOptions, list[Finding]]:
    """The policy's additions to the pinned command, and GB503/GB504 findings for what may not be added."""
    findings: list[Finding] = []

    def refuse(what: str, why: str) -> None:
        findings.append(rule("GB503").finding(f"build: {what} {why}; remove it from the policy.", where))

    ldflag_tokens: list[str] = []
    for item in bp.ldflags:
        ldflag_tokens += _split(item)
    tags: list[str] = list(bp.tags)
    flags: list[str] = []
    rebuild = bp.rebuild == "always"
    flag_tokens = [tok for item in bp.flags for tok in _split(item)]
    for name, value in _flag_pairs(flag_tokens):
        if value is None:
            refuse(f"`{name}`", "is not a flag (packages belong in build.packages)")
        elif name == "-ldflags":
            ldflag_tokens += _split(value)
        elif name == "-tags":
            tags += [t for t in re.split(r"[,\s]+", value) if t]
        elif name in ("-race", "-msan", "-asan"):
            refuse(f"`{name}`", "needs cgo and instruments the binary for testing, not release")
        elif name == "-toolexec":
            refuse("`-toolexec`", "runs another program in place of the compiler and linker")
        elif name == "-linkshared":
            refuse("`-linkshared`", "links against shared Go libraries")
        elif name == "-gcflags" and _gcflags_weaken(value):
            refuse(f"`-gcflags={value}`", "turns off optimisation or inlining")
        elif name == "-buildmode":
            if value != "pie":
                refuse(f"`-buildmode={value}`", "replaces the pinned -buildmode=pie")
        elif name == "-o":
            refuse("`-o`", "moves the binaries away from the verified output directory")
        elif name == "-a":
            rebuild = True
        elif name == "-trimpath":
            if value not in ("", "true"):
                refuse(f"`-trimpath={value}`", "records build paths in the binary")
        else:
            flags.append(f"{name}={value}" if value else name)

    ldflags: list[str] = []
    i = 0
    while i < len(ldflag_tokens):
        tok = ldflag_tokens[i]
        i += 1
        name, eq, value = tok.partition("=")
        name = "-" + name.lstrip("-") if name.startswith("-") else name
        if name in ("-buildmode", "-linkmode") and not eq and i < len(ldflag_tokens):
            value = ldflag_tokens[i]
            i += 1
        if name == "-buildmode":
            if value == "pie":
                findings.append(
                    rule("GB504").finding(
                        'build: `-ldflags="... -buildmode=pie"` was rewritten to the go command\'s '
                        "-buildmode=pie: inside -ldflags it reaches the linker only, so packages are not "
                        "compiled for PIE, the go command's PIE checks are bypassed and build info records "
                        "-buildmode=exe.",
                        where,
                    )
                )
            else:
                refuse(f"`-buildmode={value}` inside -ldflags", "replaces the pinned -buildmode=pie")
        elif name == "-linkmode":
            if value == "external":
                refuse("`-linkmode=external`", "runs the host C linker and needs cgo")
            else:
                ldflags.append(f"-linkmode={value}")
        elif name in ("-s", "-w", "-bindnow") and value in ("", "true"):
            continue  # always there
        elif name in ("-s", "-w") and value == "false":
            refuse(f"`{tok}`", "keeps symbols or DWARF in the binary")
        else:
            ldflags.append(tok)

    env: dict[str, str] = {}
    for key, value in bp.env.items():
        if key == "CGO_ENABLED":
            if value != "0":
                refuse(f"`CGO_ENABLED={value}`", "links C code and the build machine's C libraries")
        elif key in _PINNED_ENV:
            refuse(f"`{key}` in build.env", "is set by gobaseline (flags go in build.flags, targets in targets)")
        else:
            env[key] = value
    options = BuildOptions(tuple(ldflags), tuple(dict.fromkeys(tags)), tuple(flags), env, rebuild)
    return options, findings


def _quote_ldflag(tok: str) -> str:
    return f"'{tok}'" if any(c.isspace() for c in tok) or not tok else tok


def ldflags_value(opts: BuildOptions, *, bindnow: bool) -> str:
    """The -ldflags value: `-s -w [-bindnow] [policy ldflags]`, quoted for the go command's splitter."""
    toks = ["-s", "-w", *(["-bindnow"] if bindnow else []), *opts.ldflags]
    return " ".join(_quote_ldflag(t) for t in toks)


def build_flags(opts: BuildOptions, *, buildmode: str, bindnow: bool) -> list[str]:
    """The `go build` flags (no `-o`, no packages)."""
    args = ["-trimpath", f"-buildmode={buildmode}", f"-ldflags={ldflags_value(opts, bindnow=bindnow)}"]
    if opts.tags:
        args.append("-tags=" + ",".join(opts.tags))
    if opts.rebuild:
        args.append("-a")
    args += opts.flags
    return args


# -- packages ------------------------------------------------------------------------------------------------
