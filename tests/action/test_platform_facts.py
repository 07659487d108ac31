"""What the host action does differently on macOS and Windows runners, checked here with those platforms' facts
injected: a Windows-shaped `os` module (no O_NOFOLLOW, O_DIRECTORY, O_CLOEXEC, O_NONBLOCK, geteuid or dir_fd;
O_BINARY, whose absence makes every descriptor text), Windows paths, and the platform the go command's own
files are found by."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from gobaseline.action.outputs import relative_to_workspace
from gobaseline.errors import GoModError
from gobaseline.formats import render
from gobaseline.formats.sarif import artifact_uri
from gobaseline.golang import modfile
from gobaseline.golang.goenv import user_env_file
from gobaseline.golang.goroot import goroot_from_files
from gobaseline.golang.modfile import parser as modfile_parser
from gobaseline.model import Finding, Location, Report, Severity
from gobaseline.stages import linked, toolchain
from tests.support.actions import parse_outputs
from tests.support.sarif import assert_valid_sarif

SRC = Path(__file__).resolve().parents[2] / "src"

# Loaded before anything else (sitecustomize): the os module of CPython on Windows, as far as gobaseline uses it.
WINDOWS_OS = """
import os

for name in ("O_NOFOLLOW", "O_DIRECTORY", "O_CLOEXEC", "O_NONBLOCK", "O_NOCTTY", "geteuid", "getuid", "lchown",
             "fchown", "chown", "killpg", "getpgid", "setsid", "fork"):
    if hasattr(os, name):
        delattr(os, name)
os.O_BINARY = O_BINARY = 0x8000  # Linux ignores it (O_LARGEFILE); Windows opens a descriptor as text without it
os.supports_dir_fd = set()
os.supports_fd = set()
_open = os.open


def windows_open(path, flags, mode=0o777, *, dir_fd=None):
    if dir_fd is not None:
        raise AssertionError(f"os.open({path!r}) with dir_fd, which Windows has not")
    if not flags & O_BINARY:
        raise AssertionError(f"os.open({path!r}) without O_BINARY: Windows would translate CRLF and stop at Ctrl-Z")
    return _open(path, flags, mode)


os.open = windows_open
"""

ON_WINDOWS = """
import sys
from pathlib import Path

import importlib, pkgutil
import gobaseline

for module in pkgutil.walk_packages(gobaseline.__path__, "gobaseline."):  # every module imports
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)

from gobaseline import safefs
from gobaseline.action import action, environment
from gobaseline.golang import cacheprog

root = Path(sys.argv[1])
assert environment.UID is None and not safefs.DIR_FD
data = b"CRLF\\r\\nand Ctrl-Z \\x1a then more\\n"
safefs.ensure_dir(root / "out" / "deep", root=root)
safefs.write_bytes(root / "out" / "deep" / "blob", data, root=root)
assert safefs.read_bytes(root / "out" / "deep" / "blob", limit=1024, what="blob") == data
# The verified build cache writes and reads objects with O_BINARY too (and copies them: no uid to prove).
output = safefs.sha256(root / "out" / "deep" / "blob", limit=1024, what="blob")
cacheprog.VerifiedCache(root / "pool").put("a" * 64, output, data)
hit = cacheprog.VerifiedCache(root / "private", root / "pool").get("a" * 64)
assert Path(hit["DiskPath"]).read_bytes() == data and hit["Size"] == len(data)
# A bad input: one error line, exit 3, verdict=error appended to GITHUB_OUTPUT.
print(action({"GITHUB_WORKSPACE": str(root), "GITHUB_OUTPUT": str(root / "output"), "INPUT_COMMAND": "chek"}))
"""


def test_the_action_imports_writes_and_reads_with_windows_os_module(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(WINDOWS_OS), encoding="utf-8")
    root = tmp_path / "ws"
    root.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(SRC)])}
    proc = subprocess.run(
        [sys.executable, "-c", ON_WINDOWS, str(root)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    *errors, code = proc.stdout.splitlines()
    assert code == "3" and len(errors) == 1 and "invalid input command" in errors[0]
    assert parse_outputs((root / "output").read_text(encoding="utf-8"))["verdict"] == "error"


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        # Go's os.UserConfigDir: %AppData% on Windows, ~/Library/Application Support on macOS (never XDG).
        ("win32", {"APPDATA": r"C:\Users\runneradmin\AppData\Roaming", "XDG_CONFIG_HOME": "/x"},
         Path(r"C:\Users\runneradmin\AppData\Roaming") / "go" / "env"),
        ("win32", {"HOME": "/c/Users/runneradmin"}, None),
        ("darwin", {"HOME": "/Users/runner", "XDG_CONFIG_HOME": "/x"},
         Path("/Users/runner/Library/Application Support/go/env")),
        ("darwin", {}, None),
        ("linux", {"HOME": "/home/runner", "XDG_CONFIG_HOME": "/x"}, Path("/x/go/env")),
        ("linux", {"HOME": "/home/runner", "XDG_CONFIG_HOME": "relative"}, None),  # go refuses it, reads none
        ("darwin", {"GOENV": "/set/env", "HOME": "/Users/runner"}, Path("/set/env")),
        ("win32", {"GOENV": "off", "APPDATA": "C:\\x"}, None),
    ],
)  # fmt: skip
def test_the_go_env_file_is_where_the_go_command_of_each_os_looks(
    platform: str, environ: dict[str, str], expected: Path | None
) -> None:
    assert user_env_file(environ, platform) == expected


def test_windows_output_paths_are_relative_with_forward_slashes() -> None:
    workspace = PureWindowsPath(r"D:\a\repo\repo")
    container = PurePosixPath("/github/workspace")
    for value, expected in [
        (r"D:\a\repo\repo\gobaseline-out\reports\report.json", "gobaseline-out/reports/report.json"),
        (r"d:\A\Repo\repo\out\manifest.json", "out/manifest.json"),  # Windows paths ignore case
        ("D:/a/repo/repo/mixed\\sep.sarif", "mixed/sep.sarif"),
        (r"D:\a\repo\repo", "."),
        (r"D:\a\_temp\report.json", r"D:\a\_temp\report.json"),  # outside the workspace: as it is
        (r"E:\a\repo\repo\report.json", r"E:\a\repo\repo\report.json"),  # another drive
        ("/github/workspace/out/report.json", "/github/workspace/out/report.json"),  # not a path on Windows
    ]:
        assert relative_to_workspace(value, workspace, container) == expected, value


def _executable(path: Path, data: bytes = b"MZ") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o755)
    return path


def test_a_windows_goroot_is_found_and_complete_by_its_exe_names(tmp_path: Path) -> None:
    # What setup-go unpacks on a Windows runner: C:\hostedtoolcache\windows\go\1.27.3\x64.
    root = tmp_path / "go" / "1.27.3" / "x64"
    required = toolchain.required_goroot_files("windows", "amd64")
    assert {"bin/go.exe", "pkg/tool/windows_amd64/compile.exe", "pkg/tool/windows_amd64/link.exe"} <= set(required)
    for name in required:
        if name.startswith("src/"):
            (root / name).mkdir(parents=True)
        else:
            _executable(root / name)
    assert goroot_from_files(root / "bin" / "go.exe", {}) == root.resolve()
    # pip's go.exe in a venv's Scripts is a launcher, not a `#!` script: no GOROOT from its files, go is asked.
    assert goroot_from_files(_executable(tmp_path / "venv" / "Scripts" / "go.exe"), {}) is None


def test_on_windows_path_is_split_at_semicolons_and_go_may_be_exe_bat_or_cmd(tmp_path: Path) -> None:
    exe = _executable(tmp_path / "a b" / "go.exe")  # Program Files has a space
    cmd = _executable(tmp_path / "shims" / "go.cmd")
    both = _executable(tmp_path / "both" / "go.exe")
    _executable(tmp_path / "both" / "go")  # one per directory: go.exe first, as Windows looks it up
    _executable(tmp_path / "unix" / "go")
    dirs = [exe.parent, cmd.parent, both.parent, exe.parent, tmp_path / "missing"]
    assert toolchain.go_commands_on_path(";".join(map(str, dirs)), windows=True) == [exe, cmd, both]
    unix = ":".join(map(str, [tmp_path / "unix", cmd.parent, both.parent]))
    assert toolchain.go_commands_on_path(unix, windows=False) == [tmp_path / "unix" / "go", both.parent / "go"]


def test_on_windows_every_binary_is_linked_afresh_and_no_record_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows' st_ctime is the creation time, which an in-place write keeps: it proves nothing about a binary.
    binary = _executable(tmp_path / "windows_amd64" / "svc.exe", b"MZ linked")
    ledger = linked.Ledger(tmp_path)
    with ledger.around([binary]) as job:
        _executable(binary, b"MZ linked")
        job.settle(True)
    assert ledger.save() is None and (tmp_path / linked.RECORD_NAME).is_file()  # on Linux: recorded
    monkeypatch.setattr(linked, "KEEPS", False)
    with linked.Ledger(tmp_path).around([binary]) as job:
        assert not binary.exists()
    (tmp_path / linked.RECORD_NAME).unlink()
    assert linked.Ledger(tmp_path).save() is None and not (tmp_path / linked.RECORD_NAME).exists()


@pytest.mark.parametrize(
    ("path", "uri", "base"),
    [
        ("C:/Users/runner/go/pkg/mod/m@v1/a b.go", "file:///C:/Users/runner/go/pkg/mod/m%40v1/a%20b.go", None),
        ("C:\\hostedtoolcache\\windows\\go\\1.27.3\\x64", "file:///C:/hostedtoolcache/windows/go/1.27.3/x64", None),
        ("/home/runner/go/pkg/mod/m/a.go", "file:///home/runner/go/pkg/mod/m/a.go", None),
        ("cmd/svc/main.go", "cmd/svc/main.go", "%SRCROOT%"),
        ("C:relative.go", "C%3Arelative.go", "%SRCROOT%"),  # a drive without a root is no absolute path
    ],
)  # fmt: skip
def test_sarif_gives_windows_paths_file_uris_with_their_drive(path: str, uri: str, base: str | None) -> None:
    assert artifact_uri(path) == (uri, base)


def test_a_windows_run_s_sarif_roots_at_its_drive_letter() -> None:
    outside = Finding("GB103", Severity.ERROR, "cache on the system disk", Location("C:/Users/runneradmin/x.go", 1))
    report = Report(tool_version="0.1.0", root="D:\\a\\repo\\repo", findings=(outside,))
    (run,) = assert_valid_sarif(render("sarif", report))["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///D:/a/repo/repo/"
    (result,) = run["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///C:/Users/runneradmin/x.go"}


@pytest.mark.parametrize("windows", [False, True])
def test_a_windows_replacement_directory_is_go_s_answer_on_each_host(
    windows: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modfile_parser, "WINDOWS", windows)
    text = "module example.com/svc\n\ngo 1.27\n\nreplace example.com/lib => ..\\lib\n"
    if windows:
        assert [r.new_path for r in modfile.parse(text).replaces] == ["..\\lib"]
    else:
        with pytest.raises(GoModError, match="appears to be Windows path"):
            modfile.parse(text)
