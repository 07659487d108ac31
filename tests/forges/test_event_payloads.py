"""A GitHub event payload is untrusted input: missing keys, wrong types (a list, a string or null where an object
is expected), huge or deeply nested payloads degrade to "not a change" or fail closed, never a traceback."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gobaseline.forges import ForgeKind, detect
from gobaseline.policy.in_force import change_base, policy_in_force
from gobaseline.safefs import TEXT_LIMIT
from tests.support.gitrepo import git

SHA = "a" * 40
ENV_SHA = "e" * 40
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
)
EVENTS = ["workflow_run", "pull_request", "pull_request_target", "merge_group", "push", "schedule"]

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from([SHA, "b" * 64, "A" * 40, "-" + "a" * 39, "HEAD", "main", "refs/heads/x", "1", "12"]),
)
anything = st.recursive(
    scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
)


def shaped(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """An object with some of `keys` (each of the right shape or not), or anything at all in its place."""
    return st.one_of(anything, st.fixed_dictionaries({}, optional=keys))


repo_obj = shaped({"full_name": st.one_of(anything, st.sampled_from(["o/r", "mallory/r"]))})
side = shaped({"sha": st.one_of(anything, st.just(SHA)), "repo": repo_obj})
pull_request = shaped({"number": st.one_of(anything, st.integers(1, 10**6)), "head": side, "base": side})
workflow_run = shaped(
    {
        "head_sha": st.one_of(anything, st.just(SHA)),
        "head_branch": anything,
        "head_repository": repo_obj,
        "pull_requests": st.one_of(anything, st.lists(pull_request, max_size=2)),
    }
)
payload = st.one_of(
    anything,
    st.fixed_dictionaries(
        {},
        optional={
            "pull_request": pull_request,
            "workflow_run": workflow_run,
            "merge_group": shaped({"base_sha": st.one_of(anything, st.just(SHA))}),
        },
    ),
)


def env_for(tmp_path: Path, event_name: str, text: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(text, encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_SHA": ENV_SHA,
        "GITHUB_REF": "refs/heads/main",
    }


@pytest.mark.generated("event payload")
@SETTINGS
@given(event_name=st.sampled_from(EVENTS), data=payload)
@example(event_name="workflow_run", data={"workflow_run": {"pull_requests": 7}})
@example(event_name="workflow_run", data={"workflow_run": {"pull_requests": {"0": {"number": 1}}}})
@example(event_name="workflow_run", data={"workflow_run": {"head_sha": ["x"], "head_branch": {"a": 1}}})
@example(event_name="pull_request", data={"pull_request": {"number": True, "head": "x", "base": []}})
@example(event_name="pull_request", data={"pull_request": {"number": "12"}})
@example(event_name="workflow_run", data=[{"workflow_run": {}}])
def test_a_malformed_payload_gives_a_context_never_a_traceback(tmp_path: Path, event_name: str, data: Any) -> None:
    env = env_for(tmp_path, event_name, json.dumps(data))
    ctx = detect(env)
    assert ctx.forge is ForgeKind.GITHUB
    for value in (ctx.head_sha, ctx.sarif_sha, ctx.base_sha):
        assert value in ("", ENV_SHA) or re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", value), value
    assert ctx.change_number is None or (type(ctx.change_number) is int and ctx.change_number > 0)
    assert ctx.sarif_ref == "" or re.fullmatch(r"refs/(pull/[1-9][0-9]*/(merge|head)|heads/.+)", ctx.sarif_ref)
    if event_name == "workflow_run":
        assert ctx.head_sha != ENV_SHA  # another commit than the run's: nothing is posted rather than that
        assert ctx.head_sha or ctx.event_problem  # and the GB003 note says why
    base = change_base(env)
    if event_name in ("pull_request", "pull_request_target", "merge_group"):
        assert base in ("", SHA)  # still a change: without a usable base the policy fails closed
    elif event_name == "workflow_run":
        assert base is None or base in ("", SHA)
    else:
        assert base is None


@pytest.mark.generated("event payload")
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("[" * 200_000 + "]" * 200_000, "nested too deeply", id="nested-list"),
        pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply", id="nested-object"),
        pytest.param("{", "not JSON", id="truncated"),
        pytest.param("\ufeff{}", "not JSON", id="bom"),
        pytest.param('"workflow_run"', "not an object", id="string"),
        pytest.param("null", "not an object", id="null"),
    ],
)
def test_an_unusable_payload_is_empty_and_says_why(tmp_path: Path, text: str, problem: str) -> None:
    ctx = detect(env_for(tmp_path, "workflow_run", text))
    assert ctx.event == {} and problem in ctx.event_problem and ctx.head_sha == ""


@pytest.mark.generated("event payload")
@pytest.mark.parametrize("kind", ["huge", "fifo", "directory", "dev-zero"])
def test_a_payload_that_is_not_a_small_file_is_refused_not_read(tmp_path: Path, kind: str) -> None:
    env = env_for(tmp_path, "pull_request", "{}")
    event = Path(env["GITHUB_EVENT_PATH"])
    event.unlink()
    if kind == "huge":
        with event.open("wb") as fh:
            fh.truncate(TEXT_LIMIT + 1)
    elif kind == "fifo":
        os.mkfifo(event)
    elif kind == "directory":
        event.mkdir()
    else:
        event.symlink_to("/dev/zero")
    ctx = detect(env)
    assert ctx.event == {} and str(event) in ctx.event_problem
    assert change_base(env) == ""  # a pull request all the same: the policy fails closed


def test_a_pull_request_whose_payload_is_unusable_fails_closed_and_says_why(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".gobaseline.yml").write_text("fail_on: never\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    env = env_for(tmp_path, "pull_request", json.dumps({"pull_request": "not an object"}))
    policy, findings = policy_in_force(root, env)
    assert [f.rule_id for f in findings] == ["GB002"]
    assert "no pull_request object" in findings[0].message
    assert policy.source != ".gobaseline.yml"
