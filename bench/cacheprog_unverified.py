"""`gobaseline cacheprog` with its verification switched off, for bench_cacheprog.py only: what the protocol costs.

    python -I -S bench/cacheprog_unverified.py SRC --dir DIR --pool POOL

The same program (start-up, request loop, private layer) except that a pool object is handed to Go at its pool
path without being hashed or pinned: the difference to the verified run is what verification costs, the rest is
the round trips with the go command. Never use it for a build.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, sys.argv[1])

from gobaseline.golang import cacheprog
from gobaseline.golang.cachelayer import Layer


class Unverified(cacheprog.VerifiedCache):
    def _pin(self, pool: Layer, output: str) -> cacheprog.Outcome:
        path = pool.object_path(output)
        return path, os.stat(path).st_size  # noqa: PTH116 (as the real program: no pathlib at start-up)


cacheprog.VerifiedCache = Unverified  # type: ignore[misc]
sys.exit(cacheprog.main(sys.argv[2:]))
