"""`python -m gobaseline`: the command line, for when the `gobaseline` script is not on PATH (GOCACHEPROG)."""

import sys

from gobaseline.cli import main

sys.exit(main())
