#!/usr/bin/env python3
"""Point the container action at a pushed image digest: the release workflow's step after `docker push`.

    python scripts/pin-image.py container/action.yml ghcr.io/gobaseline/gobaseline@sha256:<64 hex digits>

The action file must have exactly one `image: docker://<repository>@sha256:...` line for that repository; it is
rewritten in place and nothing else changes. Anything else is one error line and exit 3.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REFERENCE = re.compile(r"(?P<repository>[a-z0-9][a-z0-9._/-]*[a-z0-9])@(?P<digest>sha256:[0-9a-f]{64})")


def pin(text: str, reference: str) -> str:
    """`text` with its one image line for the reference's repository pointing at the reference."""
    m = REFERENCE.fullmatch(reference)
    if m is None:
        raise ValueError(f"{reference!r} is not REPOSITORY@sha256:<64 hex digits>")
    line = re.compile(
        rf"^(?P<lead>[ \t]*image:[ \t]*)(?P<q>['\"]?)docker://{re.escape(m['repository'])}@sha256:[0-9a-f]{{64}}(?P=q)"
        r"(?P<tail>[ \t]*(#.*)?)$",
        re.MULTILINE,
    )
    found = line.findall(text)
    if len(found) != 1:
        raise ValueError(f"expected one `image: docker://{m['repository']}@sha256:...` line, found {len(found)}")
    return line.sub(lambda x: f"{x['lead']}{x['q']}docker://{reference}{x['q']}{x['tail']}", text)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: pin-image.py ACTION_YML REPOSITORY@sha256:DIGEST\n")
        return 3
    path = Path(argv[0])
    try:
        path.write_text(pin(path.read_text(encoding="utf-8"), argv[1]), encoding="utf-8")
    except (OSError, ValueError) as e:
        sys.stderr.write(f"pin-image: error: {path}: {e}\n")
        return 3
    sys.stdout.write(f"{path}: docker://{argv[1]}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
