"""The forges: GitHub and GitLab. Only the modules in this package talk to a forge's API.

`context` reads the CI environment, `github` and `gitlab` post results, `outputs` writes GitHub Actions' job
files,
`http` is the retry policy both clients share. `gobaseline.publish` decides what to post and how to degrade.
"""

from __future__ import annotations

from dataclasses import dataclass


class ForgeError(Exception):
    """A forge call failed after the retries the policy allows. The message never contains the token."""

    def __init__(self, what: str, reason: str, *, status: int | None = None) -> None:
        self.what = what
        """What we were doing: `check run`, `commit status`, `SARIF upload`, `merge request note`."""
        self.reason = reason
        self.status = status
        """The HTTP status, or None for a connection failure or timeout."""
        super().__init__(f"{what}: {reason}")

    @property
    def forbidden(self) -> bool:
        """The token may not do this (read-only token, fork, no Advanced Security): retrying cannot help."""
        return self.status in (401, 403)


@dataclass(frozen=True)
class Posted:
    """One thing that reached the forge."""

    kind: str
    """`check-run`, `status`, `sarif`, `note`."""
    id: str = ""
    url: str = ""
    detail: str = ""
    """E.g. the check run's conclusion, the status state, the SARIF processing status."""
