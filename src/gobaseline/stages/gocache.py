"""The build cache the build stage's go commands use (`build.gocache`): shared, private, or verified.

- `shared` (default): the user's GOCACHE, unchanged.
- `private`: a fresh GOCACHE for this run, removed afterwards.
- `verified`: GOCACHEPROG is gobaseline.golang.cacheprog (see `program`): writes go to a private directory, reads come
  from it or from a shared read-only pool whose every object is checked against its OutputID first. A tampered
  pool object is a GB211 finding and a miss, never a link. Go releases before 1.24 have no GOCACHEPROG: they get
  a private GOCACHE and a GB507 note.

The private directory is `build.gocache_dir` (or GOBASELINE_GOCACHE_DIR), kept so `gobaseline cache promote` can
move a trusted run's objects into the pool; else a fresh directory removed afterwards. The pool is
`build.gocache_pool` (or GOBASELINE_GOCACHE_POOL).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gobaseline import rules
from gobaseline.model import Finding
from gobaseline.stages import Context

_FIRST_CACHEPROG = (1, 24)


@dataclass
class Session:
    """The environment for the build's go commands, and what the cache found once they ran."""

    env: dict[str, str]
    private: Path | None = None
    findings: list[Finding] = field(default_factory=list)

    def collect(self) -> list[Finding]:
        """GB211 for every pool object that did not match its OutputID, plus the notes made up front."""
        from gobaseline.golang.cacheprog import MISMATCHES

        found = list(self.findings)
        if self.private is None:
            return found
        try:
            lines = (self.private / MISMATCHES).read_text(encoding="utf-8").splitlines()
        except OSError:
            return found
        seen: set[str] = set()
        for line in lines:
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if not isinstance(item, dict) or item.get("object") in seen:
                continue
            seen.add(str(item.get("object")))
            found.append(
                rules.rule("GB211").finding(
                    f"the shared build cache object {item.get('object')} does not hash to its OutputID "
                    f"{item.get('output')} (it hashes to {item.get('sha256')}); it was not used and Go rebuilt it"
                )
            )
        return found


def _quote(arg: str) -> str:
    """One GOCACHEPROG field: the go command splits on spaces and honours single or double quotes."""
    if " " not in arg and "'" not in arg and '"' not in arg:
        return arg
    quote = "'" if "'" not in arg else '"'
    return f"{quote}{arg}{quote}"


def program(private: Path, pool: Path | None) -> str:
    """The GOCACHEPROG value: `gobaseline.golang.cacheprog`'s command, each field quoted for the go command."""
    from gobaseline.golang.cacheprog import command

    return " ".join(_quote(a) for a in command(private, pool))


def _go_minor(version: str) -> tuple[int, int]:
    parts = version.removeprefix("go").split(".")
    try:
        return int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)
    except (IndexError, ValueError):
        return 0, 0


def _configured(ctx: Context, key: str, env_name: str) -> Path | None:
    value = os.environ.get(env_name) or getattr(ctx.policy.build, key)
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else ctx.module_dir / path


@contextmanager
def session(ctx: Context) -> Iterator[Session]:
    """The cache environment for the build; temporary directories are removed when the block ends."""
    mode = ctx.policy.build.gocache
    if mode == "shared":
        yield Session({})
        return
    kept = _configured(ctx, "gocache_dir", "GOBASELINE_GOCACHE_DIR") if mode == "verified" else None
    private = kept or Path(tempfile.mkdtemp(prefix="gobaseline-gocache-"))
    try:
        private.mkdir(parents=True, exist_ok=True)
        if mode == "private":
            yield Session({"GOCACHE": str(private)})
        elif ctx.go is not None and _go_minor(ctx.go.version) < _FIRST_CACHEPROG:
            note = rules.rule("GB507").finding(
                f"{ctx.go.version} has no GOCACHEPROG (Go 1.24+), so the build cache cannot be verified; "
                "this run built with a private GOCACHE instead"
            )
            yield Session({"GOCACHE": str(private)}, findings=[note])
        else:
            pool = _configured(ctx, "gocache_pool", "GOBASELINE_GOCACHE_POOL")
            yield Session({"GOCACHEPROG": program(private, pool)}, private=private)
    finally:
        if kept is None:
            shutil.rmtree(private, ignore_errors=True)
