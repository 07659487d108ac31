"""Directives to the model, and the entry points `parse`, `load` and `to_edit_json`."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gobaseline.errors import GoModError
from gobaseline.golang.modfile.lexer import _GO_FIELDS, _GO_SPACE, _Block, _Line, _Reader, _Syntax, _SyntaxError, _Token
from gobaseline.golang.modfile.model import (
    Comment,
    Exclude,
    Godebug,
    GoDirective,
    GoMod,
    Ignore,
    Module,
    Replace,
    Require,
    Retract,
    Tool,
    ToolchainDirective,
    is_directory_path,
)
from gobaseline.golang.modfile.versions import _check_path_major, _parse_string, _split_path_version, canonical_version

# -- directives ----------------------------------------------------------------------------------------------

_GO_VERSION = re.compile(r"^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$")
_TOOLCHAIN = re.compile(r"^default$|^go1($|\.)")
WINDOWS = os.sep == "\\"
"""Whether a replacement directory may be a Windows path (`..\\lib`), as the go command of this host allows."""
_DEPRECATED = re.compile(r"(?:^|\n\n)Deprecated: *(.*?)(?:\Z|\n\n)", re.S)
_BLOCK_VERBS = frozenset({"module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore"})


class _DirectiveError(Exception):
    pass


def _directive_comment(block: _Block | None, line: _Line) -> str:
    """modfile parseDirectiveComment: the line's comments, or the block's when the line has none."""
    holder: _Syntax = line
    if block is not None and not line.before and not line.suffix:
        holder = block
    texts = [c.text for c in (*holder.before, *holder.suffix) if c.text.startswith("//")]
    return "\n".join(t[2:].strip(_GO_SPACE) for t in texts)


def _line_comments(stmts: Sequence[_Syntax]) -> tuple[Comment, ...]:
    """The comments of every directive line: its suffix, and the comments directly above it (inside a block the
    `before` list may hold earlier comments, cut off by a blank-line marker)."""
    lines: list[_Line] = []
    for stmt in stmts:
        if isinstance(stmt, _Block):
            lines += stmt.lines
        elif isinstance(stmt, _Line):
            lines.append(stmt)
    out = []
    for line in lines:
        before = line.before
        blank = [i for i, c in enumerate(before) if not c.text]
        for c in (*before[blank[-1] + 1 if blank else 0 :], *line.suffix):
            if c.pos is not None and c.text.startswith("//"):
                out.append(Comment(c.text[2:].strip(_GO_SPACE), c.pos.line, line.start.line))
    return tuple(sorted(out, key=lambda c: c.line))


def _is_indirect(line: _Line) -> bool:
    if not line.suffix:
        return False
    f = [w for w in _GO_FIELDS.split(line.suffix[0].text.removeprefix("//")) if w]
    return (len(f) == 1 and f[0] == "indirect") or (len(f) > 1 and f[0] == "indirect;")


class _Builder:
    def __init__(self) -> None:
        self.module: Module | None = None
        self.go: GoDirective | None = None
        self.toolchain: ToolchainDirective | None = None
        self.godebugs: list[Godebug] = []
        self.requires: list[Require] = []
        self.excludes: list[Exclude] = []
        self.replaces: list[Replace] = []
        self.retracts: list[Retract] = []
        self.tools: list[Tool] = []
        self.ignores: list[Ignore] = []

    def add(self, block: _Block | None, line: _Line, verb: str, args: Sequence[_Token]) -> None:
        """modfile File.add for one line; raises _DirectiveError."""
        ln, col = line.start.line, line.start.col
        texts = [t.text for t in args]
        if verb == "go":
            if self.go is not None:
                raise _DirectiveError("repeated go statement")
            if len(texts) != 1:
                raise _DirectiveError("go directive expects exactly one argument")
            if not _GO_VERSION.match(texts[0]):
                raise _DirectiveError(f"invalid go version '{texts[0]}': must match format 1.23.0")
            self.go = GoDirective(texts[0], ln, col)
        elif verb == "toolchain":
            if self.toolchain is not None:
                raise _DirectiveError("repeated toolchain statement")
            if len(texts) != 1:
                raise _DirectiveError("toolchain directive expects exactly one argument")
            if not _TOOLCHAIN.match(texts[0]):
                raise _DirectiveError(f"invalid toolchain version '{texts[0]}': must match format go1.23.0 or default")
            self.toolchain = ToolchainDirective(texts[0], ln, col)
        elif verb == "module":
            if self.module is not None:
                raise _DirectiveError("repeated module statement")
            m = _DEPRECATED.search(_directive_comment(block, line))
            if len(texts) != 1:
                raise _DirectiveError("usage: module module/path")
            path = _string(texts[0])
            self.module = Module(path, m.group(1) if m else "", ln, col, args[0].pos.col)
        elif verb == "godebug":
            if len(texts) != 1 or any(q in texts[0] for q in "\"`',"):
                raise _DirectiveError("usage: godebug key=value")
            key, eq, value = texts[0].partition("=")
            if not eq:
                raise _DirectiveError("usage: godebug key=value")
            self.godebugs.append(Godebug(key, value, ln, col))
        elif verb in ("require", "exclude"):
            if len(texts) != 2:
                raise _DirectiveError(f"usage: {verb} module/path v1.2.3")
            path = _string(texts[0])
            version = _version(verb, path, texts[1])
            prefix_ok = _split_path_version(path)
            if not prefix_ok[2]:
                raise _DirectiveError("invalid module path")
            problem = _check_path_major(version, prefix_ok[1])
            if problem is not None:
                raise _DirectiveError(f"{verb} {path}: {problem}")
            if verb == "require":
                self.requires.append(Require(path, version, _is_indirect(line), ln, col, args[0].pos.col))
            else:
                self.excludes.append(Exclude(path, version, ln, col, args[0].pos.col))
        elif verb == "replace":
            self.replaces.append(_replace(line, args))
        elif verb == "retract":
            rationale = _directive_comment(block, line)
            rest = list(texts)
            low, high = _version_interval(rest)
            if rest:
                raise _DirectiveError(f"unexpected token after version: {_go_quote(rest[0])}")
            self.retracts.append(Retract(low, high, rationale, ln, col))
        elif verb in ("tool", "ignore"):
            if len(texts) != 1:
                raise _DirectiveError(f"{verb} directive expects exactly one argument")
            path = _string(texts[0])
            if verb == "tool":
                self.tools.append(Tool(path, ln, col))
            else:
                self.ignores.append(Ignore(path, ln, col))
        else:
            raise _DirectiveError(f"unknown directive: {verb}")


def _go_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _string(token: str) -> str:
    try:
        return _parse_string(token)
    except ValueError as e:
        raise _DirectiveError(f"invalid quoted string: {e}") from e


def _version(verb: str, path: str, token: str) -> str:
    """modfile parseVersion without a fixer: unquote and make canonical."""
    where = f"{verb} {path}: " if path else f"{verb}: "
    try:
        t = _parse_string(token)
    except ValueError as e:
        raise _DirectiveError(f"{where}version {_go_quote(token)} invalid: {e}") from e
    cv = canonical_version(t)
    if not cv:
        raise _DirectiveError(f"{where}version {_go_quote(t)} invalid: must be of the form v1.2.3")
    return cv


def _retract_version(token: str) -> str:
    # `go mod edit` reads retractions with a fixer that keeps versions as written.
    try:
        return _parse_string(token)
    except ValueError as e:
        raise _DirectiveError(f"retract: version {_go_quote(token)} invalid: {e}") from e


def _version_interval(toks: list[str]) -> tuple[str, str]:
    """modfile parseVersionInterval; consumes the interval's tokens from `toks`."""
    if not toks or toks[0] == "(":
        raise _DirectiveError("expected '[' or version")
    if toks[0] != "[":
        v = _retract_version(toks.pop(0))
        return v, v
    del toks[0]
    if not toks:
        raise _DirectiveError("expected version after '['")
    low = _retract_version(toks.pop(0))
    if not toks or toks[0] != ",":
        raise _DirectiveError("expected ',' after version")
    del toks[0]
    if not toks:
        raise _DirectiveError("expected version after ','")
    high = _retract_version(toks.pop(0))
    if not toks or toks[0] != "]":
        raise _DirectiveError("expected ']' after version")
    del toks[0]
    return low, high


def _replace(line: _Line, args: Sequence[_Token]) -> Replace:
    """modfile parseReplace."""
    texts = [t.text for t in args]
    arrow = 1 if len(texts) >= 2 and texts[1] == "=>" else 2
    if len(texts) < arrow + 2 or len(texts) > arrow + 3 or texts[arrow] != "=>":
        raise _DirectiveError(
            "usage: replace module/path [v1.2.3] => other/module v1.4 or replace module/path [v1.2.3] => "
            "../local/directory"
        )
    old = _string(texts[0])
    _, path_major, ok = _split_path_version(old)
    if not ok:
        raise _DirectiveError(f"replace {old}: invalid module path")
    old_version: str | None = None
    if arrow == 2:
        old_version = _version("replace", old, texts[1])
        problem = _check_path_major(old_version, path_major)
        if problem is not None:
            raise _DirectiveError(f"replace {old}: {problem}")
    new = _string(texts[arrow + 1])
    new_version: str | None = None
    if len(texts) == arrow + 2:
        if not is_directory_path(new):
            if "@" in new:
                raise _DirectiveError("replacement module must match format 'path version', not 'path@version'")
            raise _DirectiveError(
                "replacement module without version must be directory path (rooted or starting with . or ..)"
            )
        if not WINDOWS and "\\" in new:
            raise _DirectiveError("replacement directory appears to be Windows path (on a non-windows system)")
    else:
        new_version = _version("replace", new, texts[arrow + 2])
        if is_directory_path(new):
            raise _DirectiveError(f"replacement module directory path {_go_quote(new)} cannot have version")
    return Replace(
        old,
        old_version,
        new,
        new_version,
        line.start.line,
        line.start.col,
        args[0].pos.col,
        args[arrow + 1].pos.col,
    )


# -- entry points --------------------------------------------------------------------------------------------


_WORK_VERBS = frozenset({"go", "toolchain", "godebug", "replace", "use"})
"""What a go.work may say (cmd/go's workfile parser); `use` lines are the go command's business, skipped here."""


def parse(data: str | bytes, file: str = "go.mod", *, work: bool = False) -> GoMod:
    """Parse go.mod text (go.work text with `work`: its `go`, `toolchain`, `godebug` and `replace` lines); `file`
    names it in errors. Raises GoModError (and nothing else) for a bad file."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            where = data[: e.start].count(b"\n") + 1
            raise GoModError(f"not valid UTF-8 (byte {e.start})", path=file, line=where) from e
    else:
        text = data
    reader = _Reader(text, file)
    try:
        reader.parse_file()
    except _SyntaxError as e:
        raise GoModError(e.message, path=file, line=e.line) from e
    except RecursionError as e:  # pragma: no cover - the parser does not recurse
        raise GoModError("too deeply nested", path=file) from e
    reader.assign_comments()

    b = _Builder()
    for stmt in reader.stmts:
        try:
            if isinstance(stmt, _Line):
                verb = stmt.tokens[0].text
                if work and verb not in _WORK_VERBS:
                    raise _DirectiveError(f"unknown directive: {verb}")
                if not (work and verb == "use"):
                    b.add(None, stmt, verb, stmt.tokens[1:])
            elif isinstance(stmt, _Block):
                verb = " ".join(t.text for t in stmt.tokens)
                allowed = (_WORK_VERBS - {"go", "toolchain"}) if work else _BLOCK_VERBS
                if len(stmt.tokens) > 1 or verb not in allowed:
                    raise _DirectiveError(f"unknown block type: {verb}")
                if verb == "use":
                    continue
                for line in stmt.lines:
                    try:
                        b.add(stmt, line, verb, line.tokens)
                    except _DirectiveError as e:
                        raise GoModError(str(e), path=file, line=line.start.line) from e
        except _DirectiveError as e:
            raise GoModError(str(e), path=file, line=stmt.start.line) from e
    return GoMod(
        module=b.module,
        go=b.go,
        toolchain=b.toolchain,
        requires=tuple(b.requires),
        replaces=tuple(b.replaces),
        excludes=tuple(b.excludes),
        retracts=tuple(b.retracts),
        godebugs=tuple(b.godebugs),
        tools=tuple(b.tools),
        ignores=tuple(b.ignores),
        comments=_line_comments(reader.stmts),
        file=file,
    )


def load(path: Path, display: str | None = None) -> GoMod:
    """Read and parse the go.mod at `path`; `display` is the name used in errors (default: `path`)."""
    name = display if display is not None else str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise GoModError("no such file", path=name) from e
    except OSError as e:
        raise GoModError(f"cannot read go.mod: {e.strerror or e}", path=name) from e
    return parse(data, name)


def to_edit_json(mod: GoMod) -> dict[str, Any]:
    """The object `go mod edit -json` prints for this file (same keys, same order, same omissions).

    Like the go command it drops repeated `exclude`, `tool` and `ignore` entries (the first wins) and repeated
    replacements of the same module version (the last wins), and entries left empty (a `require ""`).
    """
    out: dict[str, Any] = {"Module": {"Path": mod.module_path}}
    if mod.module is not None and mod.module.deprecated:
        out["Module"]["Deprecated"] = mod.module.deprecated
    if mod.go is not None:
        out["Go"] = mod.go.version
    if mod.toolchain is not None:
        out["Toolchain"] = mod.toolchain.name

    godebug = [{"Key": g.key, "Value": g.value} for g in mod.godebugs if g.key]
    requires = []
    for r in mod.requires:
        if not r.path:
            continue
        entry: dict[str, Any] = {"Path": r.path}
        if r.version:
            entry["Version"] = r.version
        if r.indirect:
            entry["Indirect"] = True
        requires.append(entry)

    seen_ex: set[tuple[str, str]] = set()
    excludes = []
    for x in mod.excludes:
        if (x.path, x.version) in seen_ex:
            continue
        seen_ex.add((x.path, x.version))
        if x.path:
            excludes.append(_version_json(x.path, x.version))

    last: dict[tuple[str, str], int] = {}
    for i, rp in enumerate(mod.replaces):
        last[(rp.old_path, rp.old_version or "")] = i
    replaces = [
        {"Old": _version_json(rp.old_path, rp.old_version), "New": _version_json(rp.new_path, rp.new_version)}
        for i, rp in enumerate(mod.replaces)
        if last[(rp.old_path, rp.old_version or "")] == i and rp.old_path
    ]

    retracts = []
    for rt in mod.retracts:
        if not rt.low and not rt.high:
            continue
        item = {"Low": rt.low, "High": rt.high, "Rationale": rt.rationale}
        retracts.append({k: v for k, v in item.items() if v})

    tools = [{"Path": p} for p in _first_seen(t.path for t in mod.tools)]
    ignores = [{"Path": p} for p in _first_seen(i.path for i in mod.ignores)]

    for key, value in (
        ("GoDebug", godebug),
        ("Require", requires),
        ("Exclude", excludes),
        ("Replace", replaces),
        ("Retract", retracts),
        ("Tool", tools),
        ("Ignore", ignores),
    ):
        if value:
            out[key] = value
    return out


def _version_json(path: str, version: str | None) -> dict[str, str]:
    return {"Path": path, "Version": version} if version else {"Path": path}


def _first_seen(items: Any) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
