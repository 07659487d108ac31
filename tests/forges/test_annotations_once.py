"""Findings are annotated in one place: the check run when it was posted, else workflow commands in the log."""

from __future__ import annotations

import pytest

from gobaseline.errors import GobaselineError
from gobaseline.forges.github.publisher import annotate_in_log
from gobaseline.forges.publishing import ANNOTATION_MODES, Posted, PublishOptions

CHECK_RUN = (Posted("check-run", "1"), Posted("status", "2"))
NO_CHECK_RUN = (Posted("status", "2"),)  # refused (a fork's read-only token), failed, or not asked for


@pytest.mark.parametrize(
    ("mode", "posted", "in_log"),
    [
        ("auto", CHECK_RUN, False),
        ("auto", NO_CHECK_RUN, True),
        ("check-run", NO_CHECK_RUN, False),
        ("workflow-commands", CHECK_RUN, True),
        ("none", NO_CHECK_RUN, False),
    ],
)
def test_one_mechanism(mode: str, posted: tuple[Posted, ...], in_log: bool) -> None:
    assert annotate_in_log(mode, posted) is in_log


@pytest.mark.parametrize(
    ("value", "mode"),
    [("", "auto"), ("true", "auto"), ("false", "workflow-commands"), *((m.upper(), m) for m in ANNOTATION_MODES)],
)
def test_gobaseline_annotations_values(value: str, mode: str) -> None:
    assert PublishOptions.from_environ({"GOBASELINE_ANNOTATIONS": value}).annotations == mode


def test_a_bad_gobaseline_annotations_is_a_user_error() -> None:
    with pytest.raises(GobaselineError, match="GOBASELINE_ANNOTATIONS"):
        PublishOptions.from_environ({"GOBASELINE_ANNOTATIONS": "both"})
