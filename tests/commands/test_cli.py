"""The command line: exit codes, one-line user errors, the rules command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gobaseline.cli import build_parser, main
from gobaseline.commands.output import exit_code, fail_on_in_force
from gobaseline.model import ExitCode, Verdict
from gobaseline.stages.probe_select import stamped_version


@pytest.mark.parametrize(
    ("verdict", "fail_on", "expected"),
    [
        (Verdict.PASS, None, 0),
        (Verdict.FAIL, None, 1),
        (Verdict.WARN, None, 2),
        (Verdict.WARN, "error", 0),
        (Verdict.FAIL, "error", 1),
        (Verdict.WARN, "warning", 1),
        (Verdict.PASS, "warning", 0),
        (Verdict.FAIL, "never", 0),
    ],
)
def test_exit_code_follows_verdict_and_fail_on(verdict: Verdict, fail_on: str | None, expected: int) -> None:
    assert exit_code(verdict, fail_on) == expected


@pytest.mark.parametrize(
    ("given", "policy", "expected"),
    [
        (None, None, None),
        (None, "warning", "warning"),
        ("error", "warning", "error"),
        ("policy", None, "error"),
        ("policy", "never", "never"),
    ],
)
def test_fail_on_policy_is_the_policys_else_error(given: str | None, policy: str | None, expected: str | None) -> None:
    assert fail_on_in_force(given, policy) == expected


def test_stamped_version_is_read_from_policy_ldflags() -> None:
    assert stamped_version(["-X main.version=1.2.3", "-X main.commit=abc"]) == "1.2.3"
    assert stamped_version(["-X main.commit=abc"]) is None


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == ExitCode.PASS
    out = capsys.readouterr().out
    assert "GB101" in out and "GB604" in out


def test_rules_json_carries_help_links(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert all(r["help_uri"].startswith("https://") and r["help"] for r in rules)


def test_docs_rules_md_is_generated_from_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    main(["rules", "--format", "markdown"])
    generated = capsys.readouterr().out
    committed = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert generated == committed, "docs/rules.md is stale: gobaseline rules --format markdown > docs/rules.md"


def test_missing_go_mod_is_one_line_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no go.mod" in err and "Traceback" not in err


def test_bad_policy_names_file_line_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "go.mod").write_text("module example.com/x\n\ngo 1.27\n")
    (tmp_path / ".gobaseline.yml").write_text("version: 1\nbuild:\n  rebuild: sometimes\n")
    assert main(["check", str(tmp_path)]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert ".gobaseline.yml:3:" in err and "build.rebuild" in err and "Traceback" not in err


def test_bad_targets_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["check", "--targets", "linux"])
    assert exc.value.code == ExitCode.INTERNAL
    assert "GOOS/GOARCH" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--fail-on", "errors"],
        ["check", "--targets", "linux-amd64"],
        ["check", "--no-such-option"],
        ["no-such-command"],
        [],
    ],
)
def test_usage_errors_exit_3_never_the_warnings_code(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "gobaseline" in err and "error:" in err and "Traceback" not in err


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from gobaseline.commands import rules

    def boom(_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(rules, "run", boom)
    assert main(["rules"]) == ExitCode.INTERRUPTED


def test_a_bug_is_exit_3_with_a_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from gobaseline.commands import rules

    def boom(_: object) -> int:
        raise RuntimeError("bug")

    monkeypatch.setattr(rules, "run", boom)
    assert main(["rules"]) == ExitCode.INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_check_fail_on_error_passes_a_warnings_only_run(
    tmp_path: Path, go_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in go_env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "go.mod").write_text("module example.com/x\n\ngo 1.27\n")
    # This machine's single disk gives system-disk warnings: 2 by verdict, 0 with --fail-on error.
    assert main(["check", str(tmp_path)]) == ExitCode.WARNINGS
    assert main(["check", str(tmp_path), "--fail-on", "error"]) == ExitCode.PASS
    assert main(["check", str(tmp_path), "--fail-on", "warning"]) == ExitCode.ERRORS
    assert main(["check", str(tmp_path), "--fail-on", "policy"]) == ExitCode.PASS  # no fail_on: error, never 2
    (tmp_path / ".gobaseline.yml").write_text("fail_on: warning\n")
    assert main(["check", str(tmp_path), "--fail-on", "policy"]) == ExitCode.ERRORS
    assert main(["check", str(tmp_path), "--fail-on", "error"]) == ExitCode.PASS  # the given value wins


@pytest.mark.parametrize("key", ["GB404", "gb404", "replace-public-module", "Replace-Public-Module"])
def test_rules_shows_one_rule_page_with_the_policy_snippet(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    from gobaseline.rules import catalogue

    rule = catalogue()["GB404"]
    assert main(["rules", key]) == ExitCode.PASS
    out = capsys.readouterr().out
    assert out.startswith(f"# GB404 {rule.name}\n\n**{rule.title}**")
    assert rule.help.splitlines()[0] in out and "\n  GB404: warning" in out
    for section in ("**Protects against:**", "Failing (go.mod):", "Passing (go.mod):", "## How to fix it",
                    "## Change its severity or waive it", "waivers:\n  - module:"):  # fmt: skip
        assert section in out, section


def test_rules_names_an_unknown_rule_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "GB999"]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "GB999" in err
