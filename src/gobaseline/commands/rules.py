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
    rule: str | None = None
    """One rule (id or short name): its whole page instead of the list."""


def run(options: Options) -> ExitCode:
    """Print the catalogue, or one rule's page."""
    import json

    from gobaseline.rules import catalogue, to_markdown

    if options.rule is not None:
        console.document(page(options.rule), "markdown")
    elif options.format == "markdown":
        console.document(to_markdown(), "markdown")
    elif options.format == "json":
        rules = [
            {
                "id": r.id,
                "name": r.name,
                "stage": r.stage.value,
                "severity": r.severity.value,
                "subject": r.subject.value,
                "title": r.title,
                "protects": r.protects,
                "help": r.help,
                "help_uri": r.help_uri,
                "examples": [vars(e) for e in r.examples],
            }
            for r in catalogue().values()
        ]
        console.document(json.dumps(rules, indent=2) + "\n", "json")
    else:
        for r in catalogue().values():
            console.show(f"{r.id}  {r.severity.value:<7}  {r.name:<34} {r.title}")
    return ExitCode.PASS


def page(key: str) -> str:
    """One rule's page, by id (`GB404`, any case) or short name (`replace-public-module`): what it protects
    against, failing and passing examples, how to fix it, how to change its severity or waive it."""
    from gobaseline.errors import GobaselineError
    from gobaseline.rules import catalogue, page_markdown

    found = catalogue().resolve(key.strip()) or catalogue().resolve(key.strip().lower())
    if found is None:
        raise GobaselineError(f"unknown rule {key!r}; `gobaseline rules` lists them")
    return page_markdown(found, level=1)
