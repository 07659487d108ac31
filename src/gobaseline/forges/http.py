"""The retry policy of every forge call: bounded, honours `Retry-After`, never repeats a create blindly.

urllib3 applies it below PyGithub, python-gitlab and requests alike (their own retry loops are switched off),
so
the rules are the same for both forges:

- connection refused before anything was sent: retried for every method (nothing reached the server);
- 429, and 403 with `Retry-After` or `x-ratelimit-remaining: 0` (GitHub's primary and secondary rate limits):
the
  server did not act on the request, so it is retried for every method, after the time the server asks for;
- 500/502/503/504, a reset connection or a read timeout: retried only for methods that are safe to repeat
(GET,
  HEAD, PUT, DELETE, OPTIONS). POST and PATCH may have taken effect; the caller looks before it tries again;
- at most `total` retries and at most `max_wait` seconds of waiting per request; a server that asks for longer
  gets its answer returned as it is.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_TOTAL = 4
DEFAULT_MAX_WAIT = 60.0

Sleeper = Callable[[float], None]


def rate_limited(status: int, headers: Any) -> bool:
    """True when the answer says "not now" rather than "no": 429, or 403 with a rate-limit header."""
    if status == 429:
        return True
    if status != 403:
        return False
    return bool(headers.get("Retry-After")) or headers.get("x-ratelimit-remaining") == "0"


class ForgeRetry(Retry):
    """urllib3 `Retry` with the policy in the module docstring. `sleep` is injectable so tests count, not
    wait."""

    def __init__(self, *, sleep: Sleeper | None = None, max_wait: float = DEFAULT_MAX_WAIT, **kw: Any) -> None:
        kw.setdefault("total", DEFAULT_TOTAL)
        kw.setdefault("backoff_factor", 0.5)
        kw.setdefault("backoff_max", 8.0)
        kw.setdefault("allowed_methods", SAFE_METHODS)
        kw.setdefault("status_forcelist", TRANSIENT_STATUSES)
        kw.setdefault("raise_on_status", False)
        kw.setdefault("raise_on_redirect", False)
        kw.setdefault("respect_retry_after_header", True)
        super().__init__(**kw)
        self.sleeper: Sleeper = sleep or time.sleep
        self.max_wait = max_wait

    def new(self, **kw: Any) -> ForgeRetry:
        kw.setdefault("sleep", self.sleeper)
        kw.setdefault("max_wait", self.max_wait)
        new = super().new(**kw)
        if not isinstance(new, ForgeRetry):  # pragma: no cover
            raise TypeError(type(new))
        return new

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if not self.total:
            return False
        if status_code in (403, 429):
            # Decided in `increment`, which sees the headers.
            return True
        return self._is_method_retryable(method) and status_code in TRANSIENT_STATUSES

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> ForgeRetry:
        if response is not None and response.status in (403, 429):
            wait = self._wait_for(response)
            if not rate_limited(response.status, response.headers) or wait is None:
                # A plain 403 (no permission), or a wait past the bound: hand the answer back as it is.
                raise MaxRetryError(_pool, url or "", None)
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        if not isinstance(new, ForgeRetry):  # pragma: no cover
            raise TypeError(type(new))
        return new

    def _wait_for(self, response: BaseHTTPResponse) -> float | None:
        """Seconds the server asks us to wait (0 when it does not say), or None when that is past
        `max_wait`."""
        headers = response.headers
        wait = 0.0
        retry_after = headers.get("Retry-After")
        if retry_after:
            wait = _parse_retry_after(retry_after)
        elif headers.get("x-ratelimit-remaining") == "0" and (headers.get("x-ratelimit-reset") or "").isdigit():
            wait = max(0.0, int(headers["x-ratelimit-reset"]) - time.time() + 1)
        return None if wait > self.max_wait else wait

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait = self.get_backoff_time()
        if response is not None and response.status in (403, 429, 503):
            asked = self._wait_for(response)
            if asked:
                wait = asked
        wait = min(wait, self.max_wait)
        if wait > 0:
            self.sleeper(wait)


def _parse_retry_after(value: str) -> float:
    value = value.strip()
    if value.isdigit():
        return float(value)
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    if parsed is None:
        return 0.0
    return max(0.0, parsed.timestamp() - time.time())


def session(retry: ForgeRetry | None = None) -> requests.Session:
    """A requests session whose every call goes through `retry` (the default policy when None)."""
    s = requests.Session()
    adapter = HTTPAdapter(max_retries=retry or ForgeRetry())
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
