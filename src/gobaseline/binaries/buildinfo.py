"""The Go build information embedded in a binary.

Go 1.18+ writes a 32-byte header (`\\xff Go buildinf:`, pointer size, flags) at a 16-byte aligned address of
the data segment, followed, when flag bit 2 is set, by two varint-prefixed strings: the Go version and the
module info (framed by 16-byte sentinels). That is what `go version -m` prints (see `debug/buildinfo`);
reading it directly saves one go command per binary. Older layouts fall back to `go version -m` through
gotool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from gobaseline.golang.gotool import Go

MAGIC = b"\xff Go buildinf:"
_HEADER = 32
_FLAG_INLINE = 0x2


@dataclass(frozen=True)
class BuildInfo:
    """What the linker recorded: the Go version, the main module and the build settings."""

    go_version: str
    """`go1.27.3`."""
    path: str = ""
    """The main package's import path."""
    main_version: str = ""
    """The main module's version (`(devel)` or, from Go 1.24, one derived from VCS)."""
    settings: dict[str, str] = field(default_factory=dict)
    """`-buildmode`, `-trimpath`, `CGO_ENABLED`, `GOOS`, `vcs.revision`, ..."""
    deps: tuple[tuple[str, str], ...] = ()
    """(module path, version) of every dependency compiled in."""

    @property
    def target(self) -> str | None:
        """`GOOS/GOARCH` from the settings."""
        goos, goarch = self.settings.get("GOOS"), self.settings.get("GOARCH")
        return f"{goos}/{goarch}" if goos and goarch else None


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            break
    raise ValueError("bad varint")


def _string(data: bytes, pos: int) -> tuple[str, int]:
    n, pos = _uvarint(data, pos)
    if pos + n > len(data):
        raise ValueError("string runs past the end of the file")
    return data[pos : pos + n].decode("utf-8", "replace"), pos + n


def parse_modinfo(go_version: str, text: str) -> BuildInfo:
    """BuildInfo from the module-info lines (`path\\t...`, `mod\\t...`, `dep\\t...`, `build\\tk=v`)."""
    path = main_version = ""
    settings: dict[str, str] = {}
    deps: list[tuple[str, str]] = []
    for line in text.splitlines():
        parts = line.strip().split("\t")
        if len(parts) < 2:
            continue
        kind = parts[0]
        if kind == "path":
            path = parts[1]
        elif kind == "mod" and len(parts) >= 3:
            main_version = parts[2]
        elif kind == "dep" and len(parts) >= 3:
            deps.append((parts[1], parts[2]))
        elif kind == "build":
            key, _, value = parts[1].partition("=")
            settings[key] = value
    return BuildInfo(go_version, path, main_version, settings, tuple(deps))


def parse_inline(data: bytes) -> BuildInfo | None:
    """The build info of a Go 1.18+ binary held in `data`, or None when there is none in that layout."""
    start = 0
    while True:
        i = data.find(MAGIC, start)
        if i < 0:
            return None
        start = i + 1
        if i % 16 or i + _HEADER > len(data):
            continue
        ptr_size, flags = data[i + 14], data[i + 15]
        if ptr_size not in (4, 8) or not flags & _FLAG_INLINE:
            continue
        try:
            version, pos = _string(data, i + _HEADER)
            mod, _ = _string(data, pos)
        except ValueError:
            continue
        if not version.startswith(("go", "devel")):
            continue
        # The module info is framed by two 16-byte sentinels; anything else means no module info.
        mod = mod[16:-16] if len(mod) >= 33 and mod[-17] == "\n" else ""
        return parse_modinfo(version, mod)


def parse_go_version_m(stdout: str) -> BuildInfo | None:
    """BuildInfo from `go version -m` output (`FILE: go1.27.3` then tab-indented lines)."""
    lines = stdout.splitlines()
    if not lines:
        return None
    _, sep, version = lines[0].rpartition(": ")
    if not sep or not version.strip():
        return None
    return parse_modinfo(version.strip(), "\n".join(lines[1:]))


def read(path: Path, data: bytes, go: Go | None) -> BuildInfo | None:
    """The build info of the binary at `path` (whose bytes are `data`); None when it has none."""
    info = parse_inline(data)
    if info is not None or go is None or MAGIC not in data:
        return info
    # An older (pointer-based) layout: let the go command decode it.
    res = go.build_info(path)
    return parse_go_version_m(res.stdout) if res.ok else None
