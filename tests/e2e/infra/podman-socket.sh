#!/usr/bin/env bash
# Start / stop a Docker-compatible podman API socket in a directory.
#
#   eval "$(bash tests/e2e/infra/podman-socket.sh start /tmp/gbl-sock)"   # exports DOCKER_HOST
#   ... act / docker clients use $DOCKER_HOST ...
#   bash tests/e2e/infra/podman-socket.sh stop /tmp/gbl-sock
#
# DIR defaults to a new mktemp dir (printed). The service runs with the
# containers.conf / storage.conf written by setup.sh; its log is DIR/podman-service.log
# and its pid DIR/podman-service.pid. Keep DIR short: AF_UNIX paths max 107 bytes.
set -euo pipefail
E2E_HOME="${GOBASELINE_E2E_HOME:-/var/tmp/gobaseline-e2e}"
# shellcheck disable=SC1091
. "$E2E_HOME/env.sh"

cmd="${1:-}"; dir="${2:-}"
case "$cmd" in
  start)
    [ -n "$dir" ] || dir="$(mktemp -d /tmp/gbl-podman-XXXXXX)"
    mkdir -p "$dir"
    sock="$dir/podman.sock"
    if [ -f "$dir/podman-service.pid" ] && kill -0 "$(cat "$dir/podman-service.pid")" 2>/dev/null; then
      echo "export DOCKER_HOST=unix://$sock"; exit 0
    fi
    rm -f "$sock"
    setsid podman system service --time=0 "unix://$sock" </dev/null >"$dir/podman-service.log" 2>&1 &
    echo $! >"$dir/podman-service.pid"
    for _ in $(seq 1 300); do
      if curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then
        echo "export DOCKER_HOST=unix://$sock"; exit 0
      fi
      kill -0 "$(cat "$dir/podman-service.pid")" 2>/dev/null || break
      sleep 0.1
    done
    echo "podman system service failed to start:" >&2; cat "$dir/podman-service.log" >&2; exit 1
    ;;
  stop)
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    if [ -f "$dir/podman-service.pid" ]; then
      pid="$(cat "$dir/podman-service.pid")"
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$dir/podman-service.pid" "$dir/podman.sock"
    fi
    ;;
  *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
