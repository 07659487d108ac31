"""What `go mod download -json` says about modules it could not download.

A module whose `.mod` cannot be fetched stops the go command while it loads the build list, on stderr:
`go: example.com/x@v1.0.0: reading https://proxy/...: 404 Not Found`. A zip whose hash disagrees with go.sum stops
it too: `verifying example.com/x@v1.0.0: checksum mismatch`, followed by tab-indented hashes and Go's SECURITY ERROR
paragraph. A zip that cannot be fetched is reported in the JSON object of its module (`"Error": "..."`) and the
others are still downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gobaseline.errors import GoCommandError
from gobaseline.golang.gotool import GoResult, iter_json_stream

# `go: PATH@VERSION: REASON` and `verifying PATH@VERSION[/go.mod]: REASON` (cmd/go/internal/modfetch, modload).
_LINE = re.compile(
    r"^(?:go: )?(?:verifying )?(?P<path>[^\s@:]+)@(?P<version>[^\s@:/]+)(?P<gomod>/go\.mod)?: (?P<reason>.+)$"
)
_CHECKSUM = "checksum mismatch"
# A server that wants credentials this job does not have (or refused the ones it sent): the proxy's HTTP status,
# or git asking for a user name it cannot prompt for (cmd/go sets GIT_TERMINAL_PROMPT=0).
_REFUSED = re.compile(r"\b(?:401 Unauthorized|403 Forbidden)\b|terminal prompts disabled")


@dataclass(frozen=True)
class DownloadFailure:
    """One module version the go command could not download, with its own words."""

    path: str
    version: str
    reason: str
    """Go's reason, the continuation lines joined (the hashes of a checksum mismatch)."""

    @property
    def checksum_mismatch(self) -> bool:
        """The download does not hash to go.sum: someone replaced the bits, or go.sum is wrong."""
        return _CHECKSUM in self.reason

    @property
    def refused(self) -> bool:
        """The server refused this job: no credentials for it, or the wrong ones."""
        return _REFUSED.search(self.reason) is not None

    @property
    def prefix(self) -> str:
        """`path@version`."""
        return f"{self.path}@{self.version}"


def failures(results: Iterable[GoResult]) -> list[DownloadFailure]:
    """Every module the downloads failed for, once each (the JSON objects' errors, then stderr's); [] when they
    succeeded or no module can be named (the caller reports stderr as a whole)."""
    out: dict[tuple[str, str], DownloadFailure] = {}
    for res in results:
        if not res.ok:
            _failures(res, out)
    return list(out.values())


def _failures(res: GoResult, out: dict[tuple[str, str], DownloadFailure]) -> None:
    try:
        objects = list(iter_json_stream(res.stdout)) if res.stdout.strip() else []
    except GoCommandError:
        objects = []
    for obj in objects:
        path, version, error = obj.get("Path"), obj.get("Version"), obj.get("Error")
        if isinstance(path, str) and isinstance(version, str) and isinstance(error, str) and error.strip():
            reason = _reason(error.strip(), path, version)
            out.setdefault((path, version), DownloadFailure(path, version, reason))
    key: tuple[str, str] | None = None  # the module the lines being read are about
    said: list[str] = []
    for raw in [*res.stderr.splitlines(), ""]:
        m = _LINE.match(raw.rstrip())
        if key is not None and (m is not None or raw[:1] != "\t" or not raw.strip()):
            out.setdefault(key, DownloadFailure(*key, _join(said)))
            key = None
        if m is not None:
            key, said = (m["path"], m["version"]), [m["reason"]]
        elif key is not None:
            said.append(raw.strip())


def _reason(error: str, path: str, version: str) -> str:
    """The JSON Error without the `path@version: ` Go puts in front of it."""
    first, _, rest = error.partition("\n")
    m = _LINE.match(first)
    if m is not None and (m["path"], m["version"]) == (path, version):
        first = m["reason"]
    return _join(
        [first, *(ln.strip() for ln in rest.splitlines() if ln.strip().startswith(("downloaded:", "go.sum:")))]
    )


def _join(parts: list[str]) -> str:
    return "; ".join(" ".join(p.split()) for p in parts if p.strip())
