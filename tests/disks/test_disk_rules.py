"""The disk rules' catalogue entries: each says what it protects, with a failing and a passing example; a policy
example is a valid policy."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from gobaseline.policy import parse

DISK_RULES = {"toolchain.yml": ("GB115", "GB116", "GB117", "GB118", "GB119"), "outdir.yml": ("GB306",)}


@pytest.mark.parametrize(("filename", "rule_id"), [(f, r) for f, ids in DISK_RULES.items() for r in ids])
def test_entry_protects_and_shows_examples(filename: str, rule_id: str) -> None:
    text = resources.files("gobaseline.rules").joinpath(filename).read_text(encoding="utf-8")
    (entry,) = [e for e in yaml.safe_load(text) if e["id"] == rule_id]
    assert entry["protects"].endswith(".") and "\n" not in entry["protects"].strip()
    assert entry["subject"] == "runner"
    kinds = [e["kind"] for e in entry["examples"]]
    assert "failing" in kinds and "passing" in kinds
    for example in entry["examples"]:
        assert example["lang"] in ("yaml", "console") and example["code"].strip()
        if example["lang"] == "yaml":
            parse(example["code"], f"{rule_id} example")
