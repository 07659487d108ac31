"""GitHub's answers checked before use: an HTML page from a proxy, a list, a string or a body cut short is a
`ForgeError` naming what came back, never an exception from deep inside a library.

`translate` turns whatever the request raised into a ForgeError (the status kept, the token scrubbed out of
the message before it is cut); the other functions check the shape of an answer that did come back.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from gobaseline.forges.publishing import ForgeError, Translating, reason_text


def shape(data: Any) -> str:
    """What an answer was, in a few words: `an HTML page`, `a JSON list`, `an empty body`, ..."""
    if data is None:
        return "an empty body"
    if isinstance(data, dict) and set(data) <= {"data", "url"} and isinstance(data.get("data"), str):
        # PyGithub's wrapping of a body that is not JSON (a GET's answer gets its `url` added).
        text = data["data"].lstrip().lower()
        return "an HTML page" if text.startswith(("<!doctype", "<html", "<")) else "text that is not JSON"
    if isinstance(data, dict):
        return "a JSON object"
    kinds = {list: "a JSON list", str: "a JSON string", bool: "a JSON boolean", int: "a JSON number"}
    return next((name for kind, name in kinds.items() if isinstance(data, kind)), "a JSON number")


def json_object(what: str, data: Any) -> dict[str, Any]:
    """`data` when it is a JSON object; else a ForgeError saying what came instead."""
    if isinstance(data, dict) and shape(data) == "a JSON object":
        return data
    raise ForgeError(what, f"GitHub answered with {shape(data)} where a JSON object belongs", unclear=True)


def field(what: str, data: dict[str, Any], key: str, kind: type) -> Any:
    """`data[key]` when it is there and a `kind` (a non-empty one, for strings)."""
    if key not in data:
        raise ForgeError(what, f"GitHub's answer has no `{key}`", unclear=True)
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) or (isinstance(value, str) and not value):
        raise ForgeError(what, f"GitHub's answer has no usable `{key}` (it is {shape(value)})", unclear=True)
    return value


def run_id(what: str, run: dict[str, Any]) -> int:
    """A check run's id, which must be a positive number."""
    rid = field(what, run, "id", int)
    if rid <= 0:
        raise ForgeError(what, "GitHub's answer has no usable `id`", unclear=True)
    return int(rid)


def annotations_count(run: dict[str, Any]) -> int:
    """How many annotations the run holds (0 when the answer does not say)."""
    output = run.get("output")
    count = output.get("annotations_count") if isinstance(output, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def _describe_error(status: int, data: Any, token: str) -> str:
    if isinstance(data, dict) and "message" in data:
        message = reason_text(str(data["message"]), token)
    elif isinstance(data, str) and data and not data.lstrip().startswith("<"):
        message = reason_text(data, token)
    else:
        message = shape(data) if data not in (None, "") else ""
    return f"HTTP {status}" + (f" ({message})" if message else "")


def _describe_exception(e: BaseException) -> str:
    name = type(e).__name__
    if isinstance(e, requests.Timeout):
        return f"no answer in time ({name})"
    if isinstance(e, requests.ConnectionError):
        return f"connection failed ({name})"
    if isinstance(e, requests.RequestException):
        return f"the request failed ({name})"
    if isinstance(e, json.JSONDecodeError):
        return "GitHub answered with JSON that is cut short or broken"
    return f"an unexpected answer ({name})"


class translate(Translating):
    """Turn whatever a request raised into a ForgeError (status kept; no headers, no token in the message)."""

    def forge_error(self, exc: Exception) -> ForgeError:
        from github import GithubException

        if isinstance(exc, GithubException):
            return ForgeError(self.what, _describe_error(exc.status, exc.data, self.token), status=exc.status)
        return ForgeError(self.what, _describe_exception(exc), unclear=isinstance(exc, json.JSONDecodeError))
