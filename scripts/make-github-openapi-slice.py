#!/usr/bin/env python3
"""Cut the operations gobaseline calls out of GitHub's OpenAPI description, with every `$ref` they reach.

The full description (npm package `@octokit/openapi`, `generated/api.github.com.json`, ~13 MB) is not
committed;
the slice is, as tests/fixtures/openapi/github-slice.json. Regenerate it with:

    cd "$(mktemp -d)" && npm pack @octokit/openapi && tar xzf octokit-openapi-*.tgz
    python scripts/make-github-openapi-slice.py package/generated/api.github.com.json \
        > tests/fixtures/openapi/github-slice.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS: dict[str, tuple[str, ...]] = {
    "/repos/{owner}/{repo}/check-runs": ("post",),
    "/repos/{owner}/{repo}/check-runs/{check_run_id}": ("get", "patch"),
    "/repos/{owner}/{repo}/commits/{ref}/check-runs": ("get",),
    "/repos/{owner}/{repo}/statuses/{sha}": ("post",),
    "/repos/{owner}/{repo}/code-scanning/sarifs": ("post",),
    "/repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}": ("get",),
}
# Examples are documentation only and make up most of the size.
DROP_KEYS = {"examples", "example", "x-github"}


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in DROP_KEYS}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.append(ref)
        for v in node.values():
            found.extend(_refs(v))
    elif isinstance(node, list):
        for v in node:
            found.extend(_refs(v))
    return found


def slice_spec(full: dict[str, Any]) -> dict[str, Any]:
    """The operations in OPERATIONS and the components they reach, examples removed."""
    paths: dict[str, Any] = {}
    for path, methods in OPERATIONS.items():
        item = full["paths"][path]
        paths[path] = {k: _strip(v) for k, v in item.items() if k in methods or k == "parameters"}
    components: dict[str, dict[str, Any]] = {}
    todo = _refs(paths)
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        node = _strip(full["components"][section][name])
        components.setdefault(section, {})[name] = node
        todo.extend(_refs(node))
    return {
        "openapi": full["openapi"],
        "info": {
            **full["info"],
            "description": "A slice of GitHub's REST API description: the calls gobaseline makes.",
        },
        "servers": full["servers"],
        "paths": paths,
        "components": {s: dict(sorted(c.items())) for s, c in sorted(components.items())},
    }


def main(argv: list[str]) -> int:
    """Read the full description named by argv[1] and print the slice as JSON."""
    if len(argv) != 2:
        sys.stderr.write(__doc__ or "")
        return 2
    full = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    json.dump(slice_spec(full), sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
