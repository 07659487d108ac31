#!/usr/bin/env bash
# Build the gobaseline image from the Dockerfile: the release workflow's build step (docker), and the image the
# end-to-end tests run (podman, tests/e2e/conftest.py).
#
#   bash scripts/build-image.sh TAG [--pin] [BUILD-OPTION...]   CONTAINER_ENGINE=docker|podman (default: docker, else podman)
#
# The image is labelled with the package version and the commit it was built from. --pin (needs the registry):
# the base images are resolved from their tags to registry digests and built from those, and the image is
# labelled with both (scripts/pin-bases.py: the engine's buildx, else skopeo). Without it, the Dockerfile's tags.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:?usage: scripts/build-image.sh TAG [--pin] [BUILD-OPTION...]}"
shift
engine="${CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v docker >/dev/null; then engine=docker; else engine=podman; fi
fi
pins=()
if [ "${1:-}" = --pin ]; then
  shift
  resolved="$(python3 scripts/pin-bases.py --engine "$engine" Dockerfile)"
  mapfile -t pins <<<"$resolved"
  printf 'base: %s\n' "${pins[@]}" >&2
fi
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
exec "$engine" build --tag "$tag" \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$revision" \
  "${pins[@]}" "$@" .
