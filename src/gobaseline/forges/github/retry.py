"""PyGithub's `GithubRetry`, set up so a retry never repeats a create blindly.

`GithubRetry` already tells GitHub's rate limits from a plain 403 (Retry-After, or the body says "rate limit")
and waits for the primary limit's reset. Its defaults also repeat POSTs after a 5xx or a dropped connection,
which would create a second check run. The settings here:

- 500/502/503/504, a reset connection or a read timeout: retried only for methods safe to repeat (GET, HEAD,
  PUT, DELETE, OPTIONS); POST and PATCH may have taken effect, the client looks before it tries again;
- 429 and rate-limited 403s: the server did not act, so they are retried for every method;
- a connection refused before anything was sent: retried for every method (urllib3's `connect` errors);
- at most `total` retries, and never longer than `max_wait` seconds per wait: a server asking for longer gets
  its answer handed back at once.

Two small overrides remain, both of urllib3's public `Retry` API: `is_retry` (the method rule above depends on
the status, which `allowed_methods` cannot express) and `sleep` (the sleeper is injectable, so tests count the
waits instead of waiting). `increment` only refuses a Retry-After past `max_wait`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse

SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
TRANSIENT_STATUSES = (500, 502, 503, 504)
RATE_LIMIT_STATUSES = (403, 429)
DEFAULT_TOTAL = 4
DEFAULT_MAX_WAIT = 60.0

Sleeper = Callable[[float], None]


def forge_retry(*, sleep: Sleeper | None = None, max_wait: float = DEFAULT_MAX_WAIT, total: int = DEFAULT_TOTAL) -> Any:
    """A `GithubRetry` with the policy in the module docstring (PyGithub is imported here, on first use)."""
    return _retry_class()(sleep=sleep, max_wait=max_wait, total=total)


@functools.cache
def _retry_class() -> type[Any]:
    """The subclass, built on first use because its base class comes from PyGithub (imported lazily)."""
    from github.GithubRetry import GithubRetry

    class ForgeRetry(GithubRetry):
        def __init__(self, *, sleep: Sleeper | None = None, max_wait: float = DEFAULT_MAX_WAIT, **kw: Any) -> None:
            kw.setdefault("total", DEFAULT_TOTAL)
            kw.setdefault("backoff_factor", 0.5)
            kw.setdefault("backoff_max", 8.0)
            kw.setdefault("allowed_methods", SAFE_METHODS)
            kw.setdefault("status_forcelist", list(TRANSIENT_STATUSES))
            kw.setdefault("raise_on_status", False)
            kw.setdefault("raise_on_redirect", False)
            # urllib3 would cut a long Retry-After down and wait anyway; `increment` refuses it instead.
            kw.setdefault("retry_after_max", 24 * 3600)
            kw.setdefault("max_rate_limit_wait", max_wait)
            kw.setdefault("secondary_rate_wait", min(60.0, max_wait))
            super().__init__(**kw)
            self.sleeper: Sleeper = sleep or time.sleep
            self.max_wait = max_wait

        def new(self, **kw: Any) -> Any:
            kw.setdefault("sleep", self.sleeper)
            kw.setdefault("max_wait", self.max_wait)
            return super().new(**kw)

        def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
            if status_code in RATE_LIMIT_STATUSES:
                # "Not now" or "no": GithubRetry.increment reads the answer and decides.
                return bool(self.total)
            return bool(method.upper() in SAFE_METHODS and status_code in TRANSIENT_STATUSES and self.total)

        def increment(self, method: Any = None, url: Any = None, response: Any = None, *args: Any, **kw: Any) -> Any:
            if response is not None and response.status in RATE_LIMIT_STATUSES:
                asked = self.get_retry_after(response)
                if asked is not None and asked > self.max_wait:
                    raise MaxRetryError(kw["_pool"], url or "", None)
            return super().increment(method, url, response, *args, **kw)

        def sleep(self, response: BaseHTTPResponse | None = None) -> None:
            asked = self.get_retry_after(response) if response is not None else None
            wait = asked if asked is not None else self.get_backoff_time()
            wait = min(wait, self.max_wait)
            if wait > 0:
                self.sleeper(wait)

    return ForgeRetry
