"""Build information read from a Go binary's own bytes, checked against `go version -m`."""

from __future__ import annotations

from pathlib import Path

from gobaseline.binaries import buildinfo
from gobaseline.golang.gotool import Go
from tests.support.toolchains import gobuild


def test_build_info_read_from_the_file_matches_go_version_m(tmp_path: Path, go: Go) -> None:
    binary = gobuild(go, tmp_path)
    ours = buildinfo.parse_inline(binary.read_bytes())
    theirs = buildinfo.parse_go_version_m(go.build_info(binary).stdout)
    assert ours is not None and ours == theirs
    assert ours.settings["-buildmode"] == "pie" and ours.settings["CGO_ENABLED"] == "0"
    assert ours.path == "example.com/fixture" and ours.target == "linux/amd64"
