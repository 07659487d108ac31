"""What a renderer may be told besides the report itself, and the places findings without a location go."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gobaseline.model import Finding, Location

SourceReader = Callable[[str], "str | None"]
"""Text of a file, given its path relative to the repository root; None when it cannot be read."""

GITHUB_STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub refuses a step summary larger than 1 MiB."""


@dataclass(frozen=True)
class RenderOptions:
    """Settings shared by the renderers. Every renderer is a pure function of the report and these options."""

    sarif_category: str = "gobaseline"
    """Code scanning category: `runAutomationDetails.id` is `<category>/` (one per analysis)."""
    fallback_path: str = "go.mod"
    """Where findings without a location are placed (line 1), relative to the repository root."""
    summary_limit_bytes: int = GITHUB_STEP_SUMMARY_LIMIT - 16 * 1024
    """The Markdown summary is cut (with an explicit note) to stay below this many UTF-8 bytes."""
    source_reader: SourceReader | None = None
    """Reads repository files for SARIF `primaryLocationLineHash`; None leaves that fingerprint out."""
    sarif_max_results: int = 25_000
    """GitHub code scanning accepts at most 25,000 results per run."""
    sarif_max_gzip_bytes: int = 10_000_000
    """GitHub code scanning refuses SARIF files larger than 10 MB gzipped."""
    blob_url: str = ""
    """Where repository files are shown on the forge at the commit checked, ending in `/` (`gobaseline.forges`
    builds it: `https://github.com/OWNER/REPO/blob/SHA/`, `https://gitlab.example/GROUP/PROJECT/-/blob/SHA/`);
    the summary links `PATH#LLINE` to it. Empty: no links."""

    def place(self, finding: Finding) -> Location:
        """The finding's location, or the fallback file at line 1 for findings about the machine."""
        return finding.location if finding.location is not None else Location(self.fallback_path, 1)

    def place_in_file(self, finding: Finding) -> Location:
        """As `place`, but a place that is not a readable file (a directory, a path outside the repository) also
        goes to the fallback: code scanning and check-run annotations can only show files."""
        loc = self.place(finding)
        if loc.line is None and self.source_reader is not None and self.source_reader(loc.path) is None:
            return Location(self.fallback_path, 1)
        return loc


def sources_under(root: Path) -> SourceReader:
    """A `source_reader` for files inside `root`; paths that leave the root, or unreadable files, give None.

    Bytes are decoded as UTF-8 with replacement characters, as GitHub's uploader reads them.
    """
    base = root.resolve()

    def read(path: str) -> str | None:
        try:
            target = (base / path).resolve()
            if not target.is_relative_to(base) or not target.is_file():
                return None
            return target.read_bytes().decode("utf-8", errors="replace")
        except (OSError, ValueError):
            return None

    return read
