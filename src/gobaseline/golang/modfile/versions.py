"""Quoted strings, semantic versions and module-path major versions, as x/mod/modfile checks them."""

from __future__ import annotations

import re

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
