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
- `GET /healthz` is polled until it answers 200 or `probe.startup_timeout` passes;
- `GET /debug/metrics` must answer 200 with a `text/plain` (or no) Content-Type and a body that
  prometheus-client's text parser reads without error, holding at least one metric family with at least one
  sample. That parser is lenient, so the Content-Type is checked too: JSON, OpenMetrics or HTML answers are
  "another format";
- the service is stopped: SIGTERM to the whole group, `probe.shutdown_grace` seconds, then SIGKILL; needing
  SIGKILL is GB707. Whatever happens (a finding, an exception, Ctrl-C) the group is killed before `run`
  returns;
- the first `probe.log_lines` non-blank lines of stdout (of stderr when stdout is empty) must be JSON objects
  with every `probe.required_fields` entry: `ts` an RFC 3339 time, `level` a usual level name, `service` and
  `version` non-empty strings, any other field present and not null; `version` must equal the stamped version
  when there is one.

HTTP requests use `http.client` straight to 127.0.0.1, so HTTP(S)_PROXY in our environment never applies.
The probe redirects where a well-behaved service writes (working directory, HOME, TMPDIR); it is no sandbox.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from gobaseline.errors import PolicyError
from gobaseline.model import Finding, Location, Stage
from gobaseline.policy import ProbePolicy
from gobaseline.rules import rule
from gobaseline.stages import Context, StageResult

CHECKS = ("start", "log-json", "log-fields", "version", "healthz", "metrics", "shutdown")
"""Every check the probe records, passed, failed or skipped."""

LEVELS = frozenset({"trace", "debug", "info", "notice", "warn", "warning", "error", "dpanic", "panic", "fatal"})
"""Level names accepted in `level`, compared case-insensitively; slog's `INFO+2` forms are accepted too."""

_HEALTHZ = "/healthz"
_METRICS = "/debug/metrics"
_ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1"
_POLL = 0.05
_POLL_TIMEOUT = 1.0
_REQUEST_TIMEOUT = 2.0
_KILL_WAIT = 5.0
_READER_JOIN = 2.0
_PORT_ATTEMPTS = 3
_MAX_LINE = 64 * 1024
_MAX_BODY = 8 * 1024 * 1024
_KEEP_HEAD = 200
_KEEP_TAIL = 12
_TAIL_LINE = 300
_TAIL_TOTAL = 2000
_EXCERPT = 120

_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_LEVEL = re.compile(r"([A-Za-z]+)([+-]\d+)?")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PORT_TAKEN = ("address already in use", "only one usage of each socket address")


# -- pure helpers --------------------------------------------------------------------------------------------


def is_rfc3339(value: str) -> bool:
    """True for an RFC 3339 date-time (`T` separator, `Z` or a numeric offset, any number of fraction digits).

    `datetime.fromisoformat` in Python 3.11 reads at most 6 fraction digits, and Go prints 9
    (`2026-11-25T09:48:41.143690822Z`), so the fraction is cut to microseconds before the calendar is checked.
    """
    m = _RFC3339.fullmatch(value)
    if m is None:
        return False
    date, hh, mm, ss, frac, tz = m.groups()
    if ss == "60":  # a leap second is valid RFC 3339; datetime cannot hold it
        ss = "59"
    text = f"{date}T{hh}:{mm}:{ss}{(frac or '')[:7]}{'+00:00' if tz in 'Zz' else tz}"
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_level(value: str) -> bool:
    """True for a usual level name (`info`, `WARN`, `warning`...), optionally with slog's `+N`/`-N` suffix."""
    m = _LEVEL.fullmatch(value.strip())
    return m is not None and m.group(1).lower() in LEVELS


def sanitise(text: str, workdir: str | None = None) -> str:
    """A line of service output made safe to quote: no terminal escapes or control characters, bounded."""
    text = _CONTROL.sub("", _ANSI.sub("", text.replace("\t", " "))).rstrip()
    if workdir:
        text = text.replace(workdir, "<workdir>")
    return text if len(text) <= _TAIL_LINE else text[: _TAIL_LINE - 1] + "…"


def metrics_problem(status: int, content_type: str, body: bytes) -> tuple[str | None, int]:
    """What is wrong with a /debug/metrics answer (None if nothing), and how many metric families it holds."""
    if status != 200:
        return f"GET {_METRICS} answered HTTP {status}, not 200", 0
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media != "text/plain":
        what = {
            "application/json": "JSON",
            "application/openmetrics-text": "OpenMetrics",
            "text/html": "HTML",
        }.get(media, media)
        return f"GET {_METRICS} answered {what} (Content-Type {media}), not the Prometheus text format", 0
    if len(body) > _MAX_BODY:
        return f"GET {_METRICS} answered more than {_MAX_BODY // (1024 * 1024)} MiB", 0
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"GET {_METRICS} answered a body that is not UTF-8 text", 0
    from prometheus_client.parser import text_string_to_metric_families

    try:
        families = [f for f in text_string_to_metric_families(text) if f.samples]
    except Exception as e:  # the parser raises assorted errors on arbitrary input; all mean "not this format"
        reason = sanitise(str(e))[:_EXCERPT] or type(e).__name__
        return f"GET {_METRICS} answered a body that is not Prometheus text ({reason})", 0
    if not families:
        return f"GET {_METRICS} answered Prometheus text without any metric sample", 0
    return None, len(families)


@dataclass(frozen=True)
class LogLine:
    """One start-up log line: which stream, its 1-based line number there, its text."""

    stream: str
    number: int
    text: str

    @property
    def where(self) -> str:
        """`stdout line 3`."""
        return f"{self.stream} line {self.number}"


def startup_lines(stdout: Sequence[str], stderr: Sequence[str], count: int) -> list[LogLine]:
    """The first `count` non-blank lines of stdout, or of stderr when stdout has none."""
    for name, lines in (("stdout", stdout), ("stderr", stderr)):
        picked = [LogLine(name, i, t) for i, t in enumerate(lines, 1) if t.strip()][:count]
        if picked:
            return picked
    return []


def _excerpt(text: str) -> str:
    text = sanitise(text)
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def _field_problem(name: str, value: Any) -> str | None:
    """Why one required field's value is bad, or None."""
    if value is None:
        return "is null"
    if name == "ts":
        if not isinstance(value, str) or not is_rfc3339(value):
            return f"is {_excerpt(json.dumps(value))}, not an RFC 3339 time such as 2026-01-02T15:04:05.999Z"
    elif name == "level":
        if not isinstance(value, str) or not is_level(value):
            return f"is {_excerpt(json.dumps(value))}, not a level name (debug, info, warn, error, fatal...)"
    elif name in ("service", "version") and (not isinstance(value, str) or not value.strip()):
        return f"is {_excerpt(json.dumps(value))}, not a non-empty string"
    return None


def check_logs(
    lines: Sequence[LogLine], required: Sequence[str], stamped_version: str | None
) -> tuple[list[str], list[str] | None, list[str] | None]:
    """Problems of the start-up log: (not JSON, bad fields, wrong version); None where a check cannot run."""
    not_json: list[LogLine] = []
    objects: list[tuple[LogLine, dict[str, Any]]] = []
    for line in lines:
        try:
            obj = json.loads(line.text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            objects.append((line, obj))
        else:
            not_json.append(line)
    json_problems: list[str] = []
    if not lines:
        json_problems.append("the service wrote no log line at start-up")
    elif not_json:
        first = not_json[0]
        more = f" ({len(not_json)} of the first {len(lines)} lines are not)" if len(not_json) > 1 else ""
        json_problems.append(f"{first.where} is not a JSON object: `{_excerpt(first.text)}`{more}")
    if not objects:
        return json_problems, None, None

    # One problem per field and kind, naming the first line and how many others share it.
    seen: dict[tuple[str, str], list[LogLine]] = {}
    for line, obj in objects:
        for name in required:
            kind = "is missing" if name not in obj else _field_problem(name, obj[name])
            if kind is not None:
                seen.setdefault((name, kind), []).append(line)
    field_problems = []
    for (name, kind), where in seen.items():
        more = f" (and {len(where) - 1} more)" if len(where) > 1 else ""
        field_problems.append(f"`{name}` {kind} on {where[0].where}{more}")

    if stamped_version is None:
        return json_problems, field_problems, None
    logged = [(line, obj["version"]) for line, obj in objects if isinstance(obj.get("version"), str)]
    if not logged:
        return json_problems, field_problems, None
    wrong = [(line, v) for line, v in logged if v != stamped_version]
    version_problems = []
    if wrong:
        line, value = wrong[0]
        more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
        version_problems.append(
            f"{line.where} logs version {_excerpt(json.dumps(value))} but the build stamped "
            f"{json.dumps(stamped_version)}{more}; log the stamped variable"
        )
    return json_problems, field_problems, version_problems


def describe_exit(returncode: int) -> str:
    """`code 1`, or `signal SIGKILL` for a negative return code."""
    if returncode >= 0:
        return f"code {returncode}"
    try:
        return f"signal {signal.Signals(-returncode).name}"
    except ValueError:
        return f"signal {-returncode}"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


class _Reader:
    """Drains one pipe on a thread; keeps the first lines whole (bounded) and the last ones for messages."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=_KEEP_TAIL)
        self.count = 0
        self._stream = stream
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        cut = False
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: self._stream.readline(_MAX_LINE), b""):
                ends = chunk.endswith(b"\n")
                if not cut:
                    text = chunk.decode("utf-8", errors="replace").rstrip("\r\n")
                    self.count += 1
                    if len(self.head) < _KEEP_HEAD:
                        self.head.append(text)
                    self.tail.append(text)
                cut = not ends  # an over-long line: drop the rest of it

    def join(self, timeout: float) -> None:
        """Wait for the end of the stream (bounded: a process holding the pipe open cannot block us)."""
        self._thread.join(timeout)

    def lines(self) -> list[str]:
        return list(self.head)


@dataclass
class _Service:
    """One started service process and its output."""

    proc: subprocess.Popen[bytes]
    stdout: _Reader
    stderr: _Reader
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
        text = "\n".join(lines[-_KEEP_TAIL:])
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


@dataclass(frozen=True)
class _Answer:
    status: int
    content_type: str
    body: bytes


def _get(port: int, path: str, timeout: float) -> _Answer:
    """GET http://127.0.0.1:PORT/PATH directly (no proxy); raises OSError or HTTPException."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": _ACCEPT, "User-Agent": "gobaseline-probe"})
        resp = conn.getresponse()
        body = resp.read(_MAX_BODY + 1)
        return _Answer(resp.status, resp.getheader("Content-Type") or "", body)
    finally:
        conn.close()


def _error_text(e: BaseException) -> str:
    if isinstance(e, TimeoutError | socket.timeout):
        return "no answer before the request timed out"
    return sanitise(str(e)) or type(e).__name__


@dataclass
class _Ready:
    """How waiting for /healthz ended."""

    healthy: bool = False
    exited: bool = False
    listening: bool = False
    last: str = ""
    """The last non-200 answer or connection error, for messages."""
    seconds: float = 0.0


def _wait_ready(svc: _Service, port: int, timeout: float) -> _Ready:
    """Poll /healthz until it answers 200, the process exits, or `timeout` seconds pass."""
    out = _Ready()
    deadline = svc.started + timeout
    while True:
        if not svc.running:
            out.exited = True
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            answer = _get(port, _HEALTHZ, min(_POLL_TIMEOUT, remaining))
        except ConnectionRefusedError:
            pass
        except (OSError, http.client.HTTPException) as e:
            out.listening, out.last = True, _error_text(e)
        else:
            out.listening = True
            if answer.status == 200:
                out.healthy = True
                break
            out.last = f"HTTP {answer.status}"
        time.sleep(max(0.0, min(_POLL, deadline - time.monotonic())))
    if not svc.running:
        # A service that has exited did not start, whatever answered (another process may hold the port).
        out.exited, out.healthy = True, False
    out.seconds = time.monotonic() - svc.started
    return out


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


# -- the stage -----------------------------------------------------------------------------------------------


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
    return _Service(proc, _Reader(proc.stdout), _Reader(proc.stderr), f"127.0.0.1:{port}", how)


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
    prober = _Prober(ctx, policy, _location(ctx, main_file), stamped_version, target)
    t0 = time.perf_counter()
    try:
        prober.probe(Path(binary).absolute())
    finally:
        prober.result.seconds = time.perf_counter() - t0
    return prober.result


class _Prober:
    """One probe run: the policy, where findings go, and the result being filled in."""

    def __init__(
        self,
        ctx: Context,
        policy: ProbePolicy,
        where: Location | None,
        stamped_version: str | None,
        target: str | None,
    ) -> None:
        self.ctx = ctx
        self.policy = policy
        self.where = where
        self.stamped_version = stamped_version
        self.target = target
        self.result = StageResult(Stage.PROBE)

    # -- recording -------------------------------------------------------------------------------------------

    def finding(self, rule_id: str, message: str) -> Finding:
        return rule(rule_id).finding(message, self.where, target=self.target)

    def record(self, name: str, found: Sequence[Finding], *, detail: str = "", seconds: float | None = None) -> None:
        """`result.check` with the detail and the measured time of work done before it."""
        with self.result.check(name, target=self.target) as out:
            out.extend(found)
        last = self.result.checks[-1]
        self.result.checks[-1] = replace(last, detail=detail, seconds=last.seconds if seconds is None else seconds)

    def skip_rest(self, why: str) -> None:
        """Skip every check not recorded yet."""
        done = {c.name for c in self.result.checks}
        for name in CHECKS:
            if name not in done:
                self.result.skip(name, why, target=self.target)

    # -- running ---------------------------------------------------------------------------------------------

    def probe(self, binary: Path) -> None:
        if not binary.is_file():
            self.record("start", [self.finding("GB701", f"there is no binary at {self.ctx.rel(binary)}")])
            self.skip_rest("the service did not start")
            return
        workdir = Path(tempfile.mkdtemp(prefix="gobaseline-probe-"))
        svc: _Service | None = None
        try:
            for attempt in range(_PORT_ATTEMPTS):
                port = free_port()
                try:
                    svc = _start(binary, self.policy, workdir, port)
                except OSError as e:
                    reason = sanitise(e.strerror or str(e))
                    message = f"cannot start {self.ctx.rel(binary)}: {reason}; is it built for this machine?"
                    self.record("start", [self.finding("GB701", message)])
                    self.skip_rest("the service did not start")
                    return
                ready = _wait_ready(svc, port, self.policy.startup_timeout)
                if not (ready.exited and svc.port_taken()) or attempt == _PORT_ATTEMPTS - 1:
                    self.examine(svc, ready, port, str(workdir))
                    return
                svc.kill()  # someone took the port between our check and the service's bind: again
        finally:
            if svc is not None:
                svc.kill()
                svc.close()
            shutil.rmtree(workdir, ignore_errors=True)

    def examine(self, svc: _Service, ready: _Ready, port: int, workdir: str) -> None:
        """Record every check for a started service, stopping it on the way."""
        self.result.facts["probe.address"] = svc.address
        self.check_start(svc, ready, workdir)
        if ready.listening and not ready.exited:
            self.check_http(ready, port)
        else:
            why = "the service exited at start" if ready.exited else "the service did not listen"
            self.result.skip("healthz", why, target=self.target)
            self.result.skip("metrics", why, target=self.target)

        # Stop first and read the logs after: once the pipes are closed every line is in.
        t = time.perf_counter()
        stopped = _stop(svc, self.policy.shutdown_grace)
        svc.join()
        self.result.facts["probe.exit"] = stopped.detail
        found = [self.finding("GB707", stopped.problem)] if stopped.problem else []
        self.record("shutdown", found, detail=stopped.detail, seconds=time.perf_counter() - t)

        if ready.exited:
            self.skip_rest("the service exited at start")
            return
        self.check_logs(startup_lines(svc.stdout.lines(), svc.stderr.lines(), self.policy.log_lines))

    def check_start(self, svc: _Service, ready: _Ready, workdir: str) -> None:
        found: list[Finding] = []
        if ready.exited:
            svc.join()  # the process is gone: let the readers take in what it wrote before quoting it
            tail = svc.output_tail(workdir)
            output = f"its last output:\n{tail}" if tail else "it wrote nothing"
            found.append(
                self.finding(
                    "GB701",
                    f"the service exited with {describe_exit(svc.proc.returncode)} "
                    f"after {ready.seconds:.2f} s, before it answered on {svc.address} "
                    f"(passed as {svc.how}); {output}",
                )
            )
        elif not ready.listening:
            found.append(
                self.finding(
                    "GB702",
                    f"nothing answered on {svc.address} (passed as {svc.how}) within {self.policy.startup_timeout:g} s",
                )
            )
        detail = f"{svc.address} via {svc.how}"
        if ready.listening:
            detail += f", answering after {ready.seconds:.2f} s"
        self.record("start", found, detail=detail, seconds=ready.seconds)

    def check_http(self, ready: _Ready, port: int) -> None:
        health: list[Finding] = []
        if not ready.healthy:
            health.append(
                self.finding(
                    "GB705",
                    f"GET {_HEALTHZ} did not answer 200 within {self.policy.startup_timeout:g} s (last: {ready.last})",
                )
            )
        self.record("healthz", health, detail=ready.last if health else "HTTP 200")

        t = time.perf_counter()
        found: list[Finding] = []
        families = 0
        try:
            answer = _get(port, _METRICS, max(_REQUEST_TIMEOUT, min(self.policy.startup_timeout, 10.0)))
        except (OSError, http.client.HTTPException) as e:
            found.append(self.finding("GB706", f"GET {_METRICS} failed: {_error_text(e)}"))
        else:
            problem, families = metrics_problem(answer.status, answer.content_type, answer.body)
            if problem:
                found.append(self.finding("GB706", problem))
        detail = "" if found else f"{families} metric families"
        self.record("metrics", found, detail=detail, seconds=time.perf_counter() - t)

    def check_logs(self, lines: Sequence[LogLine]) -> None:
        json_problems, field_problems, version_problems = check_logs(
            lines, self.policy.required_fields, self.stamped_version
        )
        detail = f"the first {len(lines)} lines of {lines[0].stream}" if lines else "no output"
        self.record("log-json", [self.finding("GB703", p) for p in json_problems], detail=detail)
        if field_problems is None:
            self.skip_rest("no start-up log line is a JSON object")
            return
        detail = ", ".join(self.policy.required_fields)
        self.record("log-fields", [self.finding("GB704", p) for p in field_problems], detail=detail)
        if version_problems is None:
            if self.stamped_version is None:
                self.skip_rest("no version was stamped into the build")
            else:
                self.skip_rest("no start-up log line has a version")
            return
        found = [self.finding("GB708", p) for p in version_problems]
        self.record("version", found, detail=f"stamped {self.stamped_version}")
