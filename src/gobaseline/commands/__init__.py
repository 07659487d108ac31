"""The verbs of the command line, one module each, each with a frozen `Options` and `run(Options) -> ExitCode`.

`cli.py` turns arguments into the options; the action (`gobaseline.action`) builds `run.Options` itself.
"""
