"""`python -m gobaseline.action`: the composite action's last step (action.yml), the same code as the image's."""

from gobaseline.action import main

raise SystemExit(main())
