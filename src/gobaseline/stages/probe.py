"""The start-up probe: run the built service for a few seconds and check what the observability baseline asks.

The probe runs after the build, for the host target only. It starts the binary (not `go`, so this module
may start it) in a fresh temporary directory that is also its HOME and TMPDIR, with a minimal environment
(PATH, the policy's `probe.env`, the listen address), in a process group of its own, and talks to it over
loopback only:

- the address is `127.0.0.1:PORT` on a port we choose (bind to port 0, close, pass it on; a start that fails
  with "address already in use" is retried on another port). It reaches the service through
  `probe.port_flag` (the flag takes the whole address: `-listen=127.0.0.1:PORT`), `probe.listen_env` (the
  address) and `probe.port_env` (the port alone), each one that is set. `probe.args` and `probe.env` values
  may also spell `{address}` and `{port}`, which covers a flag that takes the port alone
  (`args: ["-port={port}"]`).
- `GET /healthz` is polled until it answers 200 or `probe.startup_timeout` passes, then `GET /debug/metrics`
  must answer the Prometheus text format (`probe_http`);
- the service is stopped: SIGTERM to the whole group, `probe.shutdown_grace` seconds, then SIGKILL; needing
  SIGKILL is GB707. Whatever happens (a finding, an exception, Ctrl-C) the group is killed before `run`
  returns;
- the first `probe.log_lines` non-blank lines of its output must be structured JSON logs (`probe_logs`).

The probe redirects where a well-behaved service writes (working directory, HOME, TMPDIR); it is no sandbox.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gobaseline.errors import PolicyError
from gobaseline.model import Location
from gobaseline.policy import ProbePolicy
from gobaseline.stages import Context, StageResult
from gobaseline.stages.probe_checks import Checks
from gobaseline.stages.probe_http import Ready, free_port, wait_ready
from gobaseline.stages.probe_logs import KEEP_TAIL, OutputReader, sanitise, startup_lines

_POLL = 0.05
_KILL_WAIT = 5.0
_READER_JOIN = 2.0
_PORT_ATTEMPTS = 3
_TAIL_TOTAL = 2000
_PORT_TAKEN = ("address already in use", "only one usage of each socket address")


def describe_exit(returncode: int) -> str:
    """`code 1`, or `signal SIGKILL` for a negative return code."""
    if returncode >= 0:
        return f"code {returncode}"
    try:
        return f"signal {signal.Signals(-returncode).name}"
    except ValueError:
        return f"signal {-returncode}"


def main_line(path: Path) -> int | None:
    """The 1-based line of `func main()` in a Go file, or None."""
    try:
        for i, text in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if text.startswith("func main()"):
                return i
    except OSError:
        return None
    return None


# -- the running service -------------------------------------------------------------------------------------


@dataclass
class _Service:
    """One started service process and its output."""

    proc: subprocess.Popen[bytes]
    stdout: OutputReader
    stderr: OutputReader
    address: str
    how: str
    """How the address was passed, for messages: `-listen=127.0.0.1:4242`, `PORT=4242`."""
    started: float = field(default_factory=time.monotonic)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def group_alive(self) -> bool:
        """True while any process of the service's group exists."""
        if sys.platform == "win32":
            return self.running
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def signal_group(self, sig: int) -> None:
        """Send `sig` to every process of the group (SIGTERM and SIGKILL; Windows: terminate the process)."""
        if sys.platform == "win32":
            with contextlib.suppress(OSError):
                self.proc.terminate()
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the group and reap the process; safe to call any number of times."""
        self.signal_group(signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(_KILL_WAIT)

    def output_tail(self, workdir: str) -> str:
        """The last lines of stderr and stdout, sanitised and bounded, for a message."""
        lines = [sanitise(t, workdir) for t in [*self.stdout.tail, *self.stderr.tail] if t.strip()]
        text = "\n".join(lines[-KEEP_TAIL:])
        if len(text) > _TAIL_TOTAL:
            text = "…" + text[-(_TAIL_TOTAL - 1) :]
        return text

    def join(self) -> None:
        """Wait for both readers to reach the end of their streams."""
        self.stdout.join(_READER_JOIN)
        self.stderr.join(_READER_JOIN)

    def close(self) -> None:
        """Close our ends of the pipes."""
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def port_taken(self) -> bool:
        text = "\n".join([*self.stdout.tail, *self.stderr.tail]).lower()
        return any(s in text for s in _PORT_TAKEN)


@dataclass
class _Stopped:
    detail: str
    problem: str | None = None


def _stop(svc: _Service, grace: float) -> _Stopped:
    """SIGTERM the group, wait `grace`, SIGKILL what is left; describe how the service ended."""
    if not svc.running:
        ran = time.monotonic() - svc.started
        rc = svc.proc.returncode
        svc.kill()  # anything it left behind in its group
        return _Stopped(f"exited by itself with {describe_exit(rc)} after {ran:.2f} s")
    svc.signal_group(signal.SIGTERM)
    t0 = time.monotonic()
    try:
        svc.proc.wait(grace)
    except subprocess.TimeoutExpired:
        svc.kill()
        return _Stopped(
            f"still running {grace:g} s after SIGTERM; killed with SIGKILL",
            f"the service did not exit within {grace:g} s of SIGTERM and was killed with SIGKILL",
        )
    took = time.monotonic() - t0
    rc = svc.proc.returncode
    while svc.group_alive() and time.monotonic() - t0 < grace:
        time.sleep(_POLL)
    if svc.group_alive():
        svc.kill()
        return _Stopped(
            f"exited with {describe_exit(rc)} {took:.2f} s after SIGTERM; processes it started were killed",
            f"the service exited on SIGTERM but processes it started were still running after {grace:g} s",
        )
    return _Stopped(f"exited with {describe_exit(rc)} {took:.2f} s after SIGTERM")


# -- starting it ---------------------------------------------------------------------------------------------


def _substitute(text: str, address: str, port: int) -> str:
    return text.replace("{address}", address).replace("{port}", str(port))


def _uses_placeholder(policy: ProbePolicy) -> bool:
    values = [*policy.args, *policy.env.values()]
    return any("{address}" in v or "{port}" in v for v in values)


def service_command(
    binary: Path, policy: ProbePolicy, workdir: Path, port: int
) -> tuple[list[str], dict[str, str], str]:
    """The service's argv and whole environment, and a description of how the address is passed."""
    address = f"127.0.0.1:{port}"
    argv = [str(binary), *(_substitute(a, address, port) for a in policy.args)]
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(workdir), "TMPDIR": str(workdir)}
    if sys.platform == "win32":
        for name in ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR"):
            if name in os.environ:
                env[name] = os.environ[name]
        env.update({"TEMP": str(workdir), "TMP": str(workdir), "USERPROFILE": str(workdir)})
    env.update({k: _substitute(v, address, port) for k, v in policy.env.items()})
    how = []
    if policy.port_flag:
        argv.append(f"{policy.port_flag}={address}")
        how.append(f"`{policy.port_flag}={address}`")
    if policy.listen_env:
        env[policy.listen_env] = address
        how.append(f"`{policy.listen_env}={address}`")
    if policy.port_env:
        env[policy.port_env] = str(port)
        how.append(f"`{policy.port_env}={port}`")
    return argv, env, " and ".join(how) or "`probe.args`/`probe.env`"


def _start(binary: Path, policy: ProbePolicy, workdir: Path, port: int) -> _Service:
    argv, env, how = service_command(binary, policy, workdir, port)
    kwargs: dict[str, Any] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    else:
        kwargs["start_new_session"] = True
    proc = subprocess.Popen(
        argv,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )
    assert proc.stdout is not None and proc.stderr is not None  # noqa: S101 - both are PIPE
    return _Service(proc, OutputReader(proc.stdout), OutputReader(proc.stderr), f"127.0.0.1:{port}", how)


# -- the stage -----------------------------------------------------------------------------------------------


def _location(ctx: Context, main_file: str | None) -> Location | None:
    """Where findings point: the main file's `func main()` line when the file is known."""
    if not main_file:
        return None
    path = Path(main_file)
    absolute = path if path.is_absolute() else ctx.repo_root / path
    rel = ctx.rel(absolute) if path.is_absolute() else path.as_posix()
    return Location(rel, main_line(absolute))


def run(
    ctx: Context,
    binary: Path,
    *,
    main_file: str | None = None,
    stamped_version: str | None = None,
    target: str | None = None,
) -> StageResult:
    """Probe the built service `binary` as `ctx.policy.probe` says.

    Records the checks start, healthz, metrics, shutdown, log-json, log-fields and version (each passed,
    failed or skipped). `main_file` is the repository-relative path of the package's main file (findings point
    at its `func main()`), `stamped_version` the version the build set with `-ldflags -X` (None skips the
    version check), `target` the host `GOOS/GOARCH` for findings and checks. Raises PolicyError when the
    policy gives no way to pass the listen address. No process of the service outlives the call.
    """
    policy = ctx.policy.probe
    if not (policy.port_flag or policy.listen_env or policy.port_env or _uses_placeholder(policy)):
        raise PolicyError(
            "key probe: set port_flag, listen_env or port_env so the probe can tell the service its address",
            path=ctx.policy.source,
            line=ctx.policy.lines.get("probe"),
        )
    checks = Checks(policy, _location(ctx, main_file), stamped_version, target)
    t0 = time.perf_counter()
    try:
        _probe(ctx, checks, Path(binary).absolute())
    finally:
        checks.result.seconds = time.perf_counter() - t0
    return checks.result


def _probe(ctx: Context, checks: Checks, binary: Path) -> None:
    """Start the service (again on another port when someone took ours), examine it, and always clean up."""
    if not binary.is_file():
        checks.not_started(f"there is no binary at {ctx.rel(binary)}")
        return
    policy = checks.policy
    workdir = Path(tempfile.mkdtemp(prefix="gobaseline-probe-"))
    svc: _Service | None = None
    try:
        for attempt in range(_PORT_ATTEMPTS):
            port = free_port()
            try:
                svc = _start(binary, policy, workdir, port)
            except OSError as e:
                reason = sanitise(e.strerror or str(e))
                checks.not_started(f"cannot start {ctx.rel(binary)}: {reason}; is it built for this machine?")
                return
            ready = wait_ready(svc, port, policy.startup_timeout)
            if not (ready.exited and svc.port_taken()) or attempt == _PORT_ATTEMPTS - 1:
                _examine(checks, svc, ready, port, str(workdir))
                return
            svc.kill()  # someone took the port between our check and the service's bind: again
    finally:
        if svc is not None:
            svc.kill()
            svc.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _examine(checks: Checks, svc: _Service, ready: Ready, port: int, workdir: str) -> None:
    """Record every check for a started service, stopping it on the way."""
    checks.result.facts["probe.address"] = svc.address
    if ready.exited:
        svc.join()  # the process is gone: let the readers take in what it wrote before quoting it
        ended = describe_exit(svc.proc.returncode)
        checks.started(ready, svc.address, svc.how, ended=ended, tail=svc.output_tail(workdir))
    else:
        checks.started(ready, svc.address, svc.how)
    checks.http(ready, port)

    # Stop first and read the logs after: once the pipes are closed every line is in.
    t = time.perf_counter()
    stopped = _stop(svc, checks.policy.shutdown_grace)
    svc.join()
    checks.shutdown(stopped.detail, stopped.problem, time.perf_counter() - t)
    if ready.exited:
        checks.skip_rest("the service exited at start")
    else:
        checks.logs(startup_lines(svc.stdout.lines(), svc.stderr.lines(), checks.policy.log_lines))
