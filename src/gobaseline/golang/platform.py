"""Which targets can link a PIE without cgo, read from the toolchain's own `internal/platform` package.

The answer changes between Go releases (linux/s390x and linux/loong64 joined in 1.25-1.27, windows/arm left),
so it is not hard-coded: `$GOROOT/src/internal/platform/supported.go` is evaluated with a small interpreter
for the subset of Go those functions use (switch, if, return, `:=`, `==`, `!=`, `&&`, `||`, `!`, `+`, calls
between them and the `distInfo` map from `zosarch.go`). The go command decides the same way
(cmd/go/internal/load `externalLinkingReason` and cmd/go/internal/work `buildModeInit`): `-buildmode=pie` must
be supported, the target must not always need external linking, and the internal linker must support PIE; with
CGO_ENABLED=0 external linking is refused.

Anything the interpreter does not understand yields "unknown" (None), never a guess: the build then goes ahead
and the go command's own error, if any, is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r]+)
  | (?P<nl>\n)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<num>[0-9]+)
  | (?P<op>:=|==|!=|&&|\|\||[!+{}()\[\],:;.=])
    """,
    re.VERBOSE | re.DOTALL,
)
# After these tokens a newline ends the statement (the Go spec's automatic semicolon rule).
_ENDS = {"ident", "str", "num", "return", "break", "fallthrough", "continue", ")", "]", "}"}
_KEYWORDS = {"func", "switch", "case", "default", "if", "else", "return", "fallthrough", "break", "continue"}


class Unsupported(Exception):
    """The source uses Go the interpreter does not handle."""


@dataclass(frozen=True)
class Tok:
    kind: str
    """`ident`, `str`, `num`, a keyword, or the operator itself."""
    text: str


def tokenize(src: str) -> list[Tok]:
    """Go tokens with automatic semicolons; comments dropped."""
    out: list[Tok] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None:
            raise Unsupported(f"unexpected character {src[pos]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        text = m.group()
        if kind == "ws":
            continue
        if kind == "comment":
            if "\n" not in text:
                continue
            kind = "nl"
        if kind == "nl":
            if out and out[-1].kind in _ENDS:
                out.append(Tok(";", ";"))
            continue
        if kind == "raw":
            out.append(Tok("str", text[1:-1]))
        elif kind == "str":
            out.append(Tok("str", bytes(text[1:-1], "utf-8").decode("unicode_escape")))
        elif (kind == "ident" and text in _KEYWORDS) or kind == "op":
            out.append(Tok(text, text))
        else:
            out.append(Tok(kind, text))
    return out


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Fallthrough(Exception):
    pass


class _Break(Exception):
    pass


class Source:
    """The functions of one Go file, callable by name with Python values (str, bool)."""

    def __init__(self, src: str, dist_info: dict[tuple[str, str], dict[str, bool]], types: set[str]) -> None:
        self.toks = tokenize(src)
        self.dist_info = dist_info
        self.types = types
        self.funcs: dict[str, tuple[list[str], int]] = {}
        i = 0
        depth = 0
        while i < len(self.toks):
            t = self.toks[i]
            if t.kind in ("{", "("):
                depth += 1
            elif t.kind in ("}", ")"):
                depth -= 1
            elif t.kind == "func" and depth == 0 and self.toks[i + 1].kind == "ident":
                name = self.toks[i + 1].text
                params, body = self._signature(i + 2)
                self.funcs[name] = (params, body)
            i += 1

    def _signature(self, i: int) -> tuple[list[str], int]:
        if self.toks[i].kind != "(":
            raise Unsupported("methods are not evaluated")
        params: list[str] = []
        i += 1
        while self.toks[i].kind != ")":
            # `goos, goarch string, withCgo bool`: a name follows `(` or `,`; a type follows a name.
            if self.toks[i].kind == "ident" and self.toks[i - 1].kind in ("(", ","):
                params.append(self.toks[i].text)
            i += 1
        # Skip the result type up to the body.
        while self.toks[i].kind != "{":
            i += 1
        return params, i

    # -- evaluation ------------------------------------------------------------------------------------------

    def call(self, name: str, *args: Any) -> Any:
        """Evaluate function `name` with `args`; raises Unsupported for constructs outside the subset."""
        if name not in self.funcs:
            raise Unsupported(f"no function {name}")
        params, body = self.funcs[name]
        if len(params) != len(args):
            raise Unsupported(f"{name} takes {len(params)} arguments")
        scope = dict(zip(params, args, strict=True))
        try:
            self._block(body, scope, run=True)
        except _Return as r:
            return r.value
        raise Unsupported(f"{name} ended without return")

    def _block(self, i: int, scope: dict[str, Any], *, run: bool) -> int:
        """Run (or skip) the block whose `{` is at i; returns the index after its `}`."""
        if self.toks[i].kind != "{":
            raise Unsupported("expected a block")
        i += 1
        while self.toks[i].kind != "}":
            i = self._stmt(i, scope, run=run)
        return i + 1

    def _stmt(self, i: int, scope: dict[str, Any], *, run: bool) -> int:
        t = self.toks[i]
        if t.kind == ";":
            return i + 1
        if t.kind == "return":
            value, i = self._expr(i + 1, scope, run=run)
            if run:
                raise _Return(value)
            return i
        if t.kind == "fallthrough":
            if run:
                raise _Fallthrough
            return i + 1
        if t.kind == "break":
            if run:
                raise _Break
            return i + 1
        if t.kind == "if":
            return self._if(i + 1, scope, run=run)
        if t.kind == "switch":
            return self._switch(i + 1, scope, run=run)
        if t.kind == "{":
            return self._block(i, scope, run=run)
        return self._simple(i, scope, run=run)

    def _simple(self, i: int, scope: dict[str, Any], *, run: bool) -> int:
        """`a := expr` or `a, b := m[k]` (comma-ok map lookup)."""
        names: list[str] = []
        j = i
        while self.toks[j].kind == "ident":
            names.append(self.toks[j].text)
            if self.toks[j + 1].kind == ",":
                j += 2
                continue
            j += 1
            break
        if not names or self.toks[j].kind != ":=":
            raise Unsupported(f"statement at {self.toks[i].text!r}")
        if len(names) == 2:
            value, j = self._expr(j + 1, scope, run=run, comma_ok=True)
            if run:
                scope[names[0]], scope[names[1]] = value
        elif len(names) == 1:
            value, j = self._expr(j + 1, scope, run=run)
            if run:
                scope[names[0]] = value
        else:
            raise Unsupported("multiple assignment")
        return j

    def _if(self, i: int, scope: dict[str, Any], *, run: bool) -> int:
        inner = dict(scope)
        # Find whether an init statement (ending in `;`) comes before the condition's block.
        j, depth, has_init = i, 0, False
        while True:
            kind = self.toks[j].kind
            if depth == 0 and kind == ";":
                has_init = True
                break
            if kind == "{":
                if self.toks[j - 1].kind == "ident" and self.toks[j - 1].text in self.types:
                    depth += 1
                elif depth == 0:
                    break
                else:
                    depth += 1
            elif kind in ("(", "["):
                depth += 1
            elif kind in (")", "]", "}"):
                depth -= 1
            j += 1
        if has_init:
            i = self._simple(i, inner, run=run) + 1
        cond, i = self._expr(i, inner, run=run)
        taken = run and bool(cond)
        i = self._block(i, inner, run=taken)
        if self.toks[i].kind == "else":
            if self.toks[i + 1].kind == "if":
                return self._if(i + 2, inner, run=run and not taken)
            return self._block(i + 1, inner, run=run and not taken)
        return i

    def _switch(self, i: int, scope: dict[str, Any], *, run: bool) -> int:
        tag: Any = True
        if self.toks[i].kind != "{":
            tag, i = self._expr(i, scope, run=run)
        if self.toks[i].kind != "{":
            raise Unsupported("switch with an init statement")
        i += 1
        clauses: list[tuple[list[Any] | None, int, int]] = []
        while self.toks[i].kind != "}":
            values: list[Any] | None
            if self.toks[i].kind == "case":
                values = []
                i += 1
                while True:
                    v, i = self._expr(i, scope, run=run)
                    values.append(v)
                    if self.toks[i].kind != ",":
                        break
                    i += 1
            elif self.toks[i].kind == "default":
                values, i = None, i + 1
            else:
                raise Unsupported(f"switch clause {self.toks[i].text!r}")
            if self.toks[i].kind != ":":
                raise Unsupported("expected ':' in switch")
            end = self._clause_end(i + 1)
            clauses.append((values, i + 1, end))
            i = end
        if run:
            first = next((k for k, c in enumerate(clauses) if c[0] is not None and tag in c[0]), None)
            if first is None:
                first = next((k for k, c in enumerate(clauses) if c[0] is None), None)
            k = first
            while k is not None and k < len(clauses) and self._run_clause(clauses[k][1], clauses[k][2], scope):
                k += 1
        return i + 1

    def _clause_end(self, i: int) -> int:
        depth = 0
        while True:
            kind = self.toks[i].kind
            if depth == 0 and kind in ("case", "default", "}"):
                return i
            if kind in ("{", "(", "["):
                depth += 1
            elif kind in ("}", ")", "]"):
                depth -= 1
            i += 1

    def _run_clause(self, start: int, end: int, scope: dict[str, Any]) -> bool:
        """Run a clause body; True when it ended in fallthrough."""
        i = start
        try:
            while i < end:
                i = self._stmt(i, scope, run=True)
        except _Fallthrough:
            return True
        except _Break:
            return False
        return False

    # -- expressions -----------------------------------------------------------------------------------------

    def _expr(self, i: int, scope: dict[str, Any], *, run: bool, comma_ok: bool = False) -> tuple[Any, int]:
        left, i = self._and(i, scope, run=run, comma_ok=comma_ok)
        while self.toks[i].kind == "||":
            right, i = self._and(i + 1, scope, run=run and not left)
            left = bool(left) or bool(right)
        return left, i

    def _and(self, i: int, scope: dict[str, Any], *, run: bool, comma_ok: bool = False) -> tuple[Any, int]:
        left, i = self._cmp(i, scope, run=run, comma_ok=comma_ok)
        while self.toks[i].kind == "&&":
            right, i = self._cmp(i + 1, scope, run=run and bool(left))
            left = bool(left) and bool(right)
        return left, i

    def _cmp(self, i: int, scope: dict[str, Any], *, run: bool, comma_ok: bool = False) -> tuple[Any, int]:
        left, i = self._add(i, scope, run=run, comma_ok=comma_ok)
        if self.toks[i].kind in ("==", "!="):
            op = self.toks[i].kind
            right, i = self._add(i + 1, scope, run=run)
            left = (left == right) if op == "==" else (left != right)
        return left, i

    def _add(self, i: int, scope: dict[str, Any], *, run: bool, comma_ok: bool = False) -> tuple[Any, int]:
        left, i = self._unary(i, scope, run=run, comma_ok=comma_ok)
        while self.toks[i].kind == "+":
            right, i = self._unary(i + 1, scope, run=run)
            left = (left + right) if run else None
        return left, i

    def _unary(self, i: int, scope: dict[str, Any], *, run: bool, comma_ok: bool = False) -> tuple[Any, int]:
        if self.toks[i].kind == "!":
            value, i = self._unary(i + 1, scope, run=run)
            return (not value) if run else None, i
        return self._primary(i, scope, run=run, comma_ok=comma_ok)

    def _primary(self, i: int, scope: dict[str, Any], *, run: bool, comma_ok: bool = False) -> tuple[Any, int]:
        t = self.toks[i]
        value: Any
        if t.kind == "str":
            value, i = t.text, i + 1
        elif t.kind == "(":
            value, i = self._expr(i + 1, scope, run=run)
            if self.toks[i].kind != ")":
                raise Unsupported("expected ')'")
            i += 1
        elif t.kind == "ident" and self.toks[i + 1].kind == "(":
            args, i = self._list(i + 2, ")", scope, run=run)
            value = self.call(t.text, *args) if run else None
        elif t.kind == "ident" and t.text in self.types and self.toks[i + 1].kind == "{":
            args, i = self._list(i + 2, "}", scope, run=run)
            value = tuple(args)
        elif t.kind == "ident" and t.text in ("true", "false"):
            value, i = t.text == "true", i + 1
        elif t.kind == "ident" and t.text == "distInfo":
            i += 1
            if self.toks[i].kind != "[":
                raise Unsupported("distInfo used other than by index")
            key, i = self._expr(i + 1, scope, run=run)
            if self.toks[i].kind != "]":
                raise Unsupported("expected ']'")
            i += 1
            found = self.dist_info.get(key) if run else None
            if comma_ok:
                return (found or {}, found is not None), i
            value = found or {}
        elif t.kind == "ident":
            if run and t.text not in scope and t.text != "_":
                raise Unsupported(f"unknown name {t.text}")
            value, i = scope.get(t.text), i + 1
        else:
            raise Unsupported(f"expression at {t.text!r}")
        while self.toks[i].kind == ".":
            field = self.toks[i + 1].text
            value = bool(value.get(field, False)) if isinstance(value, dict) else None
            i += 2
        return value, i

    def _list(self, i: int, close: str, scope: dict[str, Any], *, run: bool) -> tuple[list[Any], int]:
        out: list[Any] = []
        while self.toks[i].kind != close:
            v, i = self._expr(i, scope, run=run)
            out.append(v)
            if self.toks[i].kind == ",":
                i += 1
        return out, i + 1


def parse_dist_info(src: str) -> dict[tuple[str, str], dict[str, bool]]:
    """The `distInfo` map of zosarch.go: `{"linux", "amd64"}: {CgoSupported: true, FirstClass: true}`."""
    out: dict[tuple[str, str], dict[str, bool]] = {}
    body = src.split("distInfo", 1)[-1]
    for m in re.finditer(r'\{\s*"([^"]+)"\s*,\s*"([^"]+)"\s*\}\s*:\s*\{([^}]*)\}', body):
        fields = dict(re.findall(r"(\w+)\s*:\s*(true|false)", m.group(3)))
        out[(m.group(1), m.group(2))] = {k: v == "true" for k, v in fields.items()}
    return out


@dataclass(frozen=True)
class PieSupport:
    """Whether `-buildmode=pie` links with CGO_ENABLED=0 on one target."""

    supported: bool | None
    """None when the toolchain's source could not be read or evaluated."""
    reason: str = ""
    """Why not (the go command's words), or why unknown."""


@cache
def _load(goroot: str) -> Source | str:
    base = Path(goroot) / "src" / "internal" / "platform"
    try:
        src = (base / "supported.go").read_text(encoding="utf-8")
        zos = (base / "zosarch.go").read_text(encoding="utf-8")
    except OSError as e:
        return f"cannot read {base}: {e.strerror}"
    try:
        return Source(src, parse_dist_info(zos), {"OSArch"})
    except (Unsupported, IndexError) as e:
        return f"cannot parse {base / 'supported.go'}: {e}"


def pie_support(goroot: Path | str, goos: str, goarch: str) -> PieSupport:
    """Evaluate the toolchain's own rules for `CGO_ENABLED=0 go build -buildmode=pie` on goos/goarch."""
    src = _load(str(goroot))
    if isinstance(src, str):
        return PieSupport(None, src)
    target = f"{goos}/{goarch}"
    try:
        if (goos, goarch) not in src.dist_info:
            return PieSupport(False, f"{target} is not a GOOS/GOARCH pair this Go release knows")
        if not src.call("BuildModeSupported", "gc", "pie", goos, goarch):
            return PieSupport(False, f"-buildmode=pie not supported on {target}")
        if src.call("MustLinkExternal", goos, goarch, False):
            return PieSupport(False, f"{target} requires external (cgo) linking, but cgo is not enabled")
        if not src.call("InternalLinkPIESupported", goos, goarch):
            return PieSupport(
                False, f"-buildmode=pie requires external (cgo) linking on {target}, but cgo is not enabled"
            )
    except (Unsupported, IndexError, TypeError) as e:
        return PieSupport(None, f"cannot evaluate internal/platform/supported.go: {e}")
    return PieSupport(True)
