"""Go release data and the version baseline.

A bundled snapshot in the format of `https://go.dev/dl/?mode=json` (which lists exactly the newest patch of each
supported minor release) makes the check work offline; `releases.refresh: true` in the policy fetches the live list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import total_ordering
from pathlib import Path
from typing import Any

from gobaseline.errors import GobaselineError

_VERSION = re.compile(r"^(?:go)?1\.(?P<minor>[0-9]+)(?:\.(?P<patch>[0-9]+))?(?P<pre>(?:rc|beta|alpha)[0-9]+)?$")


@total_ordering
@dataclass(frozen=True)
class GoVersion:
    """A Go release number: `go1.27.3`, `1.26`, `go1.28rc1`. Development builds do not parse."""

    minor: int
    patch: int | None = None
    """None for a bare language version (`go 1.26` in go.mod)."""
    pre: str | None = None
    """`rc1`, `beta2`: a pre-release."""

    @classmethod
    def parse(cls, text: str) -> GoVersion | None:
        """The version in `text`, or None for `devel ...` and anything else that is not a Go release number."""
        m = _VERSION.match(text.strip())
        if m is None:
            return None
        patch = m.group("patch")
        return cls(int(m.group("minor")), int(patch) if patch is not None else None, m.group("pre"))

    @property
    def is_prerelease(self) -> bool:
        """True for beta and release-candidate builds."""
        return self.pre is not None

    @property
    def minor_name(self) -> str:
        """`1.27`."""
        return f"1.{self.minor}"

    def _key(self) -> tuple[int, int, int, int]:
        # A pre-release sorts before the .0 release of its minor: alpha < beta < rc, by number (rc10 > rc2).
        if self.pre:
            kind = self.pre.rstrip("0123456789")
            return (self.minor, -1, {"alpha": 0, "beta": 1, "rc": 2}[kind], int(self.pre[len(kind) :]))
        return (self.minor, self.patch or 0, 3, 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        s = f"1.{self.minor}"
        if self.patch is not None:
            s += f".{self.patch}"
        return s + (self.pre or "")


@dataclass(frozen=True)
class Releases:
    """The stable releases a source lists (for go.dev: the newest patch of each supported minor)."""

    stable: tuple[GoVersion, ...]
    source: str

    @classmethod
    def from_json(cls, data: Any, source: str) -> Releases:
        """Read the go.dev/dl JSON format: a list of `{version, stable, files}`."""
        if not isinstance(data, list):
            raise GobaselineError("release data is not a JSON list", path=source)
        stable = []
        for entry in data:
            if not isinstance(entry, dict) or not entry.get("stable"):
                continue
            v = GoVersion.parse(str(entry.get("version", "")))
            if v is not None and not v.is_prerelease:
                stable.append(v)
        if not stable:
            raise GobaselineError("release data lists no stable Go release", path=source)
        return cls(tuple(sorted(stable, reverse=True)), source)

    @classmethod
    def snapshot(cls) -> Releases:
        """The snapshot bundled with this version of gobaseline (data/go-releases.json)."""
        text = (Path(__file__).parents[1] / "data" / "go-releases.json").read_text(encoding="utf-8")
        return cls.from_json(json.loads(text), "bundled snapshot")

    @classmethod
    def fetch(cls, url: str, timeout: float = 10.0) -> Releases:
        """The live list from `url` (go.dev/dl/?mode=json or a mirror of it)."""
        import requests

        try:
            resp = requests.get(url, timeout=timeout)
            resp.raise_for_status()
            data = resp.json()
        except (requests.RequestException, ValueError) as e:
            raise GobaselineError(f"cannot fetch Go release data from {url}: {e}") from e
        return cls.from_json(data, url)

    @property
    def supported_minors(self) -> tuple[int, ...]:
        """The two newest minor releases listed, newest first."""
        minors = sorted({v.minor for v in self.stable}, reverse=True)
        return tuple(minors[:2])

    def newest_patch(self, minor: int) -> GoVersion | None:
        """The newest listed patch of a minor release, if listed."""
        return max((v for v in self.stable if v.minor == minor), default=None)


@dataclass(frozen=True)
class Baseline:
    """Which Go releases the policy allows."""

    releases: Releases
    explicit: tuple[GoVersion, ...] | None = None
    """From `go_versions: [...]`; None means the two newest supported minors."""

    @classmethod
    def from_policy(cls, go_versions: tuple[str, ...] | None, releases: Releases) -> Baseline:
        """Build from the policy's `go_versions` (already schema-checked)."""
        if go_versions is None:
            return cls(releases)
        parsed = tuple(v for v in (GoVersion.parse(s) for s in go_versions) if v is not None)
        return cls(releases, parsed)

    def allows_toolchain(self, v: GoVersion) -> bool:
        """True when a toolchain of this version may build: stable and inside the baseline."""
        if v.is_prerelease:
            return False
        if self.explicit is not None:
            return any(e.minor == v.minor and (e.patch is None or e.patch == v.patch) for e in self.explicit)
        supported = self.releases.supported_minors
        # A minor newer than the snapshot knows is newer than every supported one: allowed.
        return v.minor in supported or v.minor > max(supported)

    def allows_language(self, v: GoVersion) -> bool:
        """True when a go.mod `go` or `toolchain` line names an allowed minor (the patch is a minimum, not a pin)."""
        if v.is_prerelease:
            return False
        if self.explicit is not None:
            return any(e.minor == v.minor for e in self.explicit)
        supported = self.releases.supported_minors
        return v.minor in supported or v.minor > max(supported)

    def describe(self) -> str:
        """`Go 1.27 or 1.26 (the two newest supported minor releases, bundled snapshot)`."""
        if self.explicit is not None:
            return "Go " + ", ".join(str(v) for v in self.explicit) + " (policy go_versions)"
        minors = " or ".join(f"1.{m}" for m in self.releases.supported_minors)
        return f"Go {minors} (the two newest supported minor releases, {self.releases.source})"
