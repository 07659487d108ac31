"""The go.mod model: one dataclass per directive, with the position it was written at."""

from __future__ import annotations

from dataclasses import dataclass

# -- the model -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """The `module` directive."""

    path: str
    deprecated: str
    """The text after `Deprecated:` in the directive's comment, or empty."""
    line: int
    col: int
    """Of the `module` keyword (of the path inside a `module ( ... )` block)."""
    path_col: int


@dataclass(frozen=True)
class GoDirective:
    """The `go` directive: the language version and, since Go 1.21, the minimum toolchain."""

    version: str
    """As written: `1.26`, `1.26.0`, `1.27rc1`."""
    line: int
    col: int


@dataclass(frozen=True)
class ToolchainDirective:
    """The `toolchain` directive."""

    name: str
    """`go1.27.3`, `default`, ..."""
    line: int
    col: int


@dataclass(frozen=True)
class Godebug:
    """One `godebug key=value` setting."""

    key: str
    value: str
    line: int
    col: int


@dataclass(frozen=True)
class Require:
    """One requirement."""

    path: str
    version: str
    """Canonical (`v1.2` is read as `v1.2.0`)."""
    indirect: bool
    """The line ends with `// indirect` (or `// indirect; ...`)."""
    line: int
    col: int
    """Of the `require` keyword, or in a block of the entry's first token (the path)."""
    path_col: int

    @property
    def incompatible(self) -> bool:
        """The version is a `+incompatible` one (a v2+ release of a module without a go.mod)."""
        return self.version.endswith("+incompatible")


@dataclass(frozen=True)
class Exclude:
    """One `exclude` entry."""

    path: str
    version: str
    line: int
    col: int
    path_col: int


@dataclass(frozen=True)
class Replace:
    """One `replace` entry: `old_path [old_version] => new_path [new_version]`."""

    old_path: str
    old_version: str | None
    """None when every version of `old_path` is replaced."""
    new_path: str
    new_version: str | None
    """None when `new_path` is a directory."""
    line: int
    col: int
    """Of the `replace` keyword, or in a block of the entry's first token (the old path)."""
    path_col: int
    """Of the old module path."""
    new_path_col: int

    @property
    def is_local(self) -> bool:
        """The replacement is a directory: `./x`, `../x`, `/abs`, `\\x`, `C:...` (modfile.IsDirectoryPath)."""
        return is_directory_path(self.new_path)

    @property
    def old(self) -> str:
        """`path` or `path@version`, as people write it."""
        return self.old_path if self.old_version is None else f"{self.old_path}@{self.old_version}"

    @property
    def new(self) -> str:
        """`path`, or `path version` for a module replacement, as go.mod writes it."""
        return self.new_path if self.new_version is None else f"{self.new_path} {self.new_version}"


@dataclass(frozen=True)
class Retract:
    """One retracted version or `[low, high]` range of this module."""

    low: str
    high: str
    rationale: str
    """The comment before or after the line (or before the block), `//` removed, lines joined with `\\n`."""
    line: int
    col: int


@dataclass(frozen=True)
class Tool:
    """One `tool` package."""

    path: str
    line: int
    col: int


@dataclass(frozen=True)
class Ignore:
    """One `ignore` directory."""

    path: str
    line: int
    col: int


@dataclass(frozen=True)
class Comment:
    """A `//` comment that belongs to a directive line: at its end, or in the run of comment lines directly
    above it (no blank line between)."""

    text: str
    """Without the `//`, spaces around it removed."""
    line: int
    """Where the comment is written."""
    directive_line: int
    """The line of the directive (of the entry inside a block) it belongs to."""


@dataclass(frozen=True)
class GoMod:
    """A parsed go.mod, every entry in file order (duplicates kept: they are in the file)."""

    module: Module | None
    go: GoDirective | None
    toolchain: ToolchainDirective | None
    requires: tuple[Require, ...] = ()
    replaces: tuple[Replace, ...] = ()
    excludes: tuple[Exclude, ...] = ()
    retracts: tuple[Retract, ...] = ()
    godebugs: tuple[Godebug, ...] = ()
    tools: tuple[Tool, ...] = ()
    ignores: tuple[Ignore, ...] = ()
    comments: tuple[Comment, ...] = ()
    """The comments on or directly above each directive line, in file order."""
    file: str = "go.mod"
    """The name the file was parsed under, for messages."""

    @property
    def module_path(self) -> str:
        """The module path, or empty when there is no `module` directive."""
        return self.module.path if self.module is not None else ""

    @property
    def go_version(self) -> str | None:
        """The `go` directive's version, or None."""
        return self.go.version if self.go is not None else None


def is_directory_path(path: str) -> bool:
    """True when a replacement names a directory (modfile.IsDirectoryPath): `.`, `..`, `./x`, `../x`, `.\\x`,
    `..\\x`, `/x`, `\\x`, or a Windows drive `C:...`."""
    return (
        path in (".", "..")
        or path.startswith(("./", ".\\", "../", "..\\", "/", "\\"))
        or (len(path) >= 2 and path[1] == ":" and ("A" <= path[0] <= "Z" or "a" <= path[0] <= "z"))
    )
