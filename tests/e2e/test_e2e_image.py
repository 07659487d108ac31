"""The image built from our Dockerfile, run with podman the way GitHub runs a Docker action and pre-commit runs a
`docker_image` hook."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gobaseline.golang.gotool import Go
from tests.e2e.conftest import make_repo, run
from tests.support import authproxy
from tests.support.actions import parse_outputs
from tests.support.toolchains import isolated_go_env

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

RUNNER_UID = 1001  # GitHub's runner user owns the workspace; the action runs as root


def _action_env(tmp: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_REPOSITORY": "octo/hello",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_OUTPUT": "/github/file_commands/output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/summary",
        "HOME": "/github/home",
        "GOCACHE": "/gocache",
        "INPUT_WORKING-DIRECTORY": ".",
        "INPUT_TARGETS": "linux/amd64",
        "INPUT_OUTPUT-DIR": "reports",
        "INPUT_FAIL-ON": "",
        "INPUT_GITHUB-TOKEN": "",
        "INPUT_CHECK-RUN": "true",
        "INPUT_COMMIT-STATUS": "true",
        "INPUT_SARIF-UPLOAD": "true",
        "INPUT_SARIF-CATEGORY": "",
        "INPUT_ANNOTATIONS": "auto",
        "INPUT_SUMMARY": "true",
    }


def _podman_run(
    image: str,
    tmp: Path,
    repo: Path,
    env: dict[str, str],
    infra: dict[str, str],
    gocache: Path,
    extra: tuple[str, ...] = (),
):
    (tmp / "file_commands").mkdir(exist_ok=True)
    (tmp / "home").mkdir(exist_ok=True)
    argv = [
        "podman", "run", "--rm", "--workdir", "/github/workspace",
        "-v", f"{repo}:/github/workspace", "-v", f"{tmp / 'file_commands'}:/github/file_commands",
        "-v", f"{tmp / 'home'}:/github/home", "-v", f"{gocache}:/gocache", *extra,
    ]  # fmt: skip
    for k, v in env.items():
        argv += ["-e", f"{k}={v}"]
    return run([*argv, image], cwd=tmp, env=infra, timeout=600)


def test_action_on_example(image: str, infra: dict[str, str], gocache: Path, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", origin="https://github.com/octo/hello.git")
    os.chown(repo, RUNNER_UID, RUNNER_UID)
    ran = _podman_run(image, tmp_path, repo, _action_env(tmp_path), infra, gocache)
    print(f"action run: {ran.seconds:.1f} s\n{ran.output[-4000:]}")
    assert ran.returncode == 0, ran.output[-4000:]

    reports = repo / "reports"
    for name in ("report.json", "gobaseline.sarif", "gl-code-quality-report.json", "junit.xml", "summary.md"):
        assert (reports / name).is_file(), f"{name} missing: {sorted(p.name for p in reports.iterdir())}"
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] in ("pass", "warn")
    assert any(a["target"] == "linux/amd64" for a in report["artifacts"])

    outputs = parse_outputs((tmp_path / "file_commands" / "output").read_text(encoding="utf-8"))
    assert outputs["verdict"] == report["verdict"]
    assert outputs["report"] == "reports/report.json"  # relative: later steps run outside the container
    assert outputs["sarif"] == "reports/gobaseline.sarif"
    assert outputs["errors"] == "0"
    assert outputs["manifest"].endswith("manifest.json")
    assert (repo / outputs["manifest"]).is_file()
    assert "gobaseline" in (tmp_path / "file_commands" / "summary").read_text(encoding="utf-8")
    # Everything the root container wrote in the workspace belongs to the workspace's owner again.
    root_owned = [p for p in repo.rglob("*") if ".git" not in p.parts and p.lstat().st_uid != RUNNER_UID]
    assert [p for p in root_owned if p.relative_to(repo).parts[0] in ("reports", "gobaseline-out")] == []
    # No token: one notice, nothing posted, exit code unchanged.
    assert "::notice" in ran.output


def test_action_downloads_a_private_module_through_the_company_proxy(
    image: str, infra: dict[str, str], gocache: Path, tmp_path: Path
) -> None:
    """A fresh container with an empty module cache; the module needs a private module that only a proxy serves,
    over HTTPS with basic auth (on this machine's loopback: the container shares the host network). The job's
    .netrc in HOME and the certificate's file are mounted; GOPRIVATE keeps the module from the public checksum
    database, which the container could not reach anyway."""
    seed = Go.discover(environ=isolated_go_env(tmp_path / "seed", tmp_path / "seed-gocache"))
    proxy_dir, app = authproxy.private_consumer(seed, tmp_path / "company")
    files = {name: (app / name).read_text(encoding="utf-8") for name in authproxy.APP_FILES}
    repo = make_repo(tmp_path / "repo", origin="https://github.com/octo/app.git", extra=files)
    modcache = tmp_path / "modcache"
    modcache.mkdir()
    with authproxy.serve(proxy_dir, tmp_path / "tls") as proxy:
        (tmp_path / "home").mkdir()
        netrc = tmp_path / "home" / ".netrc"
        netrc.write_text(proxy.netrc(), encoding="utf-8")
        netrc.chmod(0o600)
        user = {k: v for k, v in proxy.go_env(None).items() if k not in ("NETRC", "SSL_CERT_FILE")}
        env = _action_env(tmp_path) | user | {"SSL_CERT_FILE": "/etc/corp/proxy.crt", "GOMODCACHE": "/gomodcache"}
        mounts = ("--network=host", "-v", f"{proxy.cert_file}:/etc/corp/proxy.crt:ro", "-v", f"{modcache}:/gomodcache")
        ran = _podman_run(image, tmp_path, repo, env, infra, gocache, mounts)
    print(f"action run: {ran.seconds:.1f} s\n{ran.output[-4000:]}")

    assert ran.returncode == 0, ran.output[-4000:]
    report = json.loads((repo / "reports" / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] in ("pass", "warn")
    assert not [f for f in report["findings"] if f["severity"] == "error"], report["findings"]
    assert [a["target"] for a in report["artifacts"]] == ["linux/amd64"]
    assert (modcache / "corp.example.com" / "private@v1.0.0" / "private.go").is_file()  # fetched in the container
    assert proxy.requests and all(authorized for _, authorized in proxy.requests)
    written = [p for d in ("reports", "gobaseline-out") for p in (repo / d).rglob("*") if p.is_file()]
    assert written
    assert authproxy.PASSWORD not in ran.output
    assert [p for p in written if authproxy.PASSWORD.encode() in p.read_bytes()] == []


def test_action_rejects_bad_input(image: str, infra: dict[str, str], gocache: Path, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", origin="https://github.com/octo/hello.git")
    env = _action_env(tmp_path) | {"INPUT_FAIL-ON": "sometimes", "INPUT_TARGETS": "linux"}
    ran = _podman_run(image, tmp_path, repo, env, infra, gocache)
    assert ran.returncode == 3, ran.output
    errors = [line for line in ran.output.splitlines() if line.startswith("::error ")]
    assert len(errors) == 2, ran.output
    assert any("fail-on" in e and "sometimes" in e for e in errors)
    assert any("targets" in e for e in errors)


def test_image_as_arbitrary_user(image: str, infra: dict[str, str], tmp_path: Path) -> None:
    """pre-commit's docker_image hook: `docker run -u UID:GID -v $PWD:/src -w /src IMAGE check`."""
    repo = make_repo(tmp_path / "repo", origin="https://github.com/octo/hello.git")
    for p in (repo, *repo.rglob("*")):
        os.lchown(p, 4321, 4321)
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    hook_args = hooks["gobaseline-docker"]["entry"].split()[1:]  # what pre-commit runs after the image name
    argv = ["podman", "run", "--rm", "-u", "4321:4321", "-v", f"{repo}:/src", "-w", "/src", image, *hook_args]
    ran = run(argv, cwd=tmp_path, env=infra, timeout=300)
    assert ran.returncode == 0, ran.output  # warnings only (this machine's single disk) do not block a commit
    assert "Permission denied" not in ran.output
    assert "gobaseline:" in ran.output
