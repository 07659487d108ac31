"""The format registry, the golden files, and rendering being pure."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from gobaseline import formats
from gobaseline.formats import FORMAT_NAMES, Format, default_filename, render
from tests.support.reports import report_of, sample_options, sample_report

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def test_format_names_are_the_enum_in_cli_order() -> None:
    assert FORMAT_NAMES == (
        "text",
        "json",
        "sarif",
        "github",
        "summary",
        "codequality",
        "junit",
        "checkstyle",
    )
    assert tuple(f.value for f in Format) == FORMAT_NAMES


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_has_a_renderer_and_a_file_name(fmt: Format) -> None:
    assert callable(formats.renderer(fmt))
    assert formats.renderer(fmt.value) is formats.renderer(fmt)
    assert default_filename(fmt)
    out = render(fmt, report_of())
    assert out.endswith("\n")


def test_file_names_are_distinct_and_the_ones_the_forges_expect() -> None:
    names = [default_filename(f) for f in Format]
    assert len(set(names)) == len(names)
    assert default_filename("codequality") == "gl-code-quality-report.json"
    assert default_filename("sarif") == "gobaseline.sarif"


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="yaml"):
        render("yaml", report_of())


def test_dispatch_is_exhaustive_for_the_type_checker() -> None:
    # mypy proves the match exhaustive (assert_never); this keeps enum and functions in step at run time.
    source = Path(formats.__file__).read_text(encoding="utf-8")
    for fmt in Format:
        assert source.count(f"case Format.{fmt.name}:") == 2
    assert source.count("assert_never(fmt)") == 2
    assert typing.get_type_hints(formats.render)["return"] is str


# Golden files (regenerate with scripts/regen-golden)


@pytest.mark.parametrize("fmt", list(Format))
def test_golden(fmt: Format) -> None:
    expected = (GOLDEN / default_filename(fmt)).read_bytes().decode("utf-8")
    assert render(fmt, sample_report(), options=sample_options()) == expected, (
        "run scripts/regen-golden and review the diff"
    )


def test_rendering_is_pure() -> None:
    report, options = sample_report(), sample_options()
    for fmt in Format:
        assert render(fmt, report, options=options) == render(fmt, report, options=options)
