"""What the probe observed, recorded as its checks: start, healthz, metrics, shutdown, log-json, log-fields, version.

Every check is recorded once per run, passed, failed or skipped with the reason; findings point at the main
file's `func main()` and carry the host target.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Sequence
from dataclasses import replace

from gobaseline.model import Finding, Location, Stage
from gobaseline.policy import ProbePolicy
from gobaseline.rules import rule
from gobaseline.stages import StageResult
from gobaseline.stages.probe_http import HEALTHZ, METRICS, REQUEST_TIMEOUT, Ready, error_text, get, metrics_problem
from gobaseline.stages.probe_logs import LogLine, check_logs

CHECKS = ("start", "log-json", "log-fields", "version", "healthz", "metrics", "shutdown")
"""Every check the probe records, passed, failed or skipped."""


class Checks:
    """One probe run: the policy, where findings go, and the result being filled in."""

    def __init__(
        self, policy: ProbePolicy, where: Location | None, stamped_version: str | None, target: str | None
    ) -> None:
        self.policy = policy
        self.where = where
        self.stamped_version = stamped_version
        self.target = target
        self.result = StageResult(Stage.PROBE)

    # -- recording -------------------------------------------------------------------------------------------

    def finding(self, rule_id: str, message: str) -> Finding:
        """A finding of `rule_id` at the main file, for the target."""
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

    # -- the checks ------------------------------------------------------------------------------------------

    def not_started(self, message: str) -> None:
        """The service could not be started at all (GB701); every other check is skipped."""
        self.record("start", [self.finding("GB701", message)])
        self.skip_rest("the service did not start")

    def started(self, ready: Ready, address: str, how: str, *, ended: str = "", tail: str = "") -> None:
        """How the start went: it exited before answering (GB701), never listened (GB702), or answered.

        `how` says how the address was passed; `ended` (`code 1`) and `tail` (its last output) when it exited.
        """
        found: list[Finding] = []
        if ready.exited:
            output = f"its last output:\n{tail}" if tail else "it wrote nothing"
            found.append(
                self.finding(
                    "GB701",
                    f"the service exited with {ended} "
                    f"after {ready.seconds:.2f} s, before it answered on {address} "
                    f"(passed as {how}); {output}",
                )
            )
        elif not ready.listening:
            found.append(
                self.finding(
                    "GB702",
                    f"nothing answered on {address} (passed as {how}) within {self.policy.startup_timeout:g} s",
                )
            )
        detail = f"{address} via {how}"
        if ready.listening:
            detail += f", answering after {ready.seconds:.2f} s"
        self.record("start", found, detail=detail, seconds=ready.seconds)

    def http(self, ready: Ready, port: int) -> None:
        """/healthz as waiting for it ended (GB705), then one GET of /debug/metrics (GB706); both skipped when the
        service exited or did not listen."""
        if ready.exited or not ready.listening:
            why = "the service exited at start" if ready.exited else "the service did not listen"
            self.result.skip("healthz", why, target=self.target)
            self.result.skip("metrics", why, target=self.target)
            return
        health: list[Finding] = []
        if not ready.healthy:
            health.append(
                self.finding(
                    "GB705",
                    f"GET {HEALTHZ} did not answer 200 within {self.policy.startup_timeout:g} s (last: {ready.last})",
                )
            )
        self.record("healthz", health, detail=ready.last if health else "HTTP 200")

        t = time.perf_counter()
        found: list[Finding] = []
        families = 0
        try:
            answer = get(port, METRICS, max(REQUEST_TIMEOUT, min(self.policy.startup_timeout, 10.0)))
        except (OSError, http.client.HTTPException) as e:
            found.append(self.finding("GB706", f"GET {METRICS} failed: {error_text(e)}"))
        else:
            problem, families = metrics_problem(answer.status, answer.content_type, answer.body)
            if problem:
                found.append(self.finding("GB706", problem))
        detail = "" if found else f"{families} metric families"
        self.record("metrics", found, detail=detail, seconds=time.perf_counter() - t)

    def shutdown(self, detail: str, problem: str | None, seconds: float) -> None:
        """How the service ended once stopped; `problem` when it needed SIGKILL (GB707)."""
        self.result.facts["probe.exit"] = detail
        found = [self.finding("GB707", problem)] if problem else []
        self.record("shutdown", found, detail=detail, seconds=seconds)

    def logs(self, lines: Sequence[LogLine]) -> None:
        """The start-up log lines: JSON objects (GB703), with the required fields (GB704) and version (GB708)."""
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
