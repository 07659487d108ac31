"""gobaseline: a build gate for Go repositories."""

__version__ = "0.1.0"
