"""Readers of Go binaries (ELF, PE, Mach-O, build info): facts from the bytes, no policy."""
