"""The one error type that reaches a person.

Anything raised as a `GobaselineError` is the user's to fix (a bad policy file, a missing go.mod, a binary that is not
there); the CLI prints its message on one line and exits 3 without a traceback. Any other exception is a bug.
"""

from __future__ import annotations


class GobaselineError(Exception):
    """An error meant for a person: what went wrong and where (file, line, key)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.explain())

    def explain(self) -> str:
        """The one-line message the CLI prints: `path:line: message` when a place is known."""
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class PolicyError(GobaselineError):
    """The policy file is not valid YAML or does not match the policy schema."""


class GoModError(GobaselineError):
    """go.mod cannot be read or parsed."""


class GoCommandError(GobaselineError):
    """The go command could not be found or run, or printed something we cannot parse."""


class ReportError(GobaselineError):
    """A saved report cannot be read back."""


class BaselineError(GobaselineError):
    """The baseline file is not valid JSON or an entry is not what `gobaseline baseline` writes."""
