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
    """Print the catalogue."""
    import json

    from gobaseline.rules import catalogue, to_markdown

    if options.rule is not None:
        console.show(page(options.rule))
    elif options.format == "markdown":
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


def page(key: str) -> str:
    """One rule's page: what it means, how to fix it, and how a policy changes its severity."""
    from gobaseline.errors import GobaselineError
    from gobaseline.rules import catalogue

    try:
        r = catalogue()[key.strip().upper() if key.strip().upper().startswith("GB") else key.strip()]
    except KeyError:
        raise GobaselineError(f"unknown rule {key!r}; `gobaseline rules` lists them") from None
    return "\n".join(
        [
            f"{r.id} {r.name}: {r.title}",
            f"stage {r.stage.value}, default severity {r.severity.value}",
            "",
            r.help.rstrip(),
            "",
            "To change its severity for a repository, in .gobaseline.yml:",
            "",
            "    severity:",
            f"      {r.id}: warning        # error | warning | note | off",
            "",
        ]
    )
