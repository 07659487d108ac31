"""The go.mod policy stage: exact places and messages of GB401 to GB409, waivers with an injected `today`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from gobaseline import policy as policy_mod
from gobaseline.errors import GoModError
from gobaseline.golang import modfile as gomod
from gobaseline.golang.gotool import Go
from gobaseline.golang.releases import Releases
from gobaseline.model import CheckStatus, Location, Severity, Stage
from gobaseline.stages import Context, StageResult
from gobaseline.stages import gomod as stage
from tests.conftest import make_ctx
from tests.support.toolchains import mod_edit_json

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parents[1] / "fixtures" / "gomod"
BROKEN = REPO / "examples" / "broken"
TODAY = dt.date(2026, 11, 15)
RELEASES = Releases.from_json(
    [{"version": "go1.27.3", "stable": True}, {"version": "go1.26.6", "stable": True}], "test data"
)


def module(tmp_path: Path, gomod_text: str, policy_text: str | None = None) -> Path:
    (tmp_path / "go.mod").write_text(gomod_text, encoding="utf-8")
    if policy_text is not None:
        (tmp_path / ".gobaseline.yml").write_text(policy_text, encoding="utf-8")
    return tmp_path


def run(ctx: Context) -> StageResult:
    result = stage.run(ctx, releases=RELEASES)
    assert result.stage is Stage.GOMOD
    return result


def places(result: StageResult) -> list[tuple[str, str]]:
    return [(f.rule_id, str(f.location)) for f in result.findings]


def statuses(result: StageResult) -> dict[str, CheckStatus]:
    return {c.name: c.status for c in result.checks}


def waiver(module_path: str, expires: str, ticket: str = "SEC-1") -> str:
    return f"  - module: {module_path}\n    approved_by: alice\n    ticket: {ticket}\n    expires: {expires}\n"


# -- the fixture with everything -----------------------------------------------------------------------------


def test_policy_fixture_exact_places(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "policy.go.mod", tmp_path / "go.mod")
    result = run(make_ctx(tmp_path, today=TODAY))
    assert places(result) == [
        ("GB403", "go.mod:4:1"),
        ("GB404", "go.mod:13:1"),
        ("GB404", "go.mod:15:2"),
        ("GB404", "go.mod:16:2"),  # no GOPRIVATE known without a go command: a dotted path is public
        ("GB405", "go.mod:18:2"),
        ("GB408", "go.mod:8:2"),
        ("GB409", "go.mod:9:2"),
        ("GB408", "go.mod:11:1"),
    ]
    assert statuses(result) == {
        "go-directive": CheckStatus.PASSED,
        "toolchain-directive": CheckStatus.FAILED,
        "replace-public": CheckStatus.FAILED,
        "replace-local": CheckStatus.FAILED,
        "waivers": CheckStatus.SKIPPED,
        "incompatible": CheckStatus.FAILED,
    }
    assert result.facts["module"] == "example.com/svc"
    by_place = {str(f.location): f for f in result.findings}
    assert by_place["go.mod:4:1"].message.startswith("`toolchain go1.25.5` names a release outside the baseline")
    assert "go mod edit -toolchain=go1.27.3" in by_place["go.mod:4:1"].message
    assert by_place["go.mod:13:1"].message.startswith(
        "replace github.com/ok/lib => github.com/fork/lib v1.2.4: swaps the public module github.com/ok/lib"
    )
    assert by_place["go.mod:15:2"].message.startswith(
        "replace github.com/waived/mod@v1.0.0 => github.com/fork/mod v1.0.1:"
    )
    assert by_place["go.mod:18:2"].message.startswith("replace example.com/sibling => ../sibling: builds")
    assert by_place["go.mod:9:2"].message.startswith("require github.com/old/indirect v5.0.0+incompatible // indirect:")
    # Severities are the catalogue's defaults; the pipeline applies policy overrides.
    assert {f.rule_id: f.severity for f in result.findings}["GB405"] is Severity.WARNING


def test_clean_module_passes(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "clean.go.mod", tmp_path / "go.mod")
    result = run(make_ctx(tmp_path, today=TODAY))
    assert result.findings == []
    assert statuses(result) == {
        "go-directive": CheckStatus.PASSED,
        "toolchain-directive": CheckStatus.PASSED,  # `toolchain default`
        "replace-public": CheckStatus.SKIPPED,
        "replace-local": CheckStatus.SKIPPED,
        "waivers": CheckStatus.SKIPPED,
        "incompatible": CheckStatus.PASSED,
    }


def test_findings_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    mod_dir = tmp_path / "services" / "api"
    mod_dir.mkdir(parents=True)
    shutil.copy(FIXTURES / "nogo.go.mod", mod_dir / "go.mod")
    ctx = make_ctx(mod_dir, repo_root=tmp_path, targets=(), today=TODAY)
    assert places(stage.run(ctx, releases=RELEASES)) == [("GB401", "services/api/go.mod:3:1")]


# -- errors --------------------------------------------------------------------------------------------------


def test_missing_gomod_is_an_error_not_a_finding(tmp_path: Path) -> None:
    with pytest.raises(GoModError) as info:
        run(make_ctx(tmp_path, today=TODAY))
    assert info.value.message == f"no go.mod in {tmp_path}"
    assert "\n" not in str(info.value)


def test_unparsable_gomod_is_an_error_with_line(tmp_path: Path) -> None:
    module(tmp_path, "module example.com/x\n\ngo 1.26\nrequire example.com/y main\n")
    with pytest.raises(GoModError) as info:
        run(make_ctx(tmp_path, today=TODAY))
    assert (info.value.path, info.value.line) == ("go.mod", 4)


# -- go and toolchain ----------------------------------------------------------------------------------------


def test_missing_go_line_points_at_module_line(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "nogo.go.mod", tmp_path / "go.mod")
    result = run(make_ctx(tmp_path, today=TODAY))
    assert places(result) == [("GB401", "go.mod:3:1")]
    assert "go mod edit -go=1.26" in result.findings[0].message


def test_missing_go_and_module_lines_point_at_line_one(tmp_path: Path) -> None:
    module(tmp_path, "\n\nrequire example.com/y v1.0.0\n")
    assert places(run(make_ctx(tmp_path, today=TODAY))) == [("GB401", "go.mod:1:1")]


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ("go 1.27", True),
        ("go 1.26.0", True),
        ("go 1.26.9", True),  # a newer patch than any released is still the 1.26 language
        ("go 1.28", True),  # newer than the release data knows: not older than the baseline
        ("go 1.25.5", False),
        ("go 1.24", False),
        ("go 1.27rc1", False),
    ],
)
def test_go_line_against_default_baseline(tmp_path: Path, line: str, allowed: bool) -> None:
    module(tmp_path, f"module example.com/x\n\n{line}\n")
    result = run(make_ctx(tmp_path, today=TODAY))
    if allowed:
        assert result.findings == []
        return
    assert places(result) == [("GB402", "go.mod:3:1")]
    msg = result.findings[0].message
    assert msg.startswith(f"`{line}` is ")
    assert "Go 1.27 or 1.26 (the two newest supported minor releases, test data) is allowed" in msg
    assert "go mod edit -go=1.26" in msg


def test_go_line_against_explicit_versions(tmp_path: Path) -> None:
    module(tmp_path, "module example.com/x\n\n// language\ngo 1.27.1\n")
    policy = policy_mod.parse('go_versions: ["1.25", "1.26.6"]\n', ".gobaseline.yml")
    result = run(make_ctx(tmp_path, policy=policy, today=TODAY))
    assert places(result) == [("GB402", "go.mod:4:1")]
    assert "Go 1.25, 1.26.6 (policy go_versions) is allowed" in result.findings[0].message
    assert "go mod edit -go=1.25" in result.findings[0].message


@pytest.mark.parametrize(
    ("line", "finding"),
    [
        ("toolchain default", False),
        ("toolchain go1.27.3", False),
        ("toolchain go1.26.0", False),
        ("toolchain go1.25.5", True),
        ("toolchain go1.27rc2", True),
        ("toolchain go1.27.3-custom", True),  # not a release number: cannot be checked
    ],
)
def test_toolchain_line(tmp_path: Path, line: str, finding: bool) -> None:
    module(tmp_path, f"module example.com/x\n\ngo 1.26\n\t{line} // pinned\n")
    result = run(make_ctx(tmp_path, today=TODAY))
    assert places(result) == ([("GB403", "go.mod:4:2")] if finding else [])


# -- replace and waivers -------------------------------------------------------------------------------------

REPLACES = """\
module example.com/svc

go 1.26

replace github.com/a/pub => github.com/fork/pub v1.0.1
replace (
	github.com/b/pinned v1.2.0 => github.com/fork/pinned v1.2.1
	example.com/sibling => ../sibling
)
"""


def test_valid_waivers_allow_replaces(tmp_path: Path) -> None:
    policy_text = "waivers:\n" + waiver("github.com/a/pub", "2026-11-15") + waiver("example.com/sibling", "2027-01-01")
    policy_text += waiver("github.com/b/pinned@v1.2.0", "2027-01-01")
    root = module(tmp_path, REPLACES, policy_text)
    policy = policy_mod.load(None, root)
    result = run(make_ctx(root, policy=policy, today=TODAY))  # expires == today: still valid
    assert result.findings == []
    assert statuses(result)["waivers"] is CheckStatus.PASSED


def test_expired_waiver_is_reported_at_policy_line_and_no_longer_covers(tmp_path: Path) -> None:
    policy_text = "version: 1\nwaivers:\n" + waiver("github.com/a/pub", "2026-11-14", "SEC-9")
    root = module(tmp_path, REPLACES, policy_text)
    result = run(make_ctx(root, policy=policy_mod.load(None, root), today=TODAY))
    assert places(result) == [
        ("GB404", "go.mod:5:1"),
        ("GB404", "go.mod:7:2"),
        ("GB405", "go.mod:8:2"),
        ("GB406", ".gobaseline.yml:3"),
    ]
    assert result.findings[3].location == Location(".gobaseline.yml", 3)
    assert "(the waiver at .gobaseline.yml:3 expired on 2026-11-14)" in result.findings[0].message
    assert result.findings[3].message == (
        "The waiver for github.com/a/pub (ticket SEC-9, approved by alice) expired on 2026-11-14. "
        "Remove the replace, or renew the waiver with a new ticket, approver and date."
    )


def test_waiver_expiry_follows_injected_today(tmp_path: Path) -> None:
    root = module(tmp_path, REPLACES, "waivers:\n" + waiver("example.com/sibling", "2027-03-01"))
    policy = policy_mod.load(None, root)
    assert [f.rule_id for f in run(make_ctx(root, policy=policy, today=dt.date(2027, 3, 1))).findings] == [
        "GB404",
        "GB404",
    ]
    assert [f.rule_id for f in run(make_ctx(root, policy=policy, today=dt.date(2027, 3, 2))).findings] == [
        "GB404",
        "GB404",
        "GB405",
        "GB406",
    ]


def test_unused_waivers(tmp_path: Path) -> None:
    policy_text = "waivers:\n" + waiver("github.com/never/replaced", "2027-01-01", "SEC-2")
    policy_text += waiver("github.com/b/pinned@v9.9.9", "2027-01-01", "SEC-3")  # another version
    policy_text += waiver("github.com/gone/too", "2020-01-01", "SEC-4")  # expired and unused
    root = module(tmp_path, REPLACES, policy_text)
    result = run(make_ctx(root, policy=policy_mod.load(None, root), today=TODAY))
    waivers = [(r, p) for r, p in places(result) if p.startswith(".gobaseline.yml")]
    assert waivers == [
        ("GB407", ".gobaseline.yml:2"),
        ("GB407", ".gobaseline.yml:6"),
        ("GB406", ".gobaseline.yml:10"),
    ]
    assert result.findings[-3].message == (
        "The waiver for github.com/never/replaced (ticket SEC-2) matches no replace in go.mod. "
        "Delete it from .gobaseline.yml."
    )
    assert result.findings[-1].message.endswith("It matches no replace in go.mod either: delete it.")


def test_policy_file_path_is_relative_to_the_repository(tmp_path: Path) -> None:
    mod_dir = tmp_path / "svc"
    mod_dir.mkdir()
    module(mod_dir, REPLACES, "waivers:\n" + waiver("github.com/never/replaced", "2027-01-01"))
    policy = policy_mod.load(None, mod_dir)  # as the pipeline loads it: relative to the module directory
    ctx = make_ctx(mod_dir, repo_root=tmp_path, policy=policy, targets=(), today=TODAY)
    assert ("GB407", "svc/.gobaseline.yml:2") in places(stage.run(ctx, releases=RELEASES))


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("base:0123456789ab:svc/.gobaseline.yml", "svc/.gobaseline.yml"),  # the target's file for the module
        ("base:0123456789ab", "svc/.gobaseline.yml"),  # the target has none: where the module's would go
        ("default", "svc/.gobaseline.yml"),
    ],
)
def test_findings_name_the_policy_file_in_force(tmp_path: Path, source: str, named: str) -> None:
    mod_dir = tmp_path / "svc"
    mod_dir.mkdir()
    module(mod_dir, REPLACES)
    (tmp_path / ".gobaseline.yml").write_text("{}\n", encoding="utf-8")  # a root file that is not in force
    ctx = make_ctx(mod_dir, repo_root=tmp_path, policy=policy_mod.Policy(source=source), targets=(), today=TODAY)
    assert stage.policy_file(ctx) == named
    replaced = [f for f in stage.run(ctx, releases=RELEASES).findings if f.rule_id in ("GB404", "GB405")]
    assert replaced and all(f.message.endswith(f"to {named}.") for f in replaced)


@pytest.mark.parametrize(
    ("waived", "old", "matches"),
    [
        ("github.com/x/y", "github.com/x/y", True),
        ("github.com/x/y", "github.com/x/y v1.2.3", True),
        ("github.com/x/y@v1.2.3", "github.com/x/y v1.2.3", True),
        ("github.com/x/y@v1.2", "github.com/x/y v1.2.0", True),  # compared in canonical form
        ("github.com/x/y@v1.2.3", "github.com/x/y", False),
        ("github.com/x/y@v1.2.4", "github.com/x/y v1.2.3", False),
        ("github.com/x", "github.com/x/y", False),  # no prefix matching
        ("github.com/x/y/v2", "github.com/x/y", False),
    ],
)
def test_waiver_matching(waived: str, old: str, matches: bool) -> None:
    rp = gomod.parse(f"module m\nreplace {old} => ../y\n").replaces[0]
    w = policy_mod.Waiver(waived, "alice", "T-1", TODAY, 1)
    assert stage.waiver_matches(w, rp) is matches


def test_private_and_dotless_modules_are_not_public(tmp_path: Path, go_env: dict[str, str]) -> None:
    shutil.copy(FIXTURES / "policy.go.mod", tmp_path / "go.mod")
    go = Go.discover(environ={**go_env, "GOPRIVATE": "corp.example.com"})
    result = run(make_ctx(tmp_path, go=go, today=TODAY))
    public = [p for r, p in places(result) if r == "GB404"]
    assert public == ["go.mod:13:1", "go.mod:15:2"]  # not corp.example.com (GOPRIVATE), not nodot/module


def test_local_replace_of_private_module_is_still_reported(tmp_path: Path) -> None:
    module(tmp_path, "module corp/svc\n\ngo 1.26\n\nreplace corp/lib => ./lib\n")
    assert places(run(make_ctx(tmp_path, today=TODAY))) == [("GB405", "go.mod:5:1")]


@pytest.mark.parametrize(
    ("globs", "target", "matches"),
    [
        ("corp.example.com", "corp.example.com/x/y", True),
        ("corp.example.com/", "corp.example.com/x", True),
        ("corp.example.com", "corp.example.com", True),
        ("corp.example", "corp.example.com/x", False),
        ("*.example.com", "corp.example.com/x", True),
        ("*.example.com", "example.com/x", False),
        ("*/private", "github.com/private/x", True),
        ("*/private", "github.com/public/x", False),
        ("github.com/org/*", "github.com/org/repo/sub", True),
        ("github.com/org/*", "github.com/org", False),  # not enough elements
        ("a.com,,b.com", "b.com/x", True),
        ("", "a.com/x", False),
        ("git?ub.com", "github.com/x", True),
        ("[a-c].com", "b.com/x", True),
        ("[^a-c].com", "b.com/x", False),
        ("[]].com", "].com/x", True),
        ("[a-", "a.com", False),  # malformed: matches nothing
        ("a\\.com", "a.com/x", True),
    ],
)
def test_match_prefix_patterns(globs: str, target: str, matches: bool) -> None:
    assert stage.match_prefix_patterns(globs, target) is matches


# -- incompatible --------------------------------------------------------------------------------------------


def test_incompatible_requirements(tmp_path: Path) -> None:
    module(
        tmp_path,
        "module example.com/x\n\ngo 1.26\n\n"
        "require github.com/a/direct v3.0.0+incompatible\n"
        "require (\n"
        "    github.com/b/indirect v4.1.0+incompatible // indirect\n"
        "\tgithub.com/c/fine v1.0.0 // indirect\n"
        "\tgithub.com/d/fine/v4 v4.0.0\n"
        ")\n",
    )
    result = run(make_ctx(tmp_path, today=TODAY))
    assert places(result) == [("GB408", "go.mod:5:1"), ("GB409", "go.mod:7:5")]
    assert result.findings[0].message.startswith("require github.com/a/direct v3.0.0+incompatible: a `+incompatible`")
    assert [f.severity for f in result.findings] == [Severity.ERROR, Severity.WARNING]


def test_retractions_are_never_findings(tmp_path: Path) -> None:
    module(tmp_path, "module example.com/x\n\ngo 1.26\n\nretract (\n\tv1.0.0 // oops\n\t[v1.1.0, v1.9.9]\n)\n")
    assert run(make_ctx(tmp_path, today=TODAY)).findings == []


# -- the bundled broken example ------------------------------------------------------------------------------


def readme_table() -> list[tuple[str, str]]:
    """(rule id, `file:line[:col]`) for each row of the findings table in examples/broken/README.md."""
    rows = re.findall(r"^\| (GB\d{3}) [^|]*\| `([^`]+)` \|", (BROKEN / "README.md").read_text(), re.M)
    assert rows, "the README has no findings table"
    return rows


def test_broken_example_matches_its_readme(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    shutil.copytree(BROKEN, root)
    result = run(make_ctx(root, policy=policy_mod.load(None, root), today=TODAY))
    assert sorted(places(result)) == sorted(readme_table())
    order = re.search(r"findings come out as ([^.]+)\.", " ".join((BROKEN / "README.md").read_text().split()))
    assert order is not None
    assert ", ".join(f.rule_id for f in result.findings) == order.group(1).replace(" and ", " ").replace(",,", ",")


def test_broken_example_parses_like_go(go: Go) -> None:
    assert gomod.to_edit_json(gomod.load(BROKEN / "go.mod")) == mod_edit_json(go, BROKEN / "go.mod")
