"""The container image's entry point (the Dockerfile's ENTRYPOINT): everything is in `gobaseline.action`."""

from gobaseline.action import main

raise SystemExit(main())
