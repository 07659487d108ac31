"""Helpers shared by the tests: real Go toolchains, a file:// GOPROXY, contract-checked forge servers."""
