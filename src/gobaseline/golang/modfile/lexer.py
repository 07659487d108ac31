"""The go.mod lexer and line/block reader, as golang.org/x/mod/modfile reads them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

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
