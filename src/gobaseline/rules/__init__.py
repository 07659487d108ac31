"""The rule catalogue: every rule's id, name, severity, title, help and examples live in the YAML files beside
this module.

One file per stage (`toolchain.yml` holds GB1xx, ...). SARIF rules, annotation titles, Code Quality check names,
`gobaseline rules ID|NAME` and docs/rules.md are all generated from here; no other module spells a title or a help
text. A rule's `subject` says what its findings are about: `code` (the repository: go.mod, the policy, the
binaries it builds) or `runner` (the machine the job runs on: disks, the installed toolchain, the network); runner
facts are not code alerts (see `is_code_alert`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from gobaseline import __version__
from gobaseline.model import Finding, Location, Severity, Stage

DOCS_URL = f"https://github.com/gobaseline/gobaseline/blob/v{__version__}/docs/rules.md"
"""docs/rules.md as released with this version: the rule pages match the rules this build reports."""

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


class Subject(StrEnum):
    """What a rule's findings are about."""

    CODE = "code"
    """The repository: go.mod, go.sum, the policy, the build and the binaries it makes."""
    RUNNER = "runner"
    """The machine the job runs on: its disks, its toolchain install, its network, its forge token."""


EXAMPLE_KINDS = ("failing", "passing")
EXAMPLE_LANGS = ("go.mod", "yaml", "console", "json", "go")


@dataclass(frozen=True)
class Example:
    """One example on a rule's page: what the rule reports (`failing`) or accepts (`passing`)."""

    kind: str
    """`failing` or `passing`."""
    lang: str
    """`go.mod`, `yaml`, `console`, `json` or `go`."""
    code: str
    file: str = ""
    """Where the lines go (`.gobaseline.yml`, `.github/workflows/ci.yml`); a go.mod example is go.mod itself."""


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
    subject: Subject = Subject.CODE
    protects: str = ""
    """One sentence: what the rule protects against."""
    examples: tuple[Example, ...] = ()
    waivable: bool = False
    """A `waivers:` entry of the policy can allow a finding of this rule (the replace rules)."""

    @property
    def anchor(self) -> str:
        """The rule's anchor in docs/rules.md (GitHub's slug of its heading)."""
        return f"{self.id.lower()}-{self.name}"

    @property
    def help_uri(self) -> str:
        """Link to this rule's section of docs/rules.md, as released with this version."""
        return f"{DOCS_URL}#{self.anchor}"

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


def is_code_alert(finding: Finding) -> bool:
    """Whether a finding belongs in code scanning (SARIF) and Code Quality: a finding about the code, or a fact
    about the runner that the policy raised to an error. Runner facts stay in the log, summary, JSON and JUnit."""
    found = catalogue().get(finding.rule_id)
    return found is None or found.subject is Subject.CODE or finding.severity is Severity.ERROR


def _examples(raw: Any, source: str, rid: str) -> tuple[Example, ...]:
    examples = []
    for item in raw or ():
        kind, lang, code = item.get("kind"), item.get("lang"), item.get("code")
        if kind not in EXAMPLE_KINDS or lang not in EXAMPLE_LANGS or not isinstance(code, str):
            raise ValueError(f"{source}: {rid}: bad example {item!r}")
        examples.append(Example(kind, lang, code.rstrip("\n") + "\n", str(item.get("file", ""))))
    return tuple(examples)


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
                subject=Subject(entry.get("subject", Subject.CODE)),
                protects=" ".join(str(entry.get("protects", "")).split()),
                examples=_examples(entry.get("examples"), source, rid),
                waivable=bool(entry.get("waivable", False)),
            )
        )
    return rules


@cache
def catalogue() -> Catalogue:
    """The whole catalogue, loaded once from the YAML files beside this module.

    They are read as plain files: importlib.resources would import zipfile and tempfile into every run for a
    package that is never installed zipped.
    """
    import yaml

    # libyaml's safe loader when PyYAML has it: the same documents (tests/rules), a sixteenth of the time.
    loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    rules: list[Rule] = []
    here = Path(__file__).parent
    for stage, filename in _STAGE_FILES.items():
        text = (here / filename).read_text(encoding="utf-8")
        rules.extend(_parse(stage, yaml.load(text, Loader=loader), filename))  # noqa: S506 - a safe loader
    return Catalogue(rules)


def rule(key: str) -> Rule:
    """The rule with this id or short name; a KeyError is a bug in the caller."""
    found = catalogue().resolve(key)
    if found is None:
        raise KeyError(f"no rule {key!r} in the catalogue")
    return found


SEVERITY_VALUES = "error | warning | note | off"


def severity_snippet(r: Rule) -> str:
    """The policy lines that change this rule's severity (docs/policy.md, `severity:`)."""
    other = "warning" if r.severity is Severity.ERROR else "error"
    return f"severity:\n  {r.id}: {other}    # {SEVERITY_VALUES}; the short name {r.name} works too\n"


def waiver_snippet(r: Rule) -> str | None:
    """The policy lines that waive one finding of a waivable rule, or None."""
    if not r.waivable:
        return None
    return (
        "waivers:\n"
        "  - module: example.com/some/module    # or path@version for one `replace path version => ...`\n"
        "    approved_by: jane.doe\n"
        "    ticket: SEC-1234\n"
        "    expires: 2027-03-31              # valid through this date, then an error again\n"
    )


def _fence(lang: str, code: str) -> list[str]:
    return [f"```{lang}", *code.rstrip("\n").split("\n"), "```"]


def page_markdown(r: Rule, level: int = 2) -> str:
    """One rule's page: what it protects against, failing and passing examples, how to fix it, and how to change
    its severity or waive it. The sections of docs/rules.md and of `gobaseline rules ID|NAME`."""
    h = "#" * level
    about = "the runner, not the code" if r.subject is Subject.RUNNER else "the code"
    lines = [f"{h} {r.id} {r.name}", "", f"**{r.title}** (stage `{r.stage}`, default `{r.severity}`, about {about})"]
    if r.protects:
        lines += ["", f"**Protects against:** {r.protects}"]
    if r.subject is Subject.RUNNER:
        lines += [
            "",
            "A fact about the machine: it is in the log, the job summary, the JSON and JUnit reports, and in code "
            "scanning (SARIF) and Code Quality only when the policy raises it to `error`.",
        ]
    for kind in EXAMPLE_KINDS:
        for ex in (e for e in r.examples if e.kind == kind):
            where = ex.file or ("go.mod" if ex.lang == "go.mod" else "")
            caption = f"{kind.capitalize()} ({where}):" if where else f"{kind.capitalize()}:"
            lines += ["", f"{caption}", "", *_fence(ex.lang, ex.code)]
    lines += ["", f"{h}# How to fix it", "", r.help]
    lines += ["", f"{h}# Change its severity or waive it", "", "In `.gobaseline.yml` (see docs/policy.md):", ""]
    lines += _fence("yaml", severity_snippet(r))
    waiver = waiver_snippet(r)
    if waiver is not None:
        lines += ["", "Or allow one replace with a waiver, owned and dated:", "", *_fence("yaml", waiver)]
    return "\n".join(lines) + "\n"


def to_markdown() -> str:
    """docs/rules.md, generated: `gobaseline rules --format markdown > docs/rules.md`."""
    lines = ["# gobaseline rules", "", "Generated from the rule catalogue by `gobaseline rules --format markdown`.", ""]
    lines += ["| id | name | stage | default | title |", "|---|---|---|---|---|"]
    for r in catalogue().values():
        lines.append(f"| [{r.id}](#{r.anchor}) | `{r.name}` | {r.stage} | {r.severity} | {r.title} |")
    for r in catalogue().values():
        lines += ["", page_markdown(r).rstrip("\n")]
    return "\n".join(lines) + "\n"
