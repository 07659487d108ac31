"""`gobaseline rules`: the catalogue as text, Markdown (docs/rules.md) or JSON."""

from __future__ import annotations

from dataclasses import dataclass

from gobaseline import console
from gobaseline.model import ExitCode


@dataclass(frozen=True)
class Options:
    """`gobaseline rules` parameters."""

    format: str = "text"
    """`text`, `markdown` or `json`."""


def run(options: Options) -> ExitCode:
    """Print the catalogue."""
    import json

    from gobaseline.rules import catalogue, to_markdown

    if options.format == "markdown":
        console.document(to_markdown(), "markdown")
    elif options.format == "json":
        rules = [
            {
                "id": r.id,
                "name": r.name,
                "stage": r.stage.value,
                "severity": r.severity.value,
                "title": r.title,
                "help": r.help,
                "help_uri": r.help_uri,
            }
            for r in catalogue().values()
        ]
        console.document(json.dumps(rules, indent=2) + "\n", "json")
    else:
        for r in catalogue().values():
            console.show(f"{r.id}  {r.severity.value:<7}  {r.name:<34} {r.title}")
    return ExitCode.PASS
