#!/usr/bin/env python3
"""Make a Debian root filesystem trust the CAs the host trusts but Debian does not.

Usage (as an mmdebstrap --customize-hook, after ca-certificates is installed):
    python3 host_cas.py ROOTFS [HOST_BUNDLE]

On this machine HTTPS to PyPI goes through an egress proxy whose CA is appended
to the host's /etc/ssl/certs/ca-certificates.crt. A container with Debian's own
bundle gets "CERTIFICATE_VERIFY_FAILED ... self-signed certificate in
certificate chain" from pip. Each host certificate that is missing from the
rootfs bundle is written to ROOTFS/usr/local/share/ca-certificates/ so that
`update-ca-certificates` (run next by the caller, and by any later apt install
of ca-certificates inside a Dockerfile) keeps it. Prints how many were added.
On a machine without such a proxy this adds nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def _certs(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [" ".join(c.split()) for c in PEM.findall(path.read_text(errors="replace"))]


def main(argv: list[str]) -> int:
    rootfs = Path(argv[1])
    host_bundle = Path(argv[2] if len(argv) > 2 else "/etc/ssl/certs/ca-certificates.crt")
    raw_host = PEM.findall(host_bundle.read_text(errors="replace")) if host_bundle.is_file() else []
    image = set(_certs(rootfs / "etc/ssl/certs/ca-certificates.crt"))
    dest = rootfs / "usr/local/share/ca-certificates"
    dest.mkdir(parents=True, exist_ok=True)
    added = 0
    for cert in raw_host:
        if " ".join(cert.split()) in image:
            continue
        added += 1
        (dest / f"gobaseline-e2e-host-{added}.crt").write_text(cert + "\n")
    print(f"host_cas: added {added} host CA certificate(s) to {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
