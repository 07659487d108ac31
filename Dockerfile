# gobaseline as a container image: the GitHub Docker action (action.yml), the pre-commit `docker_image` hook and
# the image of the GitLab template all run this.
#
#   docker build -t gobaseline .
#   docker run --rm -v "$PWD:/src" -w /src gobaseline check      # any gobaseline command
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/src" -w /src gobaseline check
#
# Stages: `go` is the official Go image (only its GOROOT is used), `builder` installs the locked dependencies
# and the package, built as a wheel, into a venv, `git` provides the git binary; the final stage is the slim
# Python image plus /usr/local/go, that venv and /usr/bin/git. No compiler, wheel, apt list or build-only Python
# package is left in the final image.
#
# The base images are named by tag here, so the Dockerfile builds anywhere the tags resolve. Releases pin them:
# `scripts/build-image.sh TAG --pin` (the release workflow's build) resolves each tag to its registry digest
# (scripts/pin-bases.py), builds with `--build-arg GO_IMAGE=docker.io/library/golang@sha256:...` and the like,
# and records tag and digest as labels (`org.opencontainers.image.base.name` / `.base.digest` for the Python
# base, `io.github.gobaseline.go-image.name` / `.digest` for Go). A build of your own pins the same way, or by
# passing those `--build-arg`s. A new Go release changes GO_VERSION and the Go tag together. The Python
# dependencies are pinned with hashes in requirements/action.txt (scripts/lock-requirements.py writes it from
# pyproject.toml's pins).
ARG GO_VERSION=1.27.3
ARG GO_IMAGE=docker.io/library/golang:1.27.3-bookworm
ARG PYTHON_IMAGE=docker.io/library/python:3.12-slim-bookworm

FROM ${GO_IMAGE} AS go

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# The venv has no pip of its own: the base image's pip installs into it (`pip --python`). Every file pip
# installs here is one of the lock's hashes: nothing is resolved at build time.
COPY requirements/action.txt ./requirements/action.txt
RUN python -m venv --without-pip /opt/gobaseline \
    && pip --python /opt/gobaseline/bin/python install --compile --require-hashes --only-binary :all: \
        --requirement requirements/action.txt
COPY pyproject.toml README.md ./
COPY src ./src
# The package itself, without dependencies (they are all in the venv already; `pip check` says so).
# setuptools and pbr come in only as sarif-om's install requirement: nothing imports them at run time.
# cryptography (16 MB) comes in through PyGithub's pyjwt[crypto], for GitHub App (JWT) authentication only;
# gobaseline authenticates with a token, and PyGithub imports it lazily (the act end-to-end test posts with it gone).
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && pip --python /opt/gobaseline/bin/python install --compile --no-deps /wheels/gobaseline-*.whl \
    && pip --python /opt/gobaseline/bin/python check \
    && pip --python /opt/gobaseline/bin/python uninstall -y setuptools pbr cryptography \
    && /opt/gobaseline/bin/gobaseline --version \
    && /opt/gobaseline/bin/python -c "import gobaseline.action, gobaseline.pipeline, gobaseline.forges, sarif_om, github, gitlab"

# Only the git binary is taken from this stage: everything go and gobaseline ask git (status, log, rev-parse,
# config) is built into it, and it needs only libc, zlib and pcre2, which the slim image has. The rest of the
# package (perl, curl, remote helpers: about 110 MB) is not needed here.
FROM ${PYTHON_IMAGE} AS git
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

FROM ${PYTHON_IMAGE}
ARG GO_VERSION
LABEL org.opencontainers.image.title="gobaseline" \
      org.opencontainers.image.description="A build gate for Go repositories: toolchain, module cache and output admission, go.mod policy, hardened builds verified from the binaries." \
      org.opencontainers.image.source="https://github.com/gobaseline/gobaseline" \
      org.opencontainers.image.url="https://github.com/gobaseline/gobaseline" \
      org.opencontainers.image.documentation="https://github.com/gobaseline/gobaseline/blob/main/docs/github.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="gobaseline" \
      io.github.gobaseline.go-version="${GO_VERSION}"

COPY --from=go /usr/local/go /usr/local/go
# git: `go build` stamps VCS information with it and gobaseline finds the repository root with it. The version
# follows Debian bookworm's git (security updates with each rebuild), so it is not pinned (DL3008 above).
COPY --from=git /usr/bin/git /usr/bin/git
COPY --from=git /usr/share/doc/git/copyright /usr/share/doc/git/copyright
COPY --from=builder /opt/gobaseline /opt/gobaseline
# entrypoint.py only calls gobaseline.action.main: the action and the command mode are in the package.
COPY entrypoint.py /opt/gobaseline/entrypoint.py

# GOTOOLCHAIN=local: never download another toolchain. HOME, GOCACHE and GOMODCACHE are not set here: the
# entrypoint moves them under /tmp when they are not writable (an arbitrary `--user`), and GitHub sets HOME.
ENV PATH=/opt/gobaseline/bin:/usr/local/go/bin:$PATH \
    GOTOOLCHAIN=local \
    GOLANG_VERSION=${GO_VERSION} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8

# Runs as root: GitHub's Docker actions require it (the workspace and the runner's files are mounted as root).
# The entrypoint hands the files it writes back to the workspace's owner, and works under any uid.
ENTRYPOINT ["/opt/gobaseline/bin/python", "/opt/gobaseline/entrypoint.py"]
