"""Base image pinning at build time: scripts/pin-bases.py reading the registry's answers, scripts/build-image.sh
--pin building from them, and the release workflow's build step recording them for the release notes.

No registry is reachable here: `docker` and `skopeo` are stand-ins that answer with JSON in the shape the real
tools print (`docker buildx imagetools inspect --format '{{json .Manifest}}'`: the index, its `digest` beside
the per-platform manifests; `skopeo inspect`: `Digest` beside the layers' digests). The digests are made up."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
GO = "docker.io/library/golang:1.27.3-bookworm"
PYTHON = "docker.io/library/python:3.12-slim-bookworm"


def _digest(what: str) -> str:
    return "sha256:" + hashlib.sha256(what.encode()).hexdigest()


def _imagetools(ref: str) -> str:
    """What `docker buildx imagetools inspect --format '{{json .Manifest}}' REF` prints for a multi-platform tag."""
    platform = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 2324}
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": _digest(ref + " index"),
        "size": 10145,
        "manifests": [
            {**platform, "digest": _digest(ref + " amd64"), "platform": {"architecture": "amd64", "os": "linux"}},
            {**platform, "digest": _digest(ref + " arm64"),
             "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            {**platform, "digest": _digest(ref + " attestation"), "size": 841,
             "annotations": {"vnd.docker.reference.digest": _digest(ref + " amd64"),
                             "vnd.docker.reference.type": "attestation-manifest"},
             "platform": {"architecture": "unknown", "os": "unknown"}},
        ],
    }, indent=2)  # fmt: skip


def _skopeo(ref: str) -> str:
    """What `skopeo inspect --no-tags docker://REF` prints: the digest of what the tag names, then this platform's
    image."""
    layer = _digest(ref + " layer")
    return json.dumps({
        "Name": ref.rsplit(":", 1)[0],
        "Digest": _digest(ref + " index"),
        "RepoTags": [],
        "Created": "2026-01-13T02:14:58Z",
        "DockerVersion": "",
        "Labels": None,
        "Architecture": "amd64",
        "Os": "linux",
        "Layers": [layer],
        "LayersData": [{"MIMEType": "application/vnd.oci.image.layer.v1.tar+gzip", "Digest": layer, "Size": 28230,
                        "Annotations": None}],
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    }, indent=4)  # fmt: skip


# The stand-in for `docker` and `skopeo`: answers from $FAKE_STATE/answers.json, logs every call, and for
# `docker build` keeps the labels, which `docker image inspect --format` then renders.
FAKE = r"""#!{python}
import json, os, re, sys
from pathlib import Path

state, tool, args = Path(os.environ["FAKE_STATE"]), Path(sys.argv[0]).name, sys.argv[1:]
with (state / "calls").open("a") as log:
    log.write(json.dumps([tool, *args]) + "\n")
if args[:2] == ["buildx", "version"]:
    sys.exit(0 if os.environ.get("FAKE_BUILDX") == "1" else 1)
if args[:3] == ["buildx", "imagetools", "inspect"] or args[:1] == ["inspect"]:
    answer = json.loads((state / "answers.json").read_text())[tool].get(args[-1].removeprefix("docker://"))
    if answer is None:
        sys.exit(f"ERROR: {args[-1]}: not found")
    print(answer)
    sys.exit(0)
if args[:1] == ["build"]:
    labels = [v for k, v in zip(["", *args], args) if k == "--label"]
    labels += [a.removeprefix("--label=") for a in args if a.startswith("--label=")]
    (state / "labels.json").write_text(json.dumps(dict(x.split("=", 1) for x in labels)))
    sys.exit(0)
if args[:3] == ["image", "inspect", "--format"]:
    labels = json.loads((state / "labels.json").read_text())
    print(re.sub(r'{{index \.Config\.Labels "([^"]+)"}}', lambda m: labels.get(m[1], "<no value>"), args[3]))
    sys.exit(0)
sys.exit(f"fake {tool}: unexpected {args}")
"""


@pytest.fixture
def fake(tmp_path: Path) -> dict[str, str]:
    """The environment that puts the stand-ins first on PATH, with both tools' answers for both bases."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("docker", "skopeo"):
        (bin_dir / tool).write_text(FAKE.replace("{python}", sys.executable), encoding="utf-8")
        (bin_dir / tool).chmod(0o755)
    answers = {"docker": {r: _imagetools(r) for r in (GO, PYTHON)}, "skopeo": {r: _skopeo(r) for r in (GO, PYTHON)}}
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    path = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, "PATH": path, "FAKE_STATE": str(tmp_path), "FAKE_BUILDX": "1"}


def _calls(env: dict[str, str]) -> list[list[str]]:
    calls = Path(env["FAKE_STATE"]) / "calls"
    return [json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines()] if calls.exists() else []


def _build(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "build-image.sh"), "gobaseline:test", *args],
        cwd=REPO, env={**env, "CONTAINER_ENGINE": "docker"}, capture_output=True, text=True, check=False,
        timeout=60,
    )  # fmt: skip


def _pin_bases() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pin_bases", REPO / "scripts" / "pin-bases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pinned(ref: str) -> list[str]:
    repository, _ = ref.rsplit(":", 1)
    name = "GO" if "golang" in ref else "PYTHON"
    label = "io.github.gobaseline.go-image" if name == "GO" else "org.opencontainers.image.base"
    digest = _digest(ref + " index")
    return [f"--build-arg={name}_IMAGE={repository}@{digest}", f"--label={label}.name={ref}",
            f"--label={label}.digest={digest}"]  # fmt: skip


@pytest.mark.parametrize("answer", [_imagetools, _skopeo])
def test_the_digest_is_the_tags_own_not_a_platforms_or_a_layers(answer: Any) -> None:
    assert _pin_bases().digest_of(answer(GO)) == _digest(GO + " index")


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("Name: docker.io/library/golang:1.27.3-bookworm\nDigest: sha256:" + "a" * 64, "not JSON"),
        ('{"schemaVersion": 2, "manifests": []}', "no sha256 digest (got None)"),
        ('{"digest": "sha256:abc"}', "no sha256 digest"),
        ('["sha256:' + "a" * 64 + '"]', "no sha256 digest"),
    ],
)
def test_an_answer_without_a_digest_is_refused(answer: str, said: str) -> None:
    with pytest.raises(ValueError, match=said.replace("(", r"\(").replace(")", r"\)")):
        _pin_bases().digest_of(answer)


def test_build_image_pin_builds_from_the_digests_buildx_resolved(fake: dict[str, str]) -> None:
    done = _build(fake, "--pin", "--quiet")
    assert done.returncode == 0, done.stderr
    *_, build = _calls(fake)
    assert build[:3] == ["docker", "build", "--tag"] and build[-2:] == ["--quiet", "."]
    assert [o for o in build if o.startswith(("--build-arg", "--label="))] == _pinned(GO) + _pinned(PYTHON)
    inspected = [c[-1] for c in _calls(fake) if c[1:4] == ["buildx", "imagetools", "inspect"]]
    assert inspected == [GO, PYTHON] and not any(c[0] == "skopeo" for c in _calls(fake))


def test_build_image_pin_asks_skopeo_when_the_engine_has_no_buildx(fake: dict[str, str]) -> None:
    done = _build({**fake, "FAKE_BUILDX": "0"}, "--pin")
    assert done.returncode == 0, done.stderr
    assert [c for c in _calls(fake) if c[0] == "skopeo"] == [
        ["skopeo", "inspect", "--no-tags", f"docker://{GO}"],
        ["skopeo", "inspect", "--no-tags", f"docker://{PYTHON}"],
    ]
    assert [o for o in _calls(fake)[-1] if o.startswith("--build-arg")] == [_pinned(GO)[0], _pinned(PYTHON)[0]]


def test_build_image_without_pin_builds_the_dockerfiles_tags(fake: dict[str, str]) -> None:
    done = _build(fake, "--quiet")
    assert done.returncode == 0, done.stderr
    (build,) = _calls(fake)  # nothing asked a registry
    assert not any(o.startswith("--build-arg") for o in build) and build[-2:] == ["--quiet", "."]


def test_build_image_pin_fails_closed_when_a_tag_does_not_resolve(fake: dict[str, str]) -> None:
    answers = Path(fake["FAKE_STATE"]) / "answers.json"
    loaded = json.loads(answers.read_text(encoding="utf-8"))
    del loaded["docker"][PYTHON]
    answers.write_text(json.dumps(loaded), encoding="utf-8")
    done = _build(fake, "--pin")
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        f"pin-bases: error: Dockerfile: docker buildx imagetools {PYTHON} exited 1: ERROR: {PYTHON}: not found"
    ]
    assert not any(c[1] == "build" for c in _calls(fake))  # nothing was built from a tag


def _step(name: str) -> str:
    release = yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    (job,) = release["jobs"].values()
    (step,) = [s for s in job["steps"] if s.get("name") == name]
    run: str = step["run"]
    return run


def test_the_release_build_step_pins_and_hands_the_bases_to_the_release_notes(
    fake: dict[str, str], tmp_path: Path
) -> None:
    github_env = tmp_path / "github_env"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _step("Build the image")],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=60,
        env={**fake, "IMAGE": "ghcr.io/gobaseline/gobaseline", "VERSION": "1.2.3", "GITHUB_ENV": str(github_env)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert github_env.read_text(encoding="utf-8").splitlines() == [
        f"GO_BASE={GO}@{_digest(GO + ' index')}",
        f"PYTHON_BASE={PYTHON}@{_digest(PYTHON + ' index')}",
    ]
    notes = _step("GitHub release")
    assert "$REFERENCE" in notes and "$GO_BASE" in notes and "$PYTHON_BASE" in notes


def test_the_release_build_step_fails_when_the_image_records_no_pinned_base(
    fake: dict[str, str], tmp_path: Path
) -> None:
    step = _step("Build the image").replace(" --pin\n", "\n", 1)  # a build from the tags: no base labels
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=60,
        env={**fake, "IMAGE": "ghcr.io/gobaseline/gobaseline", "VERSION": "1.2.3",
             "GITHUB_ENV": str(tmp_path / "github_env")},
    )  # fmt: skip
    assert done.returncode == 1 and "::error::the image records no pinned base (<no value>@<no value>)" in done.stdout


def test_build_image_pin_says_so_when_no_registry_client_runs(fake: dict[str, str]) -> None:
    (Path(fake["FAKE_STATE"]) / "bin" / "skopeo").unlink()
    path = os.pathsep.join(p for p in fake["PATH"].split(os.pathsep) if not (Path(p) / "skopeo").exists())
    done = _build({**fake, "FAKE_BUILDX": "0", "PATH": path}, "--pin")
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        "pin-bases: error: Dockerfile: no registry client: `docker buildx` does not run and skopeo is not on PATH"
    ]
