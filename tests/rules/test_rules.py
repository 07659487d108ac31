"""The rule catalogue: loads, ids and names unique and stable, every rule explains a fix and shows examples that
parse, docs generated."""

from __future__ import annotations

import re

import pytest

from gobaseline import __version__, policy
from gobaseline.golang import modfile
from gobaseline.model import Finding, Location, Severity, Stage
from gobaseline.rules import (
    DOCS_URL,
    Catalogue,
    Rule,
    Subject,
    catalogue,
    is_code_alert,
    page_markdown,
    rule,
    severity_snippet,
    to_markdown,
    waiver_snippet,
)

RULES = list(catalogue().values())

STAGE_DIGIT = {
    Stage.POLICY: "0",
    Stage.TOOLCHAIN: "1",
    Stage.MODCACHE: "2",
    Stage.OUTDIR: "3",
    Stage.GOMOD: "4",
    Stage.BUILD: "5",
    Stage.VERIFY: "6",
    Stage.PROBE: "7",
}
FIX_WORDS = re.compile(
    r"\b(set|unset|remove|install|use|update|upgrade|move|choose|point|run|add|fix|pass|fetch|reinstall|rebuild|"
    r"raise|clean|free|lower|delete|replace|drop|list|pin|build|check|turn|tidy|vendor|name|keep|give|make|"
    r"commit|rename|waive|approve|restore|start|stop|log|listen|link|strip|enable|disable|upload|"
    r"serve|print|write|emit|return|handle|exit|respond|close|should|must)\b",
    re.IGNORECASE,
)


def test_catalogue_loads_every_stage() -> None:
    cat = catalogue()
    assert len(cat) >= 20
    assert {r.stage for r in cat.values()} >= {Stage.POLICY, Stage.TOOLCHAIN, Stage.OUTDIR}
    assert list(cat) == sorted(cat)


@pytest.mark.parametrize("r", list(catalogue().values()), ids=lambda r: r.id)
def test_rule_is_well_formed(r: Rule) -> None:
    assert re.fullmatch(r"GB[0-9]{3}", r.id)
    assert re.fullmatch(r"[a-z][a-z0-9-]*", r.name)
    assert r.id[2] == STAGE_DIGIT[r.stage], "the first digit names the stage"
    assert r.title and not r.title.endswith(".") and "\n" not in r.title
    assert len(r.help) > 60
    assert FIX_WORDS.search(r.help), f"{r.id}: the help should say how to fix it"
    assert isinstance(r.severity, Severity)
    if r.security_severity is not None:
        assert 0.1 <= r.security_severity <= 10
        assert "security" in r.tags
    assert r.help_uri == f"{DOCS_URL}#{r.id.lower()}-{r.name}"


def test_ids_and_names_are_unique() -> None:
    rules = list(catalogue().values())
    assert len({r.id for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    dup = Rule("GB101", "other", Stage.TOOLCHAIN, Severity.NOTE, "t", "h")
    with pytest.raises(ValueError, match="unique"):
        Catalogue([*rules, dup])


@pytest.mark.parametrize(
    ("rule_id", "name", "severity"),
    [
        ("GB101", "goroot-not-absolute", Severity.ERROR),
        ("GB102", "goroot-incomplete", Severity.ERROR),
        ("GB103", "go-version-unsupported", Severity.ERROR),
        ("GB106", "go-patch-outdated", Severity.NOTE),
        ("GB107", "second-go-in-path", Severity.WARNING),
        ("GB109", "goflags-inject-build-flags", Severity.ERROR),
        ("GB111", "toolchain-on-system-disk", Severity.WARNING),
        ("GB112", "go-not-found", Severity.ERROR),
        ("GB114", "releases-refresh-failed", Severity.NOTE),
        ("GB301", "outdir-not-writable", Severity.ERROR),
        ("GB302", "outdir-symlink", Severity.ERROR),
        ("GB303", "outdir-stale-files", Severity.WARNING),
        ("GB304", "outdir-low-space", Severity.ERROR),
        ("GB305", "outdir-on-system-disk", Severity.WARNING),
    ],
)
def test_stable_ids(rule_id: str, name: str, severity: Severity) -> None:
    """Ids and names are in users' policy files: they never change."""
    r = rule(rule_id)
    assert (r.name, r.severity) == (name, severity)
    assert rule(name) is r
    assert catalogue().resolve(rule_id.lower()) is r


def test_unknown_rule() -> None:
    assert catalogue().resolve("GB999") is None
    assert catalogue().resolve("no-such-rule") is None
    with pytest.raises(KeyError):
        rule("GB999")


def test_finding_from_rule() -> None:
    f = rule("GB303").finding("stale", Location("out"), target="linux/amd64")
    assert (f.rule_id, f.severity, f.message, f.location, f.target) == (
        "GB303",
        Severity.WARNING,
        "stale",
        Location("out"),
        "linux/amd64",
    )


def test_markdown() -> None:
    md = to_markdown()
    assert md.startswith("# gobaseline rules\n")
    assert md.endswith("\n")
    for r in catalogue().values():
        anchor = f"{r.id.lower()}-{r.name}"
        assert f"| [{r.id}](#{anchor}) | `{r.name}` | {r.stage} | {r.severity} | {r.title} |" in md
        assert f"\n## {r.id} {r.name}\n" in md
        assert r.help in md
        # GitHub's anchor for "## GB101 goroot-not-absolute" is "gb101-goroot-not-absolute".
        heading = f"{r.id} {r.name}".lower().replace(" ", "-")
        assert heading == anchor


def test_help_links_point_at_the_released_page() -> None:
    assert f"https://github.com/gobaseline/gobaseline/blob/v{__version__}/docs/rules.md" == DOCS_URL
    assert rule("GB404").help_uri == DOCS_URL + "#gb404-replace-public-module"


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_rule_page_can_be_acted_on(r: Rule) -> None:
    """What it protects against, at least one failing and one passing example, a fix, a severity snippet."""
    assert r.protects and r.protects.endswith(".") and "\n" not in r.protects
    kinds = [e.kind for e in r.examples]
    assert "failing" in kinds and "passing" in kinds
    page = page_markdown(r)
    assert f"**Protects against:** {r.protects}" in page
    assert page.count("```") >= 2 * (len(r.examples) + 1)
    assert "### How to fix it\n\n" + r.help in page
    assert "### Change its severity or waive it" in page


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_examples_parse_where_meant_to(r: Rule) -> None:
    """go.mod examples are real go.mod files; policy examples load with the policy loader (failing ones too: a
    rule about the policy reports a valid file, the schema refuses invalid ones before any rule runs)."""
    for example in r.examples:
        assert example.code.endswith("\n") and example.code.strip()
        if example.lang == "go.mod":
            assert example.file in ("", "go.mod")
            modfile.parse(example.code)
        elif example.lang == "yaml":
            assert example.file, f"{r.id}: say which file the YAML goes in"
            if example.file == ".gobaseline.yml":
                policy.parse(example.code, f"{r.id} example")
        elif example.lang == "console":
            assert example.code.startswith("$ "), f"{r.id}: a console example starts with a command"


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_snippets_change_the_severity_and_waive(r: Rule) -> None:
    loaded = policy.parse(severity_snippet(r), "snippet")
    changed = loaded.severity_for(r.id, r.severity)
    assert changed is not None and changed is not r.severity
    waiver = waiver_snippet(r)
    if r.waivable:
        assert waiver is not None
        (w,) = policy.parse(waiver, "snippet").waivers
        assert w.approved_by and w.ticket and w.expires.isoformat() == "2027-03-31"
        assert "waivers:" in page_markdown(r)
    else:
        assert waiver is None


def test_the_replace_rules_are_the_waivable_ones() -> None:
    assert {r.id for r in RULES if r.waivable} == {"GB404", "GB405"}


def test_runner_facts_are_not_code_alerts_unless_errors() -> None:
    runner = {r.id for r in RULES if r.subject is Subject.RUNNER}
    assert {"GB111", "GB305", "GB604", "GB107", "GB108", "GB106", "GB114"} <= runner
    assert {"GB404", "GB402", "GB501", "GB601", "GB203"}.isdisjoint(runner)
    disk = rule("GB111").finding("GOCACHE is on /")
    assert not is_code_alert(disk) and not is_code_alert(disk.with_severity(Severity.NOTE))
    assert is_code_alert(disk.with_severity(Severity.ERROR))
    assert is_code_alert(rule("GB405").finding("local", Location("go.mod", 7)))
    assert is_code_alert(Finding("GB999", Severity.NOTE, "a rule of a newer release"))
    assert "about the runner, not the code" in page_markdown(rule("GB111"))


def test_markdown_has_every_page() -> None:
    md = to_markdown()
    for r in RULES:
        assert page_markdown(r).rstrip("\n") in md
    assert md.count("```go.mod\n") >= 10 and md.count("```yaml\n") >= len(RULES)


def test_catalogue_files_read_the_same_with_libyaml_and_pure_python() -> None:
    # The catalogue loads with libyaml's loader when PyYAML has it; no file may rely on a difference.
    from pathlib import Path

    import yaml

    import gobaseline.rules

    files = sorted(Path(gobaseline.rules.__file__).parent.glob("*.yml"))
    assert len(files) == 8
    for path in files:
        text = path.read_text(encoding="utf-8")
        if yaml.__with_libyaml__:
            assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text), path.name
