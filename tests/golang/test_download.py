"""`go mod download`'s failures in the go command's own words, as printed by Go 1.21-1.27."""

from __future__ import annotations

from gobaseline.golang.download import failures
from gobaseline.golang.gotool import GoResult


def _res(stderr: str = "", stdout: str = "", code: int = 1) -> GoResult:
    return GoResult(("mod", "download", "-json"), code, stdout, stderr)


def test_success_names_nothing() -> None:
    assert failures([_res(code=0, stdout='{"Path": "example.com/a", "Version": "v1.0.0"}')]) == []


def test_graph_load_failures_on_stderr() -> None:
    (a, b, c) = failures(
        [
            _res(
                "go: example.com/a@v1.0.0: reading https://proxy.golang.org/example.com/a/@v/v1.0.0.mod: "
                "404 Not Found\n"
                "\tserver response: not found: example.com/a@v1.0.0: invalid version: unknown revision v1.0.0\n"
                "go: example.com/b@v1.2.0: reading https://proxy.example/b/@v/v1.2.0.mod: 410 Gone\n"
                "go: git.corp.example/c@v0.1.0: reading https://git.corp.example/c/@v/v0.1.0.info: 401 Unauthorized\n"
            )
        ]
    )
    assert (a.prefix, b.prefix, c.prefix) == (
        "example.com/a@v1.0.0",
        "example.com/b@v1.2.0",
        "git.corp.example/c@v0.1.0",
    )
    assert a.reason.endswith(
        "404 Not Found; server response: not found: example.com/a@v1.0.0: invalid version: unknown revision v1.0.0"
    )
    assert b.reason.endswith("410 Gone") and c.reason.endswith("401 Unauthorized")
    assert not any(f.checksum_mismatch for f in (a, b, c))
    assert (a.refused, b.refused, c.refused) == (False, False, True)


def test_a_server_that_wants_credentials_is_told_apart() -> None:
    forbidden, git = failures(
        [
            _res(
                "go: corp.example/a@v1.0.0: reading https://proxy.corp.example/corp.example/a/@v/v1.0.0.mod: "
                "403 Forbidden\n"
                "go: git.corp.example/b@v0.1.0: git ls-remote -q origin in $GOMODCACHE/cache/vcs/x: exit status 128:\n"
                "\tfatal: could not read Username for 'https://git.corp.example': terminal prompts disabled\n"
            )
        ]
    )
    assert forbidden.refused and git.refused


def test_checksum_mismatch_keeps_both_hashes_and_drops_the_lecture() -> None:
    (f,) = failures(
        [
            _res(
                "verifying example.com/a@v1.0.0: checksum mismatch\n"
                "\tdownloaded: h1:09waRB+wY7QRepiVxnsz0fHYM3A5Hlb1Ywmt+plXQyg=\n"
                "\tgo.sum:     h1:SGwDj/c5vUAVs9mu+IhFG43Lvjl4XKdx5H58dmIsxWo=\n"
                "\nSECURITY ERROR\nThis download does NOT match an earlier download recorded in go.sum.\n"
            )
        ]
    )
    assert f.checksum_mismatch and f.prefix == "example.com/a@v1.0.0"
    assert f.reason == (
        "checksum mismatch; downloaded: h1:09waRB+wY7QRepiVxnsz0fHYM3A5Hlb1Ywmt+plXQyg=; "
        "go.sum: h1:SGwDj/c5vUAVs9mu+IhFG43Lvjl4XKdx5H58dmIsxWo="
    )


def test_go_mod_checksum_mismatch_names_the_module() -> None:
    (f,) = failures([_res("verifying example.com/a@v1.0.0/go.mod: checksum mismatch\n\tdownloaded: h1:x\n")])
    assert f.prefix == "example.com/a@v1.0.0" and f.checksum_mismatch


def test_json_errors_once_per_module_across_calls() -> None:
    first = _res("go: example.com/b@v1.0.0: reading file:///p/example.com/b/@v/v1.0.0.mod: no such file or directory\n")
    second = _res(
        stdout='{"Path": "example.com/b", "Version": "v1.0.0", "Error": "example.com/b@v1.0.0: reading '
        'file:///p/example.com/b/@v/v1.0.0.info: no such file or directory"}\n'
        '{"Path": "example.com/c", "Version": "v1.0.0", "Error": "example.com/c@v1.0.0: reading '
        'file:///p/example.com/c/@v/v1.0.0.zip: no such file or directory"}\n'
        '{"Path": "example.com/d", "Version": "v1.0.0", "Zip": "/m/d.zip"}\n'
    )
    got = failures([first, second])
    assert [f.prefix for f in got] == ["example.com/b@v1.0.0", "example.com/c@v1.0.0"]
    assert got[0].reason.endswith("v1.0.0.mod: no such file or directory")  # the first word stands
    assert got[1].reason == "reading file:///p/example.com/c/@v/v1.0.0.zip: no such file or directory"


def test_a_failure_naming_no_module() -> None:
    assert failures([_res("go: errors parsing go.mod:\n./go.mod:7: unexpected newline\n")]) == []
