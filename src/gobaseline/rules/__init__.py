"""The rule catalogue: every rule's id, name, severity, title and help live in the YAML files beside this module.

One file per stage (`toolchain.yml` holds GB1xx, ...). SARIF rules, annotation titles, Code Quality check names and
docs/rules.md are all generated from here; no other module spells a title or a help text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from gobaseline.model import Finding, Location, Severity, Stage

DOCS_URL = "https://github.com/gobaseline/gobaseline/blob/main/docs/rules.md"

_ID = re.compile(r"^GB[0-9]{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_STAGE_FILES = {
    Stage.POLICY: "policy.yml",
    Stage.TOOLCHAIN: "toolchain.yml",
    Stage.MODCACHE: "modcache.yml",
    Stage.OUTDIR: "outdir.yml",
    Stage.GOMOD: "gomod.yml",
    Stage.BUILD: "build.yml",
    Stage.VERIFY: "verify.yml",
    Stage.PROBE: "probe.yml",
}


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue."""

    id: str
    """`GBnnn`, stable forever: users put it in policy files and waivers."""
    name: str
    """kebab-case short name, e.g. `goroot-incomplete`; also accepted in policy files."""
    stage: Stage
    severity: Severity
    """The default; a policy may override it."""
    title: str
    """One line, no trailing period."""
    help: str
    """Markdown: why it matters and how to fix it."""
    security_severity: float | None = None
    """0.1 to 10 when the rule is a security issue (GitHub code scanning shows it as a security alert)."""
    tags: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        """Link to this rule's section of docs/rules.md."""
        return f"{DOCS_URL}#{self.id.lower()}-{self.name}"

    def finding(self, message: str, location: Location | None = None, *, target: str | None = None) -> Finding:
        """A finding of this rule at its default severity (policy overrides are applied later, in one place)."""
        return Finding(self.id, self.severity, message, location, target)


class Catalogue(Mapping[str, Rule]):
    """All rules by id, in id order; also looks up by short name."""

    def __init__(self, rules: list[Rule]) -> None:
        self._by_id = {r.id: r for r in sorted(rules, key=lambda r: r.id)}
        self._by_name = {r.name: r for r in rules}
        if len(self._by_id) != len(rules) or len(self._by_name) != len(rules):
            raise ValueError("rule ids and names must be unique")

    def __getitem__(self, key: str) -> Rule:
        if key in self._by_id:
            return self._by_id[key]
        return self._by_name[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def resolve(self, key: str) -> Rule | None:
        """The rule for an id (`GB101`) or a short name (`goroot-incomplete`), or None."""
        return self._by_id.get(key.upper()) or self._by_name.get(key)


def _parse(stage: Stage, raw: Any, source: str) -> list[Rule]:
    if not isinstance(raw, list):
        raise ValueError(f"{source}: expected a list of rules")
    rules = []
    for entry in raw:
        rid = entry["id"]
        if not _ID.match(rid) or not _NAME.match(entry["name"]):
            raise ValueError(f"{source}: bad id or name in {entry!r}")
        rules.append(
            Rule(
                id=rid,
                name=entry["name"],
                stage=stage,
                severity=Severity(entry["severity"]),
                title=entry["title"].strip(),
                help=entry["help"].strip(),
                security_severity=entry.get("security_severity"),
                tags=tuple(entry.get("tags", ())),
            )
        )
    return rules


@cache
def catalogue() -> Catalogue:
    """The whole catalogue, loaded once from the package data."""
    import yaml

    rules: list[Rule] = []
    pkg = resources.files(__package__)
    for stage, filename in _STAGE_FILES.items():
        text = (pkg / filename).read_text(encoding="utf-8")
        rules.extend(_parse(stage, yaml.safe_load(text), filename))
    return Catalogue(rules)


def rule(key: str) -> Rule:
    """The rule with this id or short name; a KeyError is a bug in the caller."""
    found = catalogue().resolve(key)
    if found is None:
        raise KeyError(f"no rule {key!r} in the catalogue")
    return found


def to_markdown() -> str:
    """docs/rules.md, generated: `gobaseline rules --format markdown > docs/rules.md`."""
    lines = ["# gobaseline rules", "", "Generated from the rule catalogue by `gobaseline rules --format markdown`.", ""]
    lines += ["| id | name | stage | default | title |", "|---|---|---|---|---|"]
    for r in catalogue().values():
        lines.append(f"| [{r.id}](#{r.id.lower()}-{r.name}) | `{r.name}` | {r.stage} | {r.severity} | {r.title} |")
    for r in catalogue().values():
        lines += ["", f"## {r.id} {r.name}", "", f"**{r.title}** (stage `{r.stage}`, default `{r.severity}`)", ""]
        lines.append(r.help)
    return "\n".join(lines) + "\n"
