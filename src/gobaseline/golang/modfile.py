"""A go.mod parser that keeps the exact line and column of every directive.

It follows the go command's own parser (golang.org/x/mod/modfile, `read.go` and `rule.go`, as vendored in
Go 1.27) token for token, so that it accepts and rejects the same files as `go mod edit -json` and reads them
the same way:

- `//` comments only (`/* */` is an error); a comment alone on its line belongs to the next line when no blank
  line separates them; a comment after tokens belongs to the line it ends (`// indirect`, retract rationales).
- Directives `module`, `go`, `toolchain`, `godebug`, `require`, `exclude`, `replace`, `retract`, `tool` and
  `ignore`, one per line or grouped in a `verb ( ... )` block (`go` and `toolchain` have no block form).
- Interpreted strings `"..."` with Go escapes are unquoted. Raw strings `` `...` `` are read as one token, as
  the go command does, and then rejected in every directive ("unquoted string cannot contain quote"), as the
  go command rejects them.
- Versions of `require`, `exclude` and `replace` are made canonical (`v1.2` -> `v1.2.0`, build metadata
  dropped except `+incompatible`) and must match the module path's major version suffix; `retract` versions
  are kept as written, as `go mod edit` keeps them.
- CRLF line endings are accepted; columns count characters (runes), starting at 1.

Deliberate differences: the file must be valid UTF-8 (the go command would carry invalid bytes into module
paths that no later step accepts), and the set of printable characters comes from Python's Unicode database,
which may lag the go command's by a Unicode version.

Every parse error raises `GoModError` with the file and line; nothing else escapes `parse`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gobaseline.errors import GoModError

__all__ = [
    "Exclude",
    "GoDirective",
    "GoMod",
    "Godebug",
    "Ignore",
    "Module",
    "Replace",
    "Require",
    "Retract",
    "Tool",
    "ToolchainDirective",
    "is_directory_path",
    "load",
    "parse",
    "to_edit_json",
]

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


# -- lexer ---------------------------------------------------------------------------------------------------

_EOF = "EOF"
_EOLCOMMENT = "EOLCOMMENT"
_COMMENT = "COMMENT"
_IDENT = "IDENT"
_STRING = "STRING"
_PUNCT = frozenset("\n()[]{},")
_NOT_IDENT = frozenset(" ()[]{},")
# unicode.IsSpace: Python's str.isspace also counts U+001C..U+001F, Go does not.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_GO_FIELDS = re.compile(f"[{re.escape(_GO_SPACE)}]+")


# Fast paths for the lexer (most go.mod text is ASCII): a run of printable ASCII identifier characters that stops
# before `//` and `/*`, and a run of blanks. Neither crosses a newline, so the position only moves right.
_ASCII_IDENT_RUN = re.compile(
    "(?:[" + "".join(re.escape(chr(c)) for c in range(0x21, 0x7F) if chr(c) not in "()[]{},/") + "]|/(?![/*]))+"
)
_BLANK_RUN = re.compile("[ \t\r]+")


def _is_ident(c: str) -> bool:
    # modfile isIdent: not a delimiter, not a space, and printable (categories L, M, N, P, S).
    return c not in _NOT_IDENT and c not in _GO_SPACE and unicodedata.category(c)[0] in "LMNPS"


def _is_eol(kind: str) -> bool:
    return kind in (_EOF, _EOLCOMMENT, "\n")


@dataclass
class _Pos:
    idx: int
    """Character offset: orders positions like the go command's byte offsets."""
    line: int
    col: int


@dataclass
class _Token:
    kind: str
    text: str
    pos: _Pos
    end: _Pos


@dataclass
class _Comment:
    text: str
    """With the `//`; empty for the blank-line marker inside blocks."""
    pos: _Pos | None = None


@dataclass
class _Syntax:
    """What modfile.Comments holds, plus a span for comment assignment."""

    start: _Pos
    end: _Pos
    before: list[_Comment] = field(default_factory=list)
    suffix: list[_Comment] = field(default_factory=list)


@dataclass
class _Line(_Syntax):
    tokens: list[_Token] = field(default_factory=list)


@dataclass(kw_only=True)
class _Block(_Syntax):
    tokens: list[_Token]
    lines: list[_Line]
    lparen: _Syntax
    rparen: _Syntax


@dataclass
class _CommentBlock(_Syntax):
    pass


class _SyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Reader:
    """modfile's `input`: a lexer with one token of look-ahead and the statement parser."""

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.n = len(text)
        self.filename = filename
        self.pos = _Pos(0, 1, 1)
        self.token = _Token(_EOF, "", self.pos, self.pos)
        self.tok_start = 0
        self.comments: list[_Comment] = []
        self.stmts: list[_Syntax] = []

    # lexing

    def error(self, message: str) -> _SyntaxError:
        return _SyntaxError(message, self.pos.line)

    def eof(self) -> bool:
        return self.pos.idx >= self.n

    def peek_rune(self) -> str:
        return self.text[self.pos.idx] if self.pos.idx < self.n else ""

    def peek_prefix(self, prefix: str) -> bool:
        return self.text.startswith(prefix, self.pos.idx)

    def read_rune(self) -> str:
        c = self.text[self.pos.idx]
        if c == "\n":
            self.pos = _Pos(self.pos.idx + 1, self.pos.line + 1, 1)
        else:
            self.pos = _Pos(self.pos.idx + 1, self.pos.line, self.pos.col + 1)
        return c

    def start_token(self) -> _Pos:
        self.tok_start = self.pos.idx
        return self.pos

    def end_token(self, kind: str, start: _Pos) -> None:
        text = self.text[self.tok_start : self.pos.idx]
        if kind in (_COMMENT, _EOLCOMMENT):
            text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
        self.token = _Token(kind, text, start, self.pos)

    def _advance(self, m: re.Match[str] | None) -> None:
        if m is not None:
            n = m.end() - m.start()
            self.pos = _Pos(self.pos.idx + n, self.pos.line, self.pos.col + n)

    def read_token(self) -> None:
        while not self.eof():
            c = self.peek_rune()
            if c in " \t\r":
                self._advance(_BLANK_RUN.match(self.text, self.pos.idx))
                continue
            if self.peek_prefix("//"):
                start = self.start_token()
                line_start = self.text.rfind("\n", 0, self.pos.idx) + 1
                suffix = bool(self.text[line_start : self.pos.idx].strip(_GO_SPACE))
                self.read_rune()
                self.read_rune()
                while not self.eof() and self.read_rune() != "\n":
                    pass
                if not suffix:
                    self.end_token(_COMMENT, start)
                    return
                self.end_token(_EOLCOMMENT, start)
                self.comments.append(_Comment(self.token.text, start))
                return
            if self.peek_prefix("/*"):
                raise self.error("mod files must use // comments (not /* */ comments)")
            break

        start = self.start_token()
        if self.eof():
            self.end_token(_EOF, start)
            return
        c = self.peek_rune()
        if c in _PUNCT:
            self.read_rune()
            self.end_token(c, start)
            return
        if c in '"`':
            quote = c
            self.read_rune()
            while True:
                if self.eof():
                    self.pos = start
                    raise self.error("unexpected EOF in string")
                if self.peek_rune() == "\n":
                    raise self.error("unexpected newline in string")
                r = self.read_rune()
                if r == quote:
                    break
                if r == "\\" and quote != "`":
                    if self.eof():
                        self.pos = start
                        raise self.error("unexpected EOF in string")
                    self.read_rune()
            self.end_token(_STRING, start)
            return
        if not _is_ident(c):
            raise self.error(f"unexpected input character {c!r}")
        self._advance(_ASCII_IDENT_RUN.match(self.text, self.pos.idx))
        while not self.eof() and _is_ident(self.peek_rune()):
            if self.peek_prefix("//"):
                break
            if self.peek_prefix("/*"):
                raise self.error("mod files must use // comments (not /* */ comments)")
            self.read_rune()
        self.end_token(_IDENT, start)

    def peek(self) -> str:
        return self.token.kind

    def lex(self) -> _Token:
        tok = self.token
        self.read_token()
        return tok

    # parsing

    def parse_file(self) -> None:
        self.read_token()
        cb: _CommentBlock | None = None
        while True:
            kind = self.peek()
            if kind == "\n":
                self.lex()
                if cb is not None:
                    self.stmts.append(cb)
                    cb = None
            elif kind == _COMMENT:
                tok = self.lex()
                if cb is None:
                    cb = _CommentBlock(tok.pos, tok.pos)
                cb.before.append(_Comment(tok.text, tok.pos))
            elif kind == _EOF:
                if cb is not None:
                    self.stmts.append(cb)
                return
            else:
                self.parse_stmt()
                if cb is not None:
                    self.stmts[-1].before = cb.before
                    cb = None

    def parse_stmt(self) -> None:
        tok = self.lex()
        start, end = tok.pos, tok.end
        tokens = [tok]
        while True:
            tok = self.lex()
            if _is_eol(tok.kind):
                self.stmts.append(_Line(start, end, tokens=tokens))
                return
            if tok.kind == "(":
                nxt = self.peek()
                if _is_eol(nxt):
                    self.stmts.append(self.parse_line_block(start, tokens, tok))
                    return
                if nxt == ")":
                    rparen = self.lex()
                    if _is_eol(self.peek()):
                        self.lex()
                        block = _Block(
                            start,
                            _after(rparen.pos),
                            tokens=tokens,
                            lines=[],
                            lparen=_Syntax(tok.pos, _after(tok.pos)),
                            rparen=_Syntax(rparen.pos, _after(rparen.pos)),
                        )
                        self.stmts.append(block)
                        return
                    tokens += [tok, rparen]
                else:
                    tokens.append(tok)
            else:
                tokens.append(tok)
                end = tok.end

    def parse_line_block(self, start: _Pos, tokens: list[_Token], lparen: _Token) -> _Block:
        lines: list[_Line] = []
        comments: list[_Comment] = []
        while True:
            kind = self.peek()
            if kind == _EOLCOMMENT:
                self.lex()
            elif kind == "\n":
                self.lex()
                if (not comments and lines) or (comments and comments[-1].text != ""):
                    comments.append(_Comment(""))
            elif kind == _COMMENT:
                tok = self.lex()
                comments.append(_Comment(tok.text, tok.pos))
            elif kind == _EOF:
                raise self.error(
                    f"syntax error (unterminated block started at {self.filename}:{start.line}:{start.col})"
                )
            elif kind == ")":
                rparen = self.lex()
                if len(comments) == 1 and comments[0].text == "":
                    comments = []
                block = _Block(
                    start,
                    _after(rparen.pos),
                    tokens=tokens,
                    lines=lines,
                    lparen=_Syntax(lparen.pos, _after(lparen.pos)),
                    rparen=_Syntax(rparen.pos, _after(rparen.pos), before=comments),
                )
                if not _is_eol(self.peek()):
                    raise self.error("syntax error (expected newline after closing paren)")
                self.lex()
                return block
            else:
                line = self.parse_line()
                lines.append(line)
                line.before = comments
                comments = []

    def parse_line(self) -> _Line:
        tok = self.lex()
        start, end = tok.pos, tok.end
        tokens = [tok]
        while True:
            tok = self.lex()
            if _is_eol(tok.kind):
                return _Line(start, end, tokens=tokens)
            tokens.append(tok)
            end = tok.end

    def assign_comments(self) -> None:
        """Give each end-of-line comment to the last one-line piece of syntax that ends before it."""
        post: list[_Syntax] = []
        for stmt in self.stmts:
            if isinstance(stmt, _Block):
                post += [stmt.lparen, *stmt.lines, stmt.rparen, stmt]
            else:
                post.append(stmt)
        suffix = list(self.comments)
        for x in reversed(post):
            if x.start.line != x.end.line:
                continue
            while suffix and suffix[-1].pos is not None and x.end.idx <= suffix[-1].pos.idx:
                x.suffix.append(suffix.pop())
        for x in post:
            x.suffix.reverse()


def _after(pos: _Pos) -> _Pos:
    """The position one character after `pos` on the same line (the end of a parenthesis)."""
    return _Pos(pos.idx + 1, pos.line, pos.col + 1)


# -- strings and versions ------------------------------------------------------------------------------------

_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34}
_HEX = frozenset("0123456789abcdefABCDEF")


def _unquote(token: str) -> str:
    """strconv.Unquote of an interpreted string literal; ValueError when it is not one."""
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError("invalid syntax")
    body = token[1:-1]
    if "\n" in body:
        raise ValueError("invalid syntax")
    out = bytearray()
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == '"':
            raise ValueError("invalid syntax")
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError("invalid syntax")
        e = body[i + 1]
        i += 2
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i : i + width]
            if len(digits) != width or not set(digits) <= _HEX:
                raise ValueError("invalid syntax")
            i += width
            value = int(digits, 16)
            if e == "x":
                out.append(value)
            else:
                if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                    raise ValueError("invalid syntax")
                out += chr(value).encode("utf-8")
        elif "0" <= e <= "7":
            digits = body[i - 1 : i + 2]
            if len(digits) != 3 or not all("0" <= d <= "7" for d in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 8)
            if value > 255:
                raise ValueError("invalid syntax")
            out.append(value)
            i += 2
        else:
            raise ValueError("invalid syntax")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as err:
        # The go command would keep the bytes; nothing downstream accepts them in a path.
        raise ValueError("string is not valid UTF-8") from err


def _parse_string(token: str) -> str:
    """modfile parseString: unquote `"..."`; any other token must not contain a quote character."""
    if token.startswith('"'):
        return _unquote(token)
    if any(q in token for q in "\"'`"):
        raise ValueError("unquoted string cannot contain quote")
    return token


_SEMVER = re.compile(
    r"^v(?P<major>0|[1-9][0-9]*)"
    r"(?:\.(?P<minor>0|[1-9][0-9]*)"
    r"(?:\.(?P<patch>0|[1-9][0-9]*)"
    r"(?P<pre>-(?:[0-9A-Za-z-]+)(?:\.[0-9A-Za-z-]+)*)?"
    r"(?P<build>\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?$",
    re.ASCII,
)
_BAD_NUM = re.compile(r"^0[0-9]+$")


def _semver(v: str) -> re.Match[str] | None:
    m = _SEMVER.match(v)
    if m is None:
        return None
    pre = m.group("pre")
    if pre and any(_BAD_NUM.match(ident) for ident in pre[1:].split(".")):
        return None
    return m


def canonical_version(v: str) -> str:
    """module.CanonicalVersion: `v1.2` -> `v1.2.0`, build metadata dropped except `+incompatible`; empty
    when `v` is not a semantic version."""
    m = _semver(v)
    if m is None:
        return ""
    if m.group("minor") is None:
        cv = v + ".0.0"
    elif m.group("patch") is None:
        cv = v + ".0"
    else:
        cv = v[: len(v) - len(m.group("build") or "")]
    if m.group("build") == "+incompatible":
        cv += "+incompatible"
    return cv


def _major(v: str) -> str:
    m = _semver(v)
    return "v" + m.group("major") if m else ""


def _split_path_version(path: str) -> tuple[str, str, bool]:
    """module.SplitPathVersion: (prefix, `/vN` or `.vN`, ok)."""
    if path.startswith("gopkg.in/"):
        i = len(path)
        if path.endswith("-unstable"):
            i -= len("-unstable")
        while i > 0 and "0" <= path[i - 1] <= "9":
            i -= 1
        if i <= 1 or path[i - 1] != "v" or path[i - 2] != ".":
            return path, "", False
        prefix, major = path[: i - 2], path[i - 2 :]
        if len(major) <= 2 or (major[2] == "0" and major != ".v0"):
            return path, "", False
        return prefix, major, True
    i = len(path)
    dot = False
    while i > 0 and ("0" <= path[i - 1] <= "9" or path[i - 1] == "."):
        dot = dot or path[i - 1] == "."
        i -= 1
    if i <= 1 or i == len(path) or path[i - 1] != "v" or path[i - 2] != "/":
        return path, "", True
    prefix, major = path[: i - 2], path[i - 2 :]
    if dot or len(major) <= 2 or major[2] == "0" or major == "/v1":
        return path, "", False
    return prefix, major, True


def _check_path_major(v: str, path_major: str) -> str | None:
    """module.CheckPathMajor: an error message, or None when `v` fits the path's major version suffix."""
    if path_major.startswith(".v") and path_major.endswith("-unstable"):
        path_major = path_major.removesuffix("-unstable")
    if v.startswith("v0.0.0-") and path_major == ".v1":
        return None
    m = _major(v)
    if path_major == "":
        if m in ("v0", "v1") or v.endswith("+incompatible"):
            return None
        want = "v0 or v1"
    else:
        if m == path_major[1:]:
            return None
        want = path_major[1:]
    return f'version "{v}" invalid: should be {want}, not {m}'


# -- directives ----------------------------------------------------------------------------------------------

_GO_VERSION = re.compile(r"^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$")
_TOOLCHAIN = re.compile(r"^default$|^go1($|\.)")
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
        if os.sep == "/" and "\\" in new:
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


def parse(data: str | bytes, file: str = "go.mod") -> GoMod:
    """Parse go.mod text; `file` names it in errors. Raises GoModError (and nothing else) for a bad file."""
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
                b.add(None, stmt, stmt.tokens[0].text, stmt.tokens[1:])
            elif isinstance(stmt, _Block):
                verb = " ".join(t.text for t in stmt.tokens)
                if len(stmt.tokens) > 1 or verb not in _BLOCK_VERBS:
                    raise _DirectiveError(f"unknown block type: {verb}")
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
