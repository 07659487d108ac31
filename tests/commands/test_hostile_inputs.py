"""Hostile inputs around the toolchain: a GOENV file and a `--go` that are not what they claim, and a console that
cannot print what the repository holds. Each is one line naming the input, exit 3, no traceback and no hang;
reports already on disk stay there."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gobaseline.cli import main
from gobaseline.errors import GoCommandError
from gobaseline.golang import goenv, gotool
from tests.support.examples import copy_example
from tests.support.limits import time_limit

REPO = Path(__file__).resolve().parents[2]
SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def printed_by(argv: list[str], stdout: io.TextIOBase | None = None) -> tuple[int, list[str]]:
    """Exit code and the lines `gobaseline ARGV` printed (stdout and stderr)."""
    out, err = stdout or io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    text = out.getvalue() if isinstance(out, io.StringIO) else ""
    return code, (text + err.getvalue()).splitlines()


@pytest.fixture
def module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("mod") / "hello"
    copy_example("hello", dst)
    return dst


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, go_env: dict[str, str]) -> dict[str, str]:
    """The isolated Go environment as the process environment (the CLI reads os.environ), outside CI; the
    whole environment is restored afterwards."""
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "GITLAB_", "CI_", "GOBASELINE_", "GO")):
            monkeypatch.delenv(key, raising=False)
    for key, value in go_env.items():
        monkeypatch.setenv(key, value)
    return go_env


# -- a GOENV file that is not a small regular file ---------------------------------------------------------------

ENV_FILE_KINDS = ["fifo", "dev-zero", "directory", "huge", "link-loop", "link-to-fifo"]


def plant_env_file(path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "huge":
        with path.open("wb") as fh:  # sparse: size without the disk
            fh.truncate(goenv.ENV_FILE_LIMIT + 1)
    elif kind == "link-loop":
        path.symlink_to(path.name)
    elif kind == "link-to-fifo":
        os.mkfifo(path.with_name("real-fifo"))
        path.symlink_to("real-fifo")


@pytest.mark.generated("GOENV file")
@settings(SETTINGS, max_examples=40)
@given(
    kind=st.sampled_from(ENV_FILE_KINDS),
    where=st.sampled_from(["GOENV", "XDG_CONFIG_HOME", "HOME"]),
    command=st.sampled_from(["check", "build", "verify"]),
)
def test_a_goenv_file_that_is_not_a_small_regular_file_is_one_line_and_exit_3(
    clean_env: dict[str, str],
    module: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    where: str,
    command: str,
) -> None:
    base = tmp_path_factory.mktemp("goenv")
    env_file = {
        "GOENV": base / "env",
        "XDG_CONFIG_HOME": base / "go" / "env",
        "HOME": base / ".config" / "go" / "env",
    }[where]
    for var in ("GOENV", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(where, str(env_file if where == "GOENV" else base))
    plant_env_file(env_file, kind)
    reports = module / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "report.json").write_text("{}\n")  # from an earlier run: kept
    target = [str(module / "main.go")] if command == "verify" else [str(module)]
    with time_limit(30):
        code, lines = printed_by([command, *target, "--output-dir", str(reports)])
    assert code == 3, lines
    assert len(lines) == 1 and str(env_file) in lines[0] and "GOENV" in lines[0], lines
    assert (reports / "report.json").read_text() == "{}\n"


@pytest.mark.generated("GOENV file")
@pytest.mark.parametrize("kind", ["missing", "dangling-link", "parent-is-a-file"])
def test_a_goenv_file_the_go_command_would_ignore_is_no_error(
    clean_env: dict[str, str], module: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    env_file = tmp_path / "env"
    if kind == "dangling-link":
        env_file.symlink_to("nowhere")
    elif kind == "parent-is-a-file":
        env_file.write_text("")
        env_file = env_file / "env"
    monkeypatch.setenv("GOENV", str(env_file))
    code, lines = printed_by(["check", str(module)])
    assert code in (0, 1, 2), lines
    assert not any("Traceback" in line for line in lines)


# -- a --go that is not a go command ----------------------------------------------------------------------------

GO_KINDS = ["directory", "not-executable", "fifo", "nul", "missing", "hangs", "exits-1", "prints"]
garbage = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"[1, 2]",
            b'{"GOROOT": 1}',
            b'"GOROOT"',
            b"null",
            b"[" * 100_000,
            b"{" * 50_000,
            b'{"GOROOT": "/nonexistent"}' + b" " * 10,
            b"\x7fELF\x00\x00",
        ]
    ),
)


def plant_go(base: Path, kind: str, output: bytes) -> str:
    go = base / "go"
    if kind == "directory":
        go.mkdir()
    elif kind == "not-executable":
        go.write_text("#!/bin/sh\nexit 0\n")
    elif kind == "fifo":
        os.mkfifo(go)
    elif kind == "nul":
        return f"{go}\0x"
    elif kind == "missing":
        pass
    else:
        (base / "out").write_bytes(output)
        body = {"hangs": "exec sleep 600", "exits-1": f"cat '{base}/out' >&2; exit 1", "prints": f"cat '{base}/out'"}
        go.write_text(f"#!/bin/sh\n{body[kind]}\n")
        go.chmod(0o755)
    return str(go)


@pytest.mark.generated("--go")
@settings(SETTINGS, max_examples=30)
@given(kind=st.sampled_from(GO_KINDS), output=garbage, command=st.sampled_from(["check", "build", "run"]))
@example(kind="prints", output=b"[" * 100_000, command="check")
@example(kind="hangs", output=b"", command="check")
def test_a_go_that_is_not_a_go_command_is_one_line_naming_go_and_exit_3(
    clean_env: dict[str, str],
    module: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    output: bytes,
    command: str,
) -> None:
    monkeypatch.setattr(gotool, "QUERY_TIMEOUT", 1.0)
    go = plant_go(tmp_path_factory.mktemp("go"), kind, output)
    extra = ["--no-publish"] if command == "run" else []
    with time_limit(30):
        code, lines = printed_by([command, str(module), "--go", go, *extra])
    assert code == 3, lines
    assert len(lines) == 1 and lines[0].startswith("gobaseline: error: --go "), lines


def test_a_printing_go_is_cut_off_not_read_into_memory(tmp_path: Path) -> None:
    script = tmp_path / "go"
    script.write_text("#!/bin/sh\nexec yes\n")
    script.chmod(0o755)
    with time_limit(30), pytest.raises(GoCommandError, match="printed more than 4096 bytes"):
        gotool.capture([str(script), "env"], env=dict(os.environ), limit=4096)


# -- a console that cannot print what the repository holds ------------------------------------------------------

non_latin = st.lists(
    st.one_of(
        st.sampled_from(["日本語", "😀", "\u202eabc", "שלום", "مرحبا", "\u200f", "e\u0301", "\U0001d518", "Ω", "ß"]),
        st.characters(min_codepoint=0x80, exclude_categories=("Cs", "Cc")),
        st.text("abc./-", max_size=3),
    ),
    min_size=1,
    max_size=5,
).map("".join)


def console_stream(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)


@pytest.mark.generated("console encoding")
@settings(SETTINGS, max_examples=12)
@given(
    name=non_latin,
    outdir=non_latin,
    encoding=st.sampled_from(["ascii", "cp1252", "latin-1"]),
    fmt=st.sampled_from(["text", "github", "json", "summary", "junit", "sarif"]),
    surrogate=st.booleans(),
)
def test_a_narrow_console_prints_non_latin_text_degraded_never_a_traceback(
    clean_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    outdir: str,
    encoding: str,
    fmt: str,
    surrogate: bool,
) -> None:
    base = tmp_path_factory.mktemp("console")
    # A directory name that is not UTF-8 reaches us as lone surrogates (os.fsdecode).
    raw = os.fsencode(str(base)) + b"/m" + (b"\xff\xfe" if surrogate else b"") + name.replace("/", "-").encode()
    mod = Path(os.fsdecode(raw))
    copy_example("hello", mod)
    (mod / "go.mod").write_text("module example.com/hello\n\ngo 1.26\n\nrequire example.com/dep v1.0.0\n")
    (mod / ".gobaseline.yml").write_text(json.dumps({"output": {"dir": f"out-{outdir}"}}), encoding="utf-8")
    stream = console_stream(encoding)
    code, lines = printed_by(["check", str(mod), "--format", fmt], stdout=stream)
    assert code in (1, 2), lines
    assert not any("Traceback" in line for line in lines), lines
    printed = stream.buffer.getvalue().decode(encoding)  # type: ignore[attr-defined]
    assert printed.strip()


@pytest.mark.generated("console encoding")
@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_pythonioencoding_narrow_console_end_to_end(clean_env: dict[str, str], tmp_path: Path, encoding: str) -> None:
    mod = Path(os.fsdecode(os.fsencode(str(tmp_path)) + "/模块-😀-\u202e-\xff".encode("utf-8", "surrogateescape")))
    copy_example("hello", mod)
    (mod / ".gobaseline.yml").write_text('output:\n  dir: "出力-שלום"\n', encoding="utf-8")
    env = {**clean_env, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(REPO / "src")}
    argv = [sys.executable, "-c", "import sys; from gobaseline.cli import main; sys.exit(main())", "check"]
    proc = subprocess.run([*argv, str(mod)], env=env, capture_output=True, timeout=120, check=False)
    assert proc.returncode in (1, 2), proc.stderr
    assert b"Traceback" not in proc.stderr + proc.stdout
    assert b"?" in proc.stdout  # degraded, not dropped
    proc.stdout.decode(encoding)
