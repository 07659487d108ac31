"""The policy loader: every error names the file, the line and the key; defaults; severity overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gobaseline.errors import PolicyError
from gobaseline.model import Finding, Severity
from gobaseline.policy import DEFAULT_TARGETS, Policy, load, parse

SRC = "ci/.gobaseline.yml"


def error_of(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse(text, SRC)
    return info.value


# -- defaults --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n", "version: 1\n"])
def test_defaults(text: str) -> None:
    p = parse(text, SRC)
    assert p.go_versions is None
    assert p.targets == DEFAULT_TARGETS
    assert p.output_dir == "gobaseline-out"
    assert p.min_free_mb == 200
    assert p.system_disk == "warning"
    assert p.severity == {}
    assert p.waivers == ()
    assert p.build.packages == ("./...",)  # every main package
    assert p.build.bindnow is True
    assert p.probe.enabled is False
    assert p.releases_refresh is False
    assert p.releases_url == "https://go.dev/dl/?mode=json"
    assert p.fail_on is None  # the command line or the built-in default decides
    assert p.source == SRC


def test_default_policy_equals_empty_file() -> None:
    parsed = parse("", "default")
    assert parsed == Policy(lines={})


def test_full_policy() -> None:
    text = """\
version: 1
go_versions: ["1.27", "1.26.6"]
severity:
  GB111: error
  goroot-incomplete: warning
  second-go-in-path: off
system_disk: note
targets: [linux/amd64]
output: {dir: dist, min_free_mb: 0}
waivers:
  - module: example.com/fork
    approved_by: alice
    ticket: SEC-1
    expires: 2027-01-31
build:
  packages: [./cmd/api]
  ldflags: ["-X main.version=1"]
  parallel: 2
probe: {enabled: true, port_flag: -listen, startup_timeout: 2.5}
releases: {refresh: true, url: "http://127.0.0.1:1/dl"}
fail_on: warning
"""
    p = parse(text, SRC)
    assert p.go_versions == ("1.27", "1.26.6")
    assert p.severity == {"GB111": "error", "GB102": "warning", "GB107": "off"}
    assert p.system_disk == "note"
    assert p.targets == ("linux/amd64",)
    assert (p.output_dir, p.min_free_mb) == ("dist", 0)
    (w,) = p.waivers
    assert (w.module, w.approved_by, w.ticket, w.expires, w.line) == (
        "example.com/fork",
        "alice",
        "SEC-1",
        dt.date(2027, 1, 31),
        11,
    )
    assert p.build.packages == ("./cmd/api",)
    assert p.build.parallel == 2
    assert p.probe.enabled and p.probe.port_flag == "-listen" and p.probe.startup_timeout == 2.5
    assert p.releases_refresh and p.releases_url == "http://127.0.0.1:1/dl"
    assert p.fail_on == "warning"
    assert p.lines["severity"] == 3 and p.lines["waivers"] == 10


def test_off_and_no_stay_words() -> None:
    # YAML 1.1 would read these as booleans; the policy means the words.
    p = parse("severity: {GB111: off}\nsystem_disk: off\n", SRC)
    assert p.severity == {"GB111": "off"}
    assert p.system_disk == "off"
    err = error_of("releases:\n  refresh: yes\n")
    assert (err.line, "releases.refresh") == (2, err.message.split(":")[0].removeprefix("key "))


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("output:\n  dir: out\n  min_free_mb: lots\n", 3, "output.min_free_mb", "not of type 'integer'"),
        ("build:\n  env:\n    CGO_ENABLED: 0\n", 3, "build.env.CGO_ENABLED", "not of type 'string'"),
        ("targets: [linux/amd64]\nbogus: 1\n", 2, "bogus", "unknown key; allowed here: baseline, build, "),
        ("probe:\n  enabled: true\n  sidecar: x\n", 3, "probe.sidecar", "unknown key"),
        ("severity:\n  GB111: error\n  GB999: warning\n", 3, "severity.GB999", "no such rule"),
        ("severity:\n  no-such-name: warning\n", 2, "severity.no-such-name", "no such rule"),
        ("severity:\n  GB111: loud\n", 2, "severity.GB111", "is not one of"),
        ("targets:\n  - linux/amd64\n  - Linux AMD64\n", 3, "targets[1]", "does not match"),
        ("go_versions:\n  - '1.27'\n  - go1.26\n", 3, "go_versions[1]", "'go1.26' does not match"),
        ("fail_on: sometimes\n", 1, "fail_on", "is not one of"),
    ],
)
def test_schema_errors_name_file_line_and_key(text: str, line: int, key: str, words: str) -> None:
    err = error_of(text)
    assert err.path == SRC
    assert err.line == line
    assert err.message.startswith(f"key {key}: ")
    assert words in err.message
    assert str(err).startswith(f"{SRC}:{line}: key {key}: ")


@pytest.mark.parametrize("expires", ["2027-02-30", "'2027-02-30'", "2027-13-01", "soon"])
def test_bad_waiver_date(expires: str) -> None:
    text = f"waivers:\n  - module: m\n    approved_by: a\n    ticket: T\n    expires: {expires}\n"
    err = error_of(text)
    assert err.line == 5
    assert err.message.startswith("key waivers[0].expires: ")


def test_waiver_missing_field() -> None:
    err = error_of("waivers:\n  - module: m\n    approved_by: a\n    expires: 2027-01-01\n")
    assert err.line == 2
    assert err.message == "key waivers[0]: 'ticket' is a required property"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("targets: [linux/amd64\nfoo: 1\n", 2),
        ("a: 1\n\tb: 2\n", 2),
        ("a: 1\n---\nb: 2\n", 2),
        ("a: b: c\n", 1),
        ("x: [1, 2\n", 2),
    ],
)
def test_yaml_syntax_error_line(text: str, line: int) -> None:
    err = error_of(text)
    assert err.message.startswith("not valid YAML: ")
    assert err.line == line


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_not_a_mapping(text: str) -> None:
    err = error_of(text)
    assert (err.line, err.message) == (1, "the policy must be a mapping of keys to values")


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "a: !!timestamp 2027-02-30\n", "? [a, b]\n: 1\n"])
def test_odd_yaml_is_a_policy_error(text: str) -> None:
    assert error_of(text).message.startswith("not valid YAML: ")


# -- load ------------------------------------------------------------------------------------------


def test_load_finds_the_repository_file(tmp_path: Path) -> None:
    assert load(None, tmp_path) == Policy()
    (tmp_path / ".gobaseline.yml").write_text("fail_on: never\n", encoding="utf-8")
    p = load(None, tmp_path)
    assert (p.fail_on, p.source) == ("never", ".gobaseline.yml")


def test_load_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load(tmp_path / "missing.yml", tmp_path)
    assert info.value.path == str(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"fail_on: \xff\xfe\n")
    with pytest.raises(PolicyError, match="cannot read"):
        load(bad, tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-policy.yml"
    outside.write_text("fail_on: 3\n", encoding="utf-8")
    try:
        with pytest.raises(PolicyError) as info:
            load(outside, tmp_path)
        assert info.value.path == str(outside)
        assert info.value.line == 1
    finally:
        outside.unlink()


# -- applying severities ---------------------------------------------------------------------------


def _f(rule_id: str, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(rule_id, severity, f"message of {rule_id}")


def test_apply_overrides_and_off() -> None:
    p = parse("severity: {GB107: error, GB108: off, GB106: note}\n", SRC)
    findings = [_f("GB107"), _f("GB108"), _f("GB106", Severity.NOTE), _f("GB109", Severity.ERROR)]
    out = p.apply(findings)
    assert [(f.rule_id, f.severity) for f in out] == [
        ("GB107", Severity.ERROR),
        ("GB106", Severity.NOTE),
        ("GB109", Severity.ERROR),
    ]
    assert out[0].fingerprint == findings[0].fingerprint
    assert out[1] is findings[2]  # unchanged findings are passed through


@pytest.mark.parametrize(
    ("policy", "gb305", "gb111"),
    [
        ("", Severity.WARNING, Severity.WARNING),
        ("system_disk: error\n", Severity.ERROR, Severity.ERROR),
        ("system_disk: note\n", Severity.NOTE, Severity.NOTE),
        ("system_disk: off\n", None, None),
        ("system_disk: off\nseverity: {GB305: error}\n", Severity.ERROR, None),
    ],
)
def test_system_disk_mapping(policy: str, gb305: Severity | None, gb111: Severity | None) -> None:
    p = parse(policy, SRC)
    assert p.severity_for("GB305", Severity.WARNING) == gb305
    assert p.severity_for("GB111", Severity.WARNING) == gb111
    assert p.severity_for("GB302", Severity.ERROR) is Severity.ERROR  # not a system-disk rule


# -- never anything but PolicyError ----------------------------------------------------------------


def _parse_or_policy_error(text: str) -> None:
    try:
        parse(text, SRC)
    except PolicyError as e:
        assert e.path == SRC
        assert e.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    _parse_or_policy_error(text)


_KEYS = st.sampled_from(
    [
        "version",
        "go_versions",
        "severity",
        "system_disk",
        "targets",
        "output",
        "waivers",
        "build",
        "probe",
        "releases",
        "fail_on",
        "dir",
        "min_free_mb",
        "module",
        "expires",
        "packages",
        "env",
        "refresh",
        "url",
        "GB111",
        "goroot-incomplete",
        "GB999",
        "enabled",
        "x",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["off", "error", "1.27", "linux/amd64", "2027-02-30", "2027-01-01"]),
    st.dates(),
)
_VALUES: Any = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=6), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_arbitrary_nested_mappings(data: dict[str, Any]) -> None:
    _parse_or_policy_error(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize("text", ["~", "null", "# only a comment\n", ""])
def test_an_empty_or_null_policy_is_the_defaults(text: str) -> None:
    assert parse(text, SRC) == parse("{}", SRC)


def test_modules_download_by_default_or_offline() -> None:
    assert parse("version: 1\n", SRC).modules == "download"
    assert parse("modules: offline\n", SRC).modules == "offline"
    with pytest.raises(PolicyError, match=r"key modules: 'online' is not one of \['download', 'offline'\]"):
        parse("modules: online\n", SRC)


def test_disks_section() -> None:
    assert Policy().disks.max_fsync_ms == 250 and Policy().disks.probe and Policy().disks.smart
    p = parse("disks:\n  max_fsync_ms: 40.5\n  probe: false\n  smart: false\n", SRC)
    assert (p.disks.max_fsync_ms, p.disks.probe, p.disks.smart) == (40.5, False, False)
    for text, line, key in (
        ("disks:\n  max_fsync_ms: 0\n", 2, "disks.max_fsync_ms"),
        ("disks:\n  max_fsync_ms: fast\n", 2, "disks.max_fsync_ms"),
        ("disks:\n  probe: true\n  fsync: 3\n", 3, "disks.fsync"),
    ):
        err = error_of(text)
        assert (err.line, err.message.split(":")[0]) == (line, f"key {key}")
