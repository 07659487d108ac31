"""A guess at a Go source file's package from its first lines, for starting work before `go list` answers.

Only ever a guess: the build stage starts building the packages guessed to be main packages while `go list`
lists them, and keeps that build only when the list says the same (`stages.packages.guess`). So this module reads
as little as it can and says "constrained" whenever the go command might leave the file out on some target: a
`//go:build` or `// +build` line, or a `_GOOS`/`_GOARCH` suffix in its name (go/build's known lists; a new port
missing here only makes a guess wrong, which the list then corrects).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KNOWN_OS = frozenset(
    [
        "aix",
        "android",
        "darwin",
        "dragonfly",
        "freebsd",
        "hurd",
        "illumos",
        "ios",
        "js",
        "linux",
        "nacl",
        "netbsd",
        "openbsd",
        "plan9",
        "solaris",
        "wasip1",
        "windows",
        "zos",
    ]
)
KNOWN_ARCH = frozenset(
    [
        "386",
        "amd64",
        "amd64p32",
        "arm",
        "armbe",
        "arm64",
        "arm64be",
        "loong64",
        "mips",
        "mipsle",
        "mips64",
        "mips64le",
        "mips64p32",
        "mips64p32le",
        "ppc",
        "ppc64",
        "ppc64le",
        "riscv",
        "riscv64",
        "s390",
        "s390x",
        "sparc",
        "sparc64",
        "wasm",
    ]
)
_HEAD_BYTES = 64 * 1024
"""A package clause further down than this (after a very long licence) leaves the file unknown."""


@dataclass(frozen=True)
class Header:
    """What a file's first lines say."""

    package: str | None
    """The package clause's name; None when none was found in the file's head."""
    constrained: bool
    """A build constraint line or a GOOS/GOARCH file name suffix: the go command may leave the file out."""


def name_constrained(filename: str) -> bool:
    """Whether a file name carries a `_GOOS`, `_GOARCH` or `_GOOS_GOARCH` suffix (go/build's goodOSArchFile)."""
    parts = filename.removesuffix(".go").split("_")[1:]
    if parts and parts[-1] == "test":
        parts = parts[:-1]
    return bool(parts) and (parts[-1] in KNOWN_OS or parts[-1] in KNOWN_ARCH)


def header(path: Path) -> Header:
    """The package clause and constraint lines before it; OSError when the file cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        data = os.read(fd, _HEAD_BYTES)
    finally:
        os.close(fd)
    text = data.decode("utf-8", errors="replace")
    constrained = name_constrained(path.name)
    in_block = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_block:
            end = line.find("*/")
            if end < 0:
                continue
            in_block, line = False, line[end + 2 :].strip()
        if not line:
            continue
        if line.startswith("//"):
            body = line[2:]
            constrained = constrained or body.startswith("go:build") or body.lstrip().startswith("+build")
            continue
        if line.startswith("/*"):
            rest = line[2:]
            end = rest.find("*/")
            if end < 0:
                in_block = True
                continue
            line = rest[end + 2 :].strip()
            if not line:
                continue
        words = line.split()
        if len(words) >= 2 and words[0] == "package":
            return Header(words[1].split("//")[0].split("/*")[0].rstrip(";"), constrained)
        return Header(None, constrained)  # something else first: not a file the guess can read
    return Header(None, constrained)
