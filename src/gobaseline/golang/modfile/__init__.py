"""A go.mod parser that keeps the exact line and column of every directive.

It follows the go command's own parser (golang.org/x/mod/modfile, `read.go` and `rule.go`, as vendored in
Go 1.27) token for token, so that it accepts and rejects the same files as `go mod edit -json` and reads them
the same way:

- `//` comments only (`/* */` is an error); a comment alone on its line belongs to the next line when no blank
  line separates them; a comment after tokens belongs to the line it ends (`// indirect`, retract rationales).
- Directives `module`, `go`, `toolchain`, `godebug`, `require`, `exclude`, `replace`, `retract`, `tool` and
  `ignore`, one per line or grouped in a `verb ( ... )` block (`go` and `toolchain` have no block form).
- Interpreted strings `"..."` with Go escapes are unquoted. Raw strings `` `...` `` are read as one token, as
  the go command does, and then rejected in every directive ("unquoted string cannot contain quote"), as the
  go command rejects them.
- Versions of `require`, `exclude` and `replace` are made canonical (`v1.2` -> `v1.2.0`, build metadata
  dropped except `+incompatible`) and must match the module path's major version suffix; `retract` versions
  are kept as written, as `go mod edit` keeps them.
- CRLF line endings are accepted; columns count characters (runes), starting at 1.

Deliberate differences: the file must be valid UTF-8 (the go command would carry invalid bytes into module
paths that no later step accepts), and the set of printable characters comes from Python's Unicode database,
which may lag the go command's by a Unicode version.

Every parse error raises `GoModError` with the file and line; nothing else escapes `parse`.
"""

from __future__ import annotations

from gobaseline.golang.modfile.model import (
    Comment,
    Exclude,
    Godebug,
    GoDirective,
    GoMod,
    Ignore,
    Module,
    Replace,
    Require,
    Retract,
    Tool,
    ToolchainDirective,
    is_directory_path,
)
from gobaseline.golang.modfile.parser import load, parse, to_edit_json
from gobaseline.golang.modfile.versions import canonical_version

__all__ = [
    "Comment",
    "Exclude",
    "GoDirective",
    "GoMod",
    "Godebug",
    "Ignore",
    "Module",
    "Replace",
    "Require",
    "Retract",
    "Tool",
    "ToolchainDirective",
    "canonical_version",
    "is_directory_path",
    "load",
    "parse",
    "to_edit_json",
]
