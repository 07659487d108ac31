"""Release hygiene: the workflows, the pinned image bases, the hash-locked Python dependencies, the versioning
documentation. The workflows are validated with check-jsonschema's vendored schema (no network)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_shipping import _ok, _tool

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
LOCK = REPO / "requirements" / "action.txt"
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    return loaded


def _run_lines(workflow: dict[Any, Any]) -> str:
    return "\n".join(step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"])


def test_workflows_schema() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}
    _ok([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)])


def test_workflow_actions_are_pinned_by_commit_sha() -> None:
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:- )?uses: (\S+)(.*)", line)
            if m is None or m[1].startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", m[1]), f"{path.name}: {m[1]} is not pinned by SHA"
            assert re.fullmatch(r"\s+# v\d+(\.\d+)*", m[2]), f"{path.name}: {m[1]} has no `# vX.Y.Z` comment"


def test_ci_runs_exactly_the_test_command() -> None:
    ci = _workflow("ci.yml")
    assert "bash .ci/run" in _run_lines(ci)
    assert ci["permissions"] == {"contents": "read"}


def test_release_workflow_builds_tests_pushes_pins_and_moves_the_major_tag() -> None:
    release = _workflow("release.yml")
    assert release[True] == {"push": {"tags": ["v*.*.*"]}}  # YAML 1.1 reads the key `on` as True
    assert release["permissions"] == {"contents": "read"}
    (job,) = release["jobs"].values()
    assert job["permissions"] == {"contents": "write", "packages": "write"}
    script = _run_lines(release)
    order = [
        'bash scripts/build-image.sh "$IMAGE:$VERSION" --pin',
        "bash .ci/run",
        'docker push "$IMAGE:$VERSION"',
        'python scripts/pin-image.py container/action.yml "$REFERENCE"',
        'git tag --force "$MAJOR"',
        "git push --force origin",
    ]
    positions = [script.index(step) for step in order]
    assert positions == sorted(positions), "build, test, push, pin, tag, push the tags: in that order"
    assert release["env"]["IMAGE"] == "ghcr.io/gobaseline/gobaseline"
    assert "CONTAINER_ENGINE=docker" in script  # the e2e tests run the same script with podman


def _pin(tmp_path: Path, text: str, reference: str) -> subprocess.CompletedProcess[str]:
    action = tmp_path / "action.yml"
    action.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "pin-image.py"), str(action), reference],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_pin_image_rewrites_the_one_image_line(tmp_path: Path) -> None:
    old, new = "sha256:" + "0" * 64, "sha256:" + "ab" * 32
    text = f"name: x\nruns:\n  using: docker\n  image: docker://ghcr.io/gobaseline/gobaseline@{old} # 0.1.0\n"
    done = _pin(tmp_path, text, f"ghcr.io/gobaseline/gobaseline@{new}")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "action.yml").read_text(encoding="utf-8") == text.replace(old, new)


@pytest.mark.parametrize(
    ("text", "reference", "said"),
    [
        ("runs:\n  image: Dockerfile\n", "ghcr.io/gobaseline/gobaseline@sha256:" + "a" * 64, "found 0"),
        (
            "image: docker://ghcr.io/gobaseline/gobaseline@sha256:" + "1" * 64 + "\n" * 2
            + "image: docker://ghcr.io/gobaseline/gobaseline@sha256:" + "2" * 64 + "\n",
            "ghcr.io/gobaseline/gobaseline@sha256:" + "a" * 64,
            "found 2",
        ),
        ("image: docker://ghcr.io/gobaseline/gobaseline@sha256:" + "1" * 64, "ghcr.io/gobaseline/gobaseline:1", "not"),
    ],
)  # fmt: skip
def test_pin_image_refuses_anything_but_one_line_and_a_digest(
    tmp_path: Path, text: str, reference: str, said: str
) -> None:
    done = _pin(tmp_path, text, reference)
    assert done.returncode == 3 and said in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert (tmp_path / "action.yml").read_text(encoding="utf-8") == text  # untouched


def test_dockerfile_names_its_bases_by_tag() -> None:
    """Tags, so the Dockerfile builds wherever they resolve (the e2e tests' local stand-ins included); releases
    pin them to registry digests at build time (`build-image.sh --pin`)."""
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    images = {m[1]: m[2] for line in lines if (m := re.fullmatch(r"ARG (\w+_IMAGE)=(\S+)", line))}
    assert images == {
        "GO_IMAGE": "docker.io/library/golang:1.27.3-bookworm",  # the Go of GO_VERSION
        "PYTHON_IMAGE": "docker.io/library/python:3.12-slim-bookworm",
    }
    assert "ARG GO_VERSION=1.27.3" in lines
    assert not any(DIGEST.search(line) for line in lines if not line.startswith("#"))
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert froms and all(f in ("${GO_IMAGE}", "${PYTHON_IMAGE}") for f in froms), froms
    assert froms[-1] == "${PYTHON_IMAGE}"  # the base the OCI base.name / base.digest labels describe


def test_the_image_installs_only_the_locked_files() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert (
        "install --compile --require-hashes --only-binary :all: \\\n        --requirement requirements/action.txt"
        in text
    )
    assert "install --compile --no-deps /wheels/gobaseline-*.whl" in text  # the package adds no dependency
    assert "bin/python check" in text
    assert "!requirements/action.txt" in (REPO / ".dockerignore").read_text(encoding="utf-8").split()


def _lock() -> dict[str, tuple[str, list[str]]]:
    entries: dict[str, tuple[str, list[str]]] = {}
    text = LOCK.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[a-z0-9])", "\n".join(x for x in text.splitlines() if not x.startswith("#"))):
        if not block.strip():
            continue
        head, *hashes = [part.strip() for part in block.split("\\")]
        name, _, version = head.partition("==")
        assert name and version, block
        assert hashes and all(re.fullmatch(r"--hash=" + DIGEST.pattern, h) for h in hashes), block
        assert name not in entries, f"{name} twice"
        entries[name] = (version, hashes)
    return entries


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_lock_matches_pyprojects_pins() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = _lock()
    assert list(lock) == sorted(lock) and all(name == _canonical(name) for name in lock)
    for dependency in project["dependencies"]:
        name, sep, version = dependency.partition("==")
        assert sep, f"pyproject.toml: {dependency} is not pinned with =="
        assert _canonical(name) in lock, f"{name} is missing from requirements/action.txt"
        assert lock[_canonical(name)][0] == version, (
            f"{name}: pyproject.toml {version}, lock {lock[_canonical(name)][0]}"
        )
    # The lock is closed: every requirement of a locked package that this venv has at the locked version is locked.
    from importlib import metadata

    from packaging.requirements import Requirement

    env = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux",
           "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "os_name": "posix", "extra": ""}  # fmt: skip
    for name, (version, _) in lock.items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if dist.version != version:
            continue
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate(env):
                assert _canonical(req.name) in lock, f"{name} needs {req.name}, which is not locked"


def test_versioning_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    versions = readme.split("\n## Versions\n", 1)[1].split("\n## ", 1)[0]
    for needle in ("vX.Y.Z", "v1", "@sha256:", "commit SHA", "release.yml", "CHANGELOG.md", "build-image.sh TAG --pin"):
        assert needle in versions, needle
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "requirements/action.txt" in changelog and "--fail-on policy" in changelog


def test_readme_names_the_pre_commit_hooks_by_their_ids() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    hooks = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))]
    for hook in hooks:
        assert f"`{hook}`" in readme, hook
    assert "gobaseline-check" not in readme
