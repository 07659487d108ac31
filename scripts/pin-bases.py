#!/usr/bin/env python3
"""Resolve the Dockerfile's base image tags to registry digests: `scripts/build-image.sh TAG --pin` runs this.

    python scripts/pin-bases.py [--engine docker] [Dockerfile]

Each `ARG NAME_IMAGE=REPOSITORY:TAG` default is looked up in its registry, with `ENGINE buildx imagetools
inspect --format '{{json .Manifest}}'` when the engine has buildx (GitHub's runners), else `skopeo inspect`.
The digest is that of what the tag names, a multi-platform index included. Printed, one build option a line:

    --build-arg=GO_IMAGE=docker.io/library/golang@sha256:...
    --label=io.github.gobaseline.go-image.name=docker.io/library/golang:1.27.3-bookworm
    --label=io.github.gobaseline.go-image.digest=sha256:...

The final stage's base gets the OCI labels `org.opencontainers.image.base.name` / `.base.digest` instead.
A tag that does not resolve, or an answer without a sha256 digest, is one error line and exit 3.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ARG = re.compile(r"^ARG (?P<name>\w+)_IMAGE=(?P<repository>[a-z0-9][a-z0-9._/-]*):(?P<tag>[\w][\w.-]*)$", re.MULTILINE)
FROM = re.compile(r"^FROM \$\{(?P<name>\w+)_IMAGE\}", re.MULTILINE)
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def bases(dockerfile: str) -> tuple[dict[str, tuple[str, str]], str]:
    """The `NAME_IMAGE` ARG defaults as {NAME: (repository, tag)}, and the NAME the final stage is built on."""
    found = {m["name"]: (m["repository"], m["tag"]) for m in ARG.finditer(dockerfile)}
    froms = [m["name"] for m in FROM.finditer(dockerfile)]
    if not found or not froms or froms[-1] not in found:
        raise ValueError("expected `ARG NAME_IMAGE=REPOSITORY:TAG` defaults and a last `FROM ${NAME_IMAGE}`")
    return found, froms[-1]


def digest_of(answer: str) -> str:
    """The digest in an answer of `buildx imagetools inspect --format '{{json .Manifest}}'` (`digest`) or of
    `skopeo inspect` (`Digest`)."""
    try:
        loaded = json.loads(answer)
    except json.JSONDecodeError as e:
        raise ValueError(f"the answer is not JSON ({e.msg})") from None
    digest = loaded.get("digest", loaded.get("Digest")) if isinstance(loaded, dict) else None
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise ValueError(f"the answer has no sha256 digest (got {digest!r})")
    return digest


def _ask(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)


def lookup_command(engine: str) -> list[str]:
    """The command that answers for a reference: the engine's buildx when it has one, else skopeo."""
    try:
        if _ask([engine, "buildx", "version"]).returncode == 0:
            return [engine, "buildx", "imagetools", "inspect", "--format", "{{json .Manifest}}"]
    except OSError:
        pass
    if shutil.which("skopeo") is None:
        raise ValueError(f"no registry client: `{engine} buildx` does not run and skopeo is not on PATH")
    return ["skopeo", "inspect", "--no-tags"]


def resolve(reference: str, command: list[str]) -> str:
    """The registry digest of `reference` (REPOSITORY:TAG)."""
    argv = [*command, f"docker://{reference}" if command[0] == "skopeo" else reference]
    try:
        done = _ask(argv)
    except OSError as e:
        raise ValueError(f"{argv[0]}: {e.strerror}") from None
    except subprocess.TimeoutExpired:
        raise ValueError(f"{' '.join(command[:3])} {reference}: no answer in 300 s") from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ValueError(f"{' '.join(command[:3])} {reference} exited {done.returncode}: {said}")
    return digest_of(done.stdout)


def build_options(dockerfile: str, look_up: list[str]) -> list[str]:
    found, final = bases(dockerfile)
    options = []
    for name, (repository, tag) in found.items():
        digest = resolve(f"{repository}:{tag}", look_up)
        label = "org.opencontainers.image.base" if name == final else f"io.github.gobaseline.{name.lower()}-image"
        options += [
            f"--build-arg={name}_IMAGE={repository}@{digest}",
            f"--label={label}.name={repository}:{tag}",
            f"--label={label}.digest={digest}",
        ]
    return options


def main(argv: list[str]) -> int:
    engine = "docker"
    if argv[:1] == ["--engine"] and len(argv) >= 2:
        engine, argv = argv[1], argv[2:]
    if len(argv) > 1 or any(a.startswith("-") for a in argv):
        sys.stderr.write("usage: pin-bases.py [--engine ENGINE] [DOCKERFILE]\n")
        return 3
    path = Path(argv[0] if argv else "Dockerfile")
    try:
        options = build_options(path.read_text(encoding="utf-8"), lookup_command(engine))
    except (OSError, ValueError) as e:
        sys.stderr.write(f"pin-bases: error: {path}: {e}\n")
        return 3
    sys.stdout.write("".join(f"{option}\n" for option in options))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
