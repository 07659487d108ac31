"""The user's go env file (what `go env -w` writes): where the go command finds it, how it reads it, and a read
that a FIFO, a device or a huge file cannot turn into a hang or a full memory."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from gobaseline import safefs


def parse_env_file(text: str) -> dict[str, str]:
    """Parse a go env file the way the go command does: `NAME=value` lines, names starting A-Z, nothing trimmed."""
    out: dict[str, str] = {}
    for raw in text.split("\n"):
        line = raw.removesuffix("\r")
        if "=" not in line or not line or not ("A" <= line[0] <= "Z"):
            continue
        key, _, val = line.partition("=")
        out[key] = val
    return out


def user_env_file(environ: Mapping[str, str], platform: str = sys.platform) -> Path | None:
    """The file `go env -w` writes, as the go command finds it (GOENV, else Go's `os.UserConfigDir` on
    `platform`, a `sys.platform` value: %AppData% on Windows, ~/Library/Application Support on macOS, else
    $XDG_CONFIG_HOME or ~/.config; cmd/go's `cfg.EnvFile`), or None."""
    name = environ.get("GOENV", "")
    if name == "off":
        return None
    if name:
        return Path(name)
    home = environ.get("HOME", "")
    if platform == "win32":
        base = environ.get("APPDATA", "")
    elif platform == "darwin":
        base = f"{home}/Library/Application Support" if home else ""
    elif environ.get("XDG_CONFIG_HOME"):
        xdg = environ["XDG_CONFIG_HOME"]
        base = xdg if xdg.startswith("/") else ""  # Go refuses a relative one and reads no file
    else:
        base = f"{home}/.config" if home else ""
    return Path(base) / "go" / "env" if base else None


ENV_FILE_LIMIT = 1 << 20
"""The largest go env file read: `go env -w` writes a few lines."""


def read_env_file(path: Path | None) -> dict[str, str]:
    """The settings of the go env file at `path`, {} when there is none (the go command ignores a missing file).

    A FIFO, a device, a directory, a file over `ENV_FILE_LIMIT` or an unreadable one is refused (a
    FileAccessError naming it): the go command would hang on the first, exhaust memory on `/dev/zero`, and
    nothing it holds can be audited.
    """
    if path is None:
        return {}
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError:
        pass  # a loop or no permission: the read below refuses it with a line naming the file and why
    data = safefs.read_bytes(path, limit=ENV_FILE_LIMIT, what="go env file (GOENV)")
    return parse_env_file(data.decode("utf-8", errors="replace"))
