"""A hostile policy file is one error line naming the file, exit 3: no hang, no traceback, no memory blow-up."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gobaseline.cli import guarded, main
from gobaseline.errors import PolicyError
from gobaseline.policy import load, parse
from gobaseline.policy.document import LIMIT, MAX_DEPTH, MAX_NODES


def laughs(levels: int = 9, width: int = 9) -> str:
    """The billion laughs: `levels` anchors, each a list of `width` aliases of the one before."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _text(text: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / "policy.yml").write_text(text, encoding="utf-8")
        return d / "policy.yml"

    return make


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / "policy.yml").write_bytes(data)
        return d / "policy.yml"

    return make


def _fifo(d: Path) -> Path:
    os.mkfifo(d / "policy.yml")
    return d / "policy.yml"


def _directory(d: Path) -> Path:
    (d / "policy.yml").mkdir()
    return d / "policy.yml"


HOSTILE = [
    pytest.param(_text(laughs()), "anchors (&l0) are not allowed", id="billion-laughs"),
    pytest.param(_text("a: *nowhere\n"), "aliases (*nowhere) are not allowed", id="alias"),
    pytest.param(_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n"), "nested deeper than", id="deep-yaml"),
    pytest.param(_text('{"a": ' * 8_000 + "1" + "}" * 8_000), "nested deeper than", id="deep-json"),
    pytest.param(lambda d: Path("/dev/zero"), "is a character device", id="dev-zero"),
    pytest.param(_fifo, "is a FIFO", id="fifo"),
    pytest.param(_directory, "is a directory", id="directory"),
    pytest.param(_text('output:\n  dir: "out\\0put"\n'), "2: key output.dir: contains a NUL character", id="nul"),
    pytest.param(_text('build:\n  env: {"A\\0": x}\n'), "key build.env.A\0: contains a NUL", id="nul-key"),
    pytest.param(_text('output:\n  dir: "x\\udc80"\n'), "key output.dir: contains a lone surrogate", id="surrogate"),
    pytest.param(_bytes(b"version: 1\nfail_on: \xff\n"), "2: cannot read the policy file: not UTF-8", id="not-utf8"),
    pytest.param(_bytes(b"x" * (LIMIT + 1)), f"more than the limit of {LIMIT}", id="oversized"),
    pytest.param(_text("fail_on: " + "x" * 60_000 + "\n"), "fail_on: 'xxx", id="long-value"),
    pytest.param(_text("targets: [" + "1," * 12_000 + "]\n"), f"more than {MAX_NODES} keys", id="many-values"),
]


@pytest.mark.parametrize(("make", "words"), HOSTILE)
def test_a_hostile_policy_is_one_error_line_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path], words: str
) -> None:
    module = tmp_path / "mod"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/x\n\ngo 1.22\n", encoding="utf-8")
    policy = make(tmp_path)

    assert main(["check", str(module), "--policy", str(policy)]) == 3

    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith(f"gobaseline: error: {policy}") and words.replace("\0", "\\x00") in line.replace(
        "\0", "\\x00"
    )
    assert len(line) < 600


@pytest.mark.parametrize("make", [_fifo, _directory, _text("x: *y\n")], ids=["fifo", "directory", "alias"])
def test_the_modules_own_policy_file_is_read_as_carefully(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path]
) -> None:
    (tmp_path / "go.mod").write_text("module example.com/x\n\ngo 1.22\n", encoding="utf-8")
    make(tmp_path).rename(tmp_path / ".gobaseline.yml")
    assert main(["check", str(tmp_path)]) == 3
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(("gobaseline: error: .gobaseline.yml", f"gobaseline: error: {tmp_path / '.gobaseline.yml'}"))


def test_the_billion_laughs_never_expands() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(PolicyError, match="anchors"):
            parse(laughs(levels=12, width=12), "bomb.yml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_nesting_up_to_the_bound_is_allowed() -> None:
    ok = "build:\n  env:\n" + "".join(f"{'  ' * (i + 2)}k{i}:\n" for i in range(MAX_DEPTH - 4)) + "    x: 1\n"
    with pytest.raises(PolicyError) as info:  # deep, but within the bound: the schema speaks, not the reader
        parse(ok, "p.yml")
    assert "nested deeper" not in info.value.message


# -- generated hostile files -----------------------------------------------------------------------

_FRAGMENTS = [
    "a: &x [1, 2]\n",
    "b: *x\n",
    "<<: *x\n",
    "[" * 40,
    "{" * 40,
    "]" * 5,
    '"\\0"',
    'output:\n  dir: "a\\0b"\n',
    '"\\ud800"',
    "!!python/object/apply:os.system ['true']\n",
    "!!binary aGVsbG8=\n",
    "!!set {a, b}\n",
    "!!timestamp 2027-02-30\n",
    "min_free_mb: 1e999\n",
    "9" * 5000,
    "? [a]\n: b\n",
    "---\n",
    "%YAML 1.1\n",
    "\t",
    "\ufeff",
    "\x1f",
    "severity: {GB002: warning}\n",
    "targets: [linux/amd64]\n",
    "output: {dir: x}\n",
    "build: {env: {A: b}}\n",
    "probe: {enabled: true}\n",
    "waivers: [{module: m, approved_by: a, ticket: t, expires: 2027-01-01}]\n",
    "  - ",
    ": ",
    "\n",
]
_CHUNKS = st.one_of(
    st.sampled_from(_FRAGMENTS).map(lambda s: s.encode("utf-8", errors="surrogatepass")),
    st.binary(max_size=12),
    st.text(max_size=12).map(lambda s: s.encode("utf-8", errors="surrogatepass")),
)
CASES = 300


@pytest.mark.parametrize("cases", [CASES], ids=lambda n: f"{n}-cases")
def test_generated_hostile_policies_never_traceback(cases: int) -> None:
    seen: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yml"

        @settings(max_examples=cases, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(_CHUNKS, max_size=12).map(b"".join))
        def one(data: bytes) -> None:
            path.write_bytes(data)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = guarded(lambda: (load(path, Path(tmp) / "repo"), 0)[1])
            seen.append(code)
            assert code in (0, 3) and "Traceback" not in err.getvalue()
            if code == 3:
                (line,) = err.getvalue().splitlines()
                assert line.startswith(f"gobaseline: error: {path}")

        one()
    assert len(seen) >= cases, f"{len(seen)} cases, {seen.count(3)} refused, 0 tracebacks"
