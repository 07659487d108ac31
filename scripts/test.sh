#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then lint, types and every test
# (the slow end-to-end ones included). The README's second command and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
"$venv/bin/python" -c 'import gobaseline, pytest, go' # fail here, not in the middle of the suite

# System tools for the end-to-end tests (podman, act, gitlab-ci-local); a no-op when already installed.
if [ -f tests/e2e/infra/setup.sh ]; then
  bash tests/e2e/infra/setup.sh
fi

export PATH="$PWD/$venv/bin:$PATH"
ruff check src tests bench entrypoint.py
ruff format --check src tests bench entrypoint.py
mypy

# pytest exits 5 when it collected no test: that is a failure here, not a pass.
set +e
python -m pytest --cov=gobaseline --cov-branch --cov-report=term "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "scripts/test.sh: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
