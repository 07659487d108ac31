"""The go.mod parser: exact positions, and the same reading as the real `go mod edit -json`.

Three kinds of evidence: a fixture with every directive and hand-checked lines and columns; a table of
tricky files (valid and invalid) compared with the real go command; and property tests (arbitrary text raises
only GoModError; generated valid files read exactly like `go mod edit -json` reads them, at the lines they
were written on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gobaseline.errors import GoCommandError, GoModError
from gobaseline.golang import modfile as gomod
from gobaseline.golang.gotool import Go
from tests.support.limits import time_limit
from tests.support.toolchains import mod_edit_json

FIXTURES = Path(__file__).parents[1] / "fixtures" / "gomod"


def go_json(go: Go, path: Path) -> dict[str, Any] | str:
    """`go mod edit -json` of `path`, or the go command's error text."""
    try:
        return mod_edit_json(go, path)
    except GoCommandError as e:
        return e.message


def compare(go: Go, tmp_path: Path, text: str | bytes) -> tuple[dict[str, Any] | GoModError, dict[str, Any] | str]:
    """(ours, go's) for one go.mod text."""
    path = tmp_path / "go.mod"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    try:
        ours: dict[str, Any] | GoModError = gomod.to_edit_json(gomod.load(path, "go.mod"))
    except GoModError as e:
        ours = e
    return ours, go_json(go, path)


def assert_same(ours: dict[str, Any] | GoModError, theirs: dict[str, Any] | str) -> None:
    if isinstance(theirs, str):
        assert isinstance(ours, GoModError), f"go rejects the file ({theirs}) but we read {ours}"
        # go prints `go.mod:LINE[:COL]: message` for the first error: we report the same line.
        m = re.search(r"go\.mod:(\d+)(?::\d+)?: ", theirs)
        assert m is not None, theirs
        assert ours.line == int(m.group(1)), f"{ours} vs {theirs}"
    else:
        assert not isinstance(ours, GoModError), f"we reject ({ours}) what go reads as {theirs}"
        assert ours == theirs


# -- positions -----------------------------------------------------------------------------------------------


def test_positions_of_every_directive() -> None:
    mod = gomod.load(FIXTURES / "positions.go.mod", "positions.go.mod")
    assert mod.file == "positions.go.mod"
    assert mod.module == gomod.Module("example.com/Old/mod", "use example.com/new instead.", 2, 1, 8)
    assert mod.go == gomod.GoDirective("1.26.1", 4, 1)
    assert mod.toolchain == gomod.ToolchainDirective("go1.27.3", 5, 1)
    assert mod.godebugs == (gomod.Godebug("default", "go1.26", 8, 2), gomod.Godebug("panicnil", "1", 9, 2))
    assert mod.requires == (
        gomod.Require("example.com/single", "v1.2.0", True, 12, 1, 9),
        gomod.Require("github.com/Ünïcode/pkg", "v0.1.0", False, 16, 2, 2),
        gomod.Require("example.com/two/v2", "v2.0.0-rc.1", True, 17, 5, 5),
        gomod.Require("example.com/quoted", "v1.0.0", False, 18, 2, 2),
        gomod.Require("github.com/old/lib", "v3.1.0+incompatible", False, 19, 2, 2),
    )
    assert [r.incompatible for r in mod.requires] == [False, False, False, False, True]
    assert mod.excludes == (gomod.Exclude("example.com/single", "v1.1.0", 22, 1, 9),)
    assert mod.replaces == (
        gomod.Replace("example.com/single", "v1.2.0", "example.com/fork", "v1.2.1", 25, 2, 2, 31),
        gomod.Replace("example.com/local", None, "../local", None, 26, 2, 2, 23),
        gomod.Replace("example.com/abs", None, "/srv/abs", None, 28, 1, 9, 28),
    )
    assert [r.is_local for r in mod.replaces] == [False, True, True]
    assert mod.replaces[0].old == "example.com/single@v1.2.0"
    assert mod.replaces[0].new == "example.com/fork v1.2.1"
    assert mod.retracts == (
        gomod.Retract("v1.0.0", "v1.0.5", "broken release", 30, 1),
        gomod.Retract("v0.9.0", "v0.9.0", "leaked credentials", 33, 2),
    )
    assert mod.tools == (gomod.Tool("example.com/single/cmd/gen", 36, 1),)
    assert mod.ignores == (gomod.Ignore("./node_modules", 37, 1),)
    assert mod.module_path == "example.com/Old/mod"
    assert mod.go_version == "1.26.1"


def test_fixture_reads_like_go(go: Go) -> None:
    assert gomod.to_edit_json(gomod.load(FIXTURES / "positions.go.mod")) == mod_edit_json(
        go, FIXTURES / "positions.go.mod"
    )


def test_columns_count_characters_not_bytes() -> None:
    mod = gomod.parse('module x\nrequire (\n\t"é.com/ü" v1.0.0 // indirect\n)\nreplace é.com/ü => ./ü\n')
    assert mod.requires[0].col == 2
    assert mod.replaces[0].new_path_col == 20


@pytest.mark.parametrize(
    ("path", "local"),
    [
        ("./x", True),
        ("../x", True),
        (".", True),
        ("..", True),
        ("/abs", True),
        ("\\\\server\\share", True),
        (".\\x", True),
        ("..\\x", True),
        ("C:\\work\\x", True),
        ("c:relative", True),
        ("example.com/x", False),
        ("x", False),
        (".x", False),
        ("1:x", False),
    ],
)
def test_is_directory_path(path: str, local: bool) -> None:
    assert gomod.is_directory_path(path) is local


def test_errors_name_file_and_line() -> None:
    with pytest.raises(GoModError) as info:
        gomod.parse("module x\n\nrequire (\n\texample.com/y latest\n)\n", "sub/go.mod")
    assert info.value.path == "sub/go.mod"
    assert info.value.line == 4
    assert "must be of the form v1.2.3" in info.value.message
    assert str(info.value).startswith("sub/go.mod:4: ")


def test_invalid_utf8_is_a_gomod_error() -> None:
    with pytest.raises(GoModError) as info:
        gomod.parse(b"module x\n\ngo 1.26 \xff\n")
    assert info.value.line == 3


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GoModError) as info:
        gomod.load(tmp_path / "go.mod", "go.mod")
    assert info.value.path == "go.mod"


# -- the table: tricky files, compared with the real go command ----------------------------------------------

CASES = [
    "module x\n",
    "go 1.21\n",
    'module "example.com/\\u00e9"\ngo 1.21rc1\ntoolchain go1.22.0-custom\n',
    'module x\nrequire (\n  x.org/y v1.2 // indirect; foo\n  "x.org/z" v2.0.0+incompatible\n)\n',
    "module x\nrequire ( // c\n a.b/c v0.0.0-20200101000000-abcdefabcdef //indirect\n)\n",
    "module x\nretract [v1.0.0, v1.2.0] // bad\nretract (\n // why\n\n v1.3.0\n)\n",
    "module x\nretract (\n // blockc\n v1.3.0\n)\n// before\nretract `foo`\n",
    "module x\nretract (\n // block comment\n v1.0.0\n v1.1.0 // own\n)\n",
    "module x\n// c1\nretract (\n v1.0.0\n\n v1.1.0\n)\n",
    "module x\nretract [v1.0.0,v1.9.9] // r\nretract v2.0.0 v3.0.0\n",
    "module x\nretract (\n v1.0.0 // a\n [v1.1.0, v1.2.0]\n)\n",
    'module x\nretract ""\n',
    "module x\nretract not-semver\n",
    "module x\nretract [v1.0.0 v1.1.0]\n",
    "module x\nretract ( v1.0.0 )\n",
    "// Deprecated: use y\nmodule x\n",
    "// hello\n//\n// Deprecated: use y\n//\n// more\nmodule x\n",
    "// Deprecated: detached\n\nmodule x\n",
    "module x // Deprecated: z\n",
    "module (\n // Deprecated: blocky\n x\n)\n",
    "module x\nmodule y\n",
    "module `x`\n",
    "module x y\n",
    "module x\r\ngo 1.21\r\nrequire a.b/c v1.0.0 // indirect\r\n",
    "module x\r\nrequire (\r\n\ta.b/c v1.0.0 // indirect\r\n\r\n\t// note\r\n\ta.b/d v1.0.0\r\n)\r\n",
    "module x\nreplace a.b/c => ../c\nreplace a.b/c v1.0.0 => a.b/d v1.1\nreplace a.b/c => ./d\n",
    "module x\nreplace a.b/c v1.0.0 => a.b/d v2.0.0\n",
    "module x\nreplace a.b/c => C:\\foo\n",
    "module x\nreplace a.b/c => C:foo\n",
    "module x\nreplace a.b/c => a.b/d@v1.0.0\n",
    "module x\nreplace a.b/c => a.b/d\n",
    "module x\nreplace a.b/c => ../d v1.0.0\n",
    "module x\nreplace a.b/c/v2 v3.0.0 => a.b/d v2.0.0\n",
    "module x\nreplace a.b/c v1 => a.b/d v1.0.0-pre\n",
    "module x\nreplace a.b/c = > ./d\n",
    "module x\nreplace a.b/c=>./d\n",
    "module x\nexclude a.b/c v1.0.0\nexclude a.b/c v1.0.0\nexclude (\n a.b/c v1.1.0\n)\n",
    "module x\ntool a.b/c\ntool a.b/c\nignore ./x\nignore (\n ./y\n ./x\n)\n",
    "module x\ngodebug default=go1.21\ngodebug (\n panicnil=1\n =x\n)\n",
    "module x\ngodebug nokey\n",
    'module x\ngodebug a="b"\n',
    'module x\nrequire "" v1.0.0\n',
    "module x\nrequire a.b/c/v2 v1.0.0\n",
    "module x\nrequire a.b/c v2.0.0\n",
    "module x\nrequire gopkg.in/yaml.v2 v2.4.0\n",
    "module x\nrequire gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405\n",
    "module x\nrequire gopkg.in/yaml v1.0.0\n",
    "module x\nrequire gopkg.in/yaml.v3-unstable v3.0.0\n",
    "module x\nrequire gopkg.in/yaml.v0 v0.1.0\n",
    "module x\nrequire a.b/c master\n",
    "module x\nrequire a.b/c/v1 v1.0.0\n",
    "module x\nrequire a.b/c/v2.0 v1.0.0\n",
    "module x\nrequire a.b/c/v02 v2.0.0\n",
    "module x\nrequire a.b/C/Upper v1.0.0\n",
    "module x\nrequire a.b/c v1.0.0\nrequire a.b/c v1.1.0\n",
    "module x\nrequire a.b/c v1.0.0-01\n",
    "module x\nrequire a.b/c v1.0.0-0a.1\n",
    "module x\nrequire a.b/c v1.0.0+meta\n",
    "module x\nrequire a.b/c v1.0.0+\n",
    "module x\nrequire a.b/c v1.0.0-pre+incompatible\n",
    "module x\nrequire a.b/c v01.0.0\n",
    "module x\nrequire a.b/c v1.2.3.4\n",
    "module x\nrequire a.b/c V1.0.0\n",
    'module x\nrequire "a.b/\\x41" v1.0.0\n',
    'module x\nrequire "a.b/\\101\\u00e9\\U0001F600" "v1.0.0"\n',
    'module x\nrequire "a.b/\\q" v1.0.0\n',
    'module x\nrequire "a.b/\\400" v1.0.0\n',
    'module x\nrequire "a.b/\\ud800" v1.0.0\n',
    'module x\nrequire "a.b/\\\'" v1.0.0\n',
    "module x\nrequire a.b/c' v1.0.0\n",
    "module x\nrequire a.b/c v1.0.0 /* x */\n",
    "module x\nrequire a.b/c/*x v1.0.0\n",
    "module x\nrequire a.b/c//x v1.0.0\n",
    "module x\nrequire (\n a.b/c v1.0.0\n",
    "module x\nrequire (\n a.b/c v1.0.0\n) x\n",
    "module x\nrequire (\n a.b/c v1.0.0\n) // trailing\n",
    "module x\nrequire ()\n",
    "module x\nrequire () // c\n",
    "module x\nrequire ( ) a\n",
    "module x\nrequire a.b/c v1.0.0 ( )\n",
    "module x\nrequire{a.b/c v1}\n",
    "module x\n)\n",
    "module x\n(\n",
    "module x\ngo (\n 1.21\n)\n",
    "module x\nfoo (\n bar\n)\n",
    "module x\nfoo bar\n",
    "module x\ngo 1.21.0\ngo 1.22\n",
    "module x\ngo 1.21.0rc1\n",
    "module x\ngo 1.021\n",
    "module x\ngo v1.21\n",
    "module x\ngo 2.0\n",
    "module x\ntoolchain default\n",
    "module x\ntoolchain go1\n",
    "module x\ntoolchain go1.x\n",
    "module x\ntoolchain 1.21\n",
    "module x\ntoolchain go1.21\ntoolchain go1.22\n",
    "module x\nrequire a.b/c v1.0.0 // indirect;\n",
    "module x\nrequire a.b/c v1.0.0 //   indirect  \n",
    "module x\nrequire a.b/c v1.0.0 // indirect; because\n",
    "module x\nrequire a.b/c v1.0.0 // indirectly\n",
    "module x\nrequire (\n // indirect\n a.b/c v1.0.0\n)\n",
    "module x\n\x00\n",
    "module x\n\ufeffgo 1.2\n",
    "\ufeffmodule x\n",
    'module x\ngo 1.21 "\n',
    'module x\ngo 1.21 "abc\\\ndef"\n',
    'module x\nrequire a.b/c v1.0.0 "',
    "module x\nrequire a.b/c v1.0.0 `",
    "module x\ngo\t1.21\r\n\r\n",
    "module x\ngo 1.21\x0b\n",
    "module x\u00a0y\n",
    "module a.b/x\nrequire (\n\t// comment before\n\ta.b/c v1.0.0\n\t// dangling\n)\n",
    "module x\ntool\n",
    "module x\nignore a b\n",
    "",
    "// only a comment",
    "\n\n\n",
]


@pytest.mark.parametrize("text", CASES, ids=range(len(CASES)))
def test_reads_like_go(go: Go, tmp_path: Path, text: str) -> None:
    assert_same(*compare(go, tmp_path, text))


# -- property: arbitrary text --------------------------------------------------------------------------------


def parse_or_gomod_error(data: str | bytes) -> None:
    with time_limit(5):
        try:
            gomod.parse(data)
        except GoModError as e:
            assert e.path == "go.mod"
            assert e.line is None or e.line >= 1


VOCAB = [
    "module", "go", "toolchain", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore",
    "(", ")", "[", "]", ",", "=>", "//", "// indirect", "/*", '"', "`", "\\", "'", "\n", "\r\n", " ", "\t",
    "example.com/x", "a.b/c/v2", "v1.0.0", "v2.0.0+incompatible", "v1", "1.26", "go1.27.3", "default", "./x",
    "../y", "C:", "k=v", "Deprecated:", "é", "\x00", "\ufeff", "\u2028",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_raises_only_gomod_error(text: str) -> None:
    parse_or_gomod_error(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary())
def test_arbitrary_bytes_raise_only_gomod_error(data: bytes) -> None:
    parse_or_gomod_error(data)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCAB) | st.text(max_size=3), max_size=60))
def test_token_soup_raises_only_gomod_error(parts: list[str]) -> None:
    parse_or_gomod_error("".join(parts))


# -- property: generated valid files read exactly like go reads them -----------------------------------------

ELEM = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_~-]{0,7}", fullmatch=True).filter(
    lambda e: re.fullmatch(r"v[0-9.]*", e) is None
)
HOST = st.tuples(
    st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,6}", fullmatch=True), st.sampled_from(["com", "org", "io", "dev"])
).map(".".join)


@st.composite
def module_path(draw: st.DrawFn) -> tuple[str, int | None]:
    """A module path and its major version suffix (None, or N for `/vN`)."""
    elems = [draw(HOST), *draw(st.lists(ELEM, max_size=3))]
    major = draw(st.none() | st.integers(2, 9))
    if major is not None:
        elems.append(f"v{major}")
    return "/".join(elems), major


@st.composite
def version(draw: st.DrawFn, major: int | None) -> str:
    """A version that fits the path's major version suffix (`+incompatible` for v2+ without one)."""
    incompatible = False
    if major is None:
        incompatible = draw(st.booleans())
        m = draw(st.integers(2, 30)) if incompatible else draw(st.integers(0, 1))
    else:
        m = major
    minor, patch = draw(st.integers(0, 20)), draw(st.integers(0, 20))
    form = draw(st.sampled_from(["full", "full", "pre", "pseudo", "build", "short1", "short2"]))
    if incompatible:
        form = draw(st.sampled_from(["full", "pre"]))
    if form == "short1":
        v = f"v{m}"
    elif form == "short2":
        v = f"v{m}.{minor}"
    elif form == "pre":
        v = f"v{m}.{minor}.{patch}-" + draw(st.sampled_from(["rc.1", "beta.2", "alpha", "0.1", "x-y.z"]))
    elif form == "pseudo":
        v = f"v{m}.{minor}.{patch}-0.20240102030405-0123456789ab"
    elif form == "build":
        v = f"v{m}.{minor}.{patch}+build.7"
    else:
        v = f"v{m}.{minor}.{patch}"
    return v + ("+incompatible" if incompatible else "")


LOCAL = st.sampled_from(["./fork", "../sibling", "../a/b", "/srv/mods/x", ".", ".."])
COMMENT = st.from_regex(r"[A-Za-z][A-Za-z0-9 .,:;-]{0,20}", fullmatch=True).map(str.strip).filter(bool)


@dataclass
class Entry:
    """One generated entry: its text (without the verb when in a block) and what it parses to."""

    kind: str
    text: str
    expect: Any
    before: list[str] = field(default_factory=list)
    """Whole-line comments right before the entry."""


@st.composite
def requires(draw: st.DrawFn) -> Entry:
    path, major = draw(module_path())
    v = draw(version(major))
    suffix = draw(st.sampled_from(["", "", "// indirect", "//indirect", "// indirect; why", "// note"]))
    quoted = draw(st.booleans())
    text = f'"{path}" {v}' if quoted else f"{path} {v}"
    if suffix:
        text += " " + suffix
    return Entry("require", text, (path, gomod.canonical_version(v), suffix.startswith(("// indirect", "//ind"))))


@st.composite
def excludes(draw: st.DrawFn) -> Entry:
    path, major = draw(module_path())
    v = draw(version(major))
    return Entry("exclude", f"{path} {v}", (path, gomod.canonical_version(v)))


@st.composite
def replaces(draw: st.DrawFn) -> Entry:
    old, major = draw(module_path())
    old_v = draw(st.none() | version(major))
    if draw(st.booleans()):
        new, new_v = draw(LOCAL), None
    else:
        new, new_major = draw(module_path())
        new_v = draw(version(new_major))
    text = old + (f" {old_v}" if old_v else "") + f" => {new}" + (f" {new_v}" if new_v else "")
    expect = (
        old,
        gomod.canonical_version(old_v) if old_v else None,
        new,
        gomod.canonical_version(new_v) if new_v else None,
    )
    return Entry("replace", text, expect)


@st.composite
def retracts(draw: st.DrawFn) -> Entry:
    low = draw(version(None).filter(lambda v: "+incompatible" not in v))
    rationale = draw(st.none() | COMMENT)
    where = draw(st.sampled_from(["suffix", "before"]))
    if draw(st.booleans()):
        high = draw(version(None).filter(lambda v: "+incompatible" not in v))
        text = f"[{low}, {high}]"
    else:
        high = low
        text = low
    entry = Entry("retract", text, (low, high, rationale or ""))
    if rationale and where == "suffix":
        entry.text += f" // {rationale}"
    elif rationale:
        entry.before.append(f"// {rationale}")
    return entry


SIMPLE = {
    "godebug": st.tuples(
        st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), st.sampled_from(["0", "1", "go1.26"])
    ).map(lambda kv: Entry("godebug", f"{kv[0]}={kv[1]}", kv)),
    "tool": module_path().map(lambda p: Entry("tool", p[0] + "/cmd/gen", p[0] + "/cmd/gen")),
    "ignore": st.sampled_from(["./node_modules", "./testdata/big", "static"]).map(lambda d: Entry("ignore", d, d)),
}


@st.composite
def gomod_files(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid go.mod text and what each entry must read as (with its line and column)."""
    lines: list[str] = []
    expected: dict[str, Any] = {"entries": []}
    mod_path, _ = draw(module_path())
    if draw(st.booleans()):
        lines.append("// Deprecated: " + draw(COMMENT))
    lines.append(f"module {mod_path}")
    expected["module"] = (mod_path, len(lines))
    lines.append("")
    if draw(st.booleans()):
        go_version = draw(st.sampled_from(["1.21", "1.22.3", "1.23rc1", "1.26", "1.27.0"]))
        lines.append(f"go {go_version}")
        expected["go"] = (go_version, len(lines))
    if draw(st.booleans()):
        lines.append("toolchain " + draw(st.sampled_from(["go1.27.3", "default", "go1.26.6"])))
    groups = draw(
        st.lists(
            st.sampled_from(["require", "exclude", "replace", "retract", "godebug", "tool", "ignore"]),
            max_size=6,
        )
    )
    strategies = {"require": requires(), "exclude": excludes(), "replace": replaces(), "retract": retracts()}
    strategies.update(SIMPLE)
    for kind in groups:
        entries = draw(st.lists(strategies[kind], min_size=1, max_size=4))
        lines.append("")
        block = draw(st.booleans())
        indent = draw(st.sampled_from(["\t", "    ", " "]))
        if block:
            lines.append(f"{kind} (" + draw(st.sampled_from(["", " // group"])))
        for e in entries:
            if block and draw(st.integers(0, 4)) == 0:
                lines.append("")  # a blank line keeps the comments apart
            for c in e.before:
                lines.append((indent if block else "") + c)
            text = (indent + e.text) if block else f"{kind} {e.text}"
            lines.append(text)
            col = len(indent) + 1 if block else 1
            expected["entries"].append((kind, e.expect, len(lines), col))
        if block:
            lines.append(")")
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return eol.join(lines) + eol, expected


def positions_of(mod: gomod.GoMod) -> list[tuple[str, Any, int, int]]:
    """Every entry as (kind, parsed form, line, column), in file order."""
    out: list[tuple[str, Any, int, int]] = []
    out += [("require", (r.path, r.version, r.indirect), r.line, r.col) for r in mod.requires]
    out += [("exclude", (x.path, x.version), x.line, x.col) for x in mod.excludes]
    out += [("replace", (p.old_path, p.old_version, p.new_path, p.new_version), p.line, p.col) for p in mod.replaces]
    out += [("retract", (t.low, t.high, t.rationale), t.line, t.col) for t in mod.retracts]
    out += [("godebug", (g.key, g.value), g.line, g.col) for g in mod.godebugs]
    out += [("tool", t.path, t.line, t.col) for t in mod.tools]
    out += [("ignore", i.path, i.line, i.col) for i in mod.ignores]
    return sorted(out, key=lambda o: (o[2], o[3]))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(gomod_files())
def test_generated_files_read_like_go(go: Go, tmp_path: Path, generated: tuple[str, dict[str, Any]]) -> None:
    text, expected = generated
    ours, theirs = compare(go, tmp_path, text)
    assert isinstance(theirs, dict), f"the generator made a file go rejects: {theirs}"
    assert_same(ours, theirs)

    mod = gomod.parse(text)
    assert mod.module is not None
    assert (mod.module.path, mod.module.line) == expected["module"]
    if "go" in expected:
        assert mod.go is not None
        assert (mod.go.version, mod.go.line) == expected["go"]
    # Retract rationales from a comment before a block entry also go to the entry; everything else is exact.
    assert positions_of(mod) == sorted(expected["entries"], key=lambda e: (e[2], e[3]))


def test_comments_belong_to_the_line_they_end_or_the_directive_directly_below() -> None:
    mod = gomod.parse(
        "// header, separated by a blank line\n"
        "\n"
        "module example.com/x // at the end\n"
        "// directly above\n"
        "// two lines\n"
        "go 1.26\n"
        "require (\n"
        "\t// far above, cut off by a blank line\n"
        "\n"
        "\t// above the entry\n"
        "\texample.com/a v1.0.0 // indirect\n"
        ")\n"
    )
    assert [(c.text, c.line, c.directive_line) for c in mod.comments] == [
        ("at the end", 3, 3),
        ("directly above", 4, 6),
        ("two lines", 5, 6),
        ("above the entry", 10, 11),
        ("indirect", 11, 11),
    ]


def test_go_work_text_gives_its_replaces_and_refuses_what_go_work_cannot_say() -> None:
    text = "go 1.26\n\nuse (\n\t./a\n\t./b\n)\nuse ./c\n\nreplace (\n\texample.com/x => ../x\n)\n"
    work = gomod.parse(text, "go.work", work=True)
    assert work.go is not None and work.go.version == "1.26"
    assert [(r.old_path, r.new, r.line) for r in work.replaces] == [("example.com/x", "../x", 10)]
    for bad, words in (("module example.com/w\n", "unknown directive: module"), ("require (\n)\n", "unknown block")):
        with pytest.raises(GoModError, match=words):
            gomod.parse(bad, "go.work", work=True)
    with pytest.raises(GoModError, match="unknown directive: use"):
        gomod.parse("use ./a\n", "go.mod")  # and a go.mod says no `use`
