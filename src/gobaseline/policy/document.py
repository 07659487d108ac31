"""The policy file's bytes to plain data, bounded: a hostile file is one PolicyError naming the file (and the
line or key where known), never a hang, a memory blow-up or a traceback.

- Read only from a regular file (`safefs`: a FIFO, a device or a directory is refused before it is opened), at
  most `LIMIT` bytes, as UTF-8.
- YAML 1.2 scalars: only true/false are booleans (`off` stays the severity `off`, `no` stays text) and dates stay
  text (the schema checks them, with their line).
- No anchors or aliases: a policy has no use for them, and aliases are how a few lines expand to gigabytes. No
  explicit tags but those of the JSON types (`!!str`, `!!int`, ...).
- Nested at most `MAX_DEPTH` levels (the deepest real key, `probe.env.NAME`, is at three), so neither the
  composer's recursion nor the schema's can run away; at most `MAX_NODES` keys and values, so that the pure-Python
  reader and the schema finish in seconds.
- No NUL character or lone surrogate in a key or a value: neither can be a path, an argument or report text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from gobaseline import safefs
from gobaseline.errors import GobaselineError, PolicyError

LIMIT = 64 * 1024
"""Bytes a policy file may have; real ones have a few hundred to a few thousand."""
MAX_DEPTH = 16
"""Levels of nested mappings and lists a policy file may have."""
MAX_NODES = 10_000
"""Keys, values and items a policy file may have, so that reading and validating it stays within seconds."""
_PLAIN_TAGS = frozenset(
    {None, "!", *(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map"))}
)
"""Explicit tags a policy may use: the JSON types. `!!timestamp`, `!!binary`, `!!set`, `!!python/...` are not."""


def read(path: Path) -> str:
    """The text of the policy file at `path`."""
    if not os.path.lexists(path):
        raise PolicyError("policy file not found", path=str(path))
    try:
        data = safefs.read_bytes(path, limit=LIMIT, what="policy file")
    except GobaselineError as e:
        raise PolicyError(e.message, path=e.path) from e
    return decode(data, str(path))


def decode(data: bytes, source: str) -> str:
    """`data` as UTF-8 text; an error names the line and the byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise PolicyError(
            f"cannot read the policy file: not UTF-8 text (byte {e.start})", path=source, line=line
        ) from e


def load(text: str, source: str) -> tuple[Any, dict[str, Any]]:
    """The YAML node tree of `text` (for lines) and its data as plain JSON types; `source` names it in errors."""
    import yaml

    if len(text) > LIMIT:
        raise PolicyError(f"the policy is larger than {LIMIT} characters", path=source)
    loader = None
    try:
        loader = _loader()(text)  # the reader refuses control characters here
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = short(getattr(e, "problem", None) or str(e))
        line = mark.line + 1 if mark else None
        raise PolicyError(f"not valid YAML: {problem}", path=source, line=line) from e
    except (ValueError, TypeError, OverflowError) as e:  # an explicit tag such as `!!timestamp 2026-02-30`
        raise PolicyError(f"not valid YAML: {short(str(e))}", path=source) from e
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError("the policy must be a mapping of keys to values", path=source, line=1)
    # Plain JSON types for the schema: keys become text, explicit dates and binary values become text.
    try:
        plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    except (ValueError, TypeError) as e:
        raise PolicyError(f"not valid YAML: {short(str(e))}", path=source, line=1) from e
    for path, text_ in _strings(plain, []):
        bad = _bad_text(text_)
        if bad:
            raise PolicyError(f"key {dotted(path)}: {bad}", path=source, line=line_of(root, path))
    return root, plain


def short(text: str, limit: int = 200) -> str:
    """`text` on one line, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _strings(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    """Every key and text value in `node` with the path that leads to it."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield [*path, key], key
            yield from _strings(value, [*path, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, [*path, i])


def _bad_text(text: str) -> str | None:
    if "\0" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return f"contains a lone surrogate (character {e.start + 1})"
    return None


def line_of(node: Any, path: Iterable[str | int]) -> int | None:
    """The 1-based line of the YAML node at `path` (the deepest one that exists)."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == key), None)
            if pair is None:
                break
            line = pair[0].start_mark.line + 1
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def dotted(path: Iterable[str | int]) -> str:
    """`build.env[0]`: a key path as the error messages spell it."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return short(out) or "(top level)"


@cache
def _loader() -> type[Any]:
    """A SafeLoader with YAML 1.2 scalars that refuses anchors, aliases and deep nesting as it composes (before
    anything is built, so nothing can expand)."""
    import re

    import yaml
    from yaml.composer import ComposerError

    class Loader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.depth = 0
            self.nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            anchor = getattr(event, "anchor", None)
            problem = None
            if isinstance(event, yaml.AliasEvent):
                problem = f"aliases (*{anchor}) are not allowed in a policy file"
            elif anchor is not None:
                problem = f"anchors (&{anchor}) are not allowed in a policy file"
            elif getattr(event, "tag", None) not in _PLAIN_TAGS:
                problem = f"the tag {event.tag} is not allowed in a policy file"
            elif self.depth >= MAX_DEPTH:
                problem = f"nested deeper than {MAX_DEPTH} levels"
            elif self.nodes >= MAX_NODES:
                problem = f"more than {MAX_NODES} keys and values"
            if problem is not None:
                raise ComposerError(None, None, problem, event.start_mark)
            self.depth += 1
            self.nodes += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    dropped = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in entries if tag not in dropped]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return Loader
