"""Verify a Go binary from the file itself: format hardening (ELF, PE, Mach-O), then its build info.

`verify_binary` checks one file (the build calls it for every artifact with the manifest entry it wrote);
`verify_files` serves `gobaseline verify BIN...` for binaries built anywhere. Neither raises for a bad file: a
truncated, corrupt or non-executable file is a GB611 finding.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gobaseline import safefs
from gobaseline.binaries.buildinfo import BuildInfo
from gobaseline.binaries.inspection import Inspection, Unreadable
from gobaseline.errors import GobaselineError
from gobaseline.model import Artifact, Finding, Location, Stage
from gobaseline.rules import rule
from gobaseline.safefs import FileAccessError
from gobaseline.stages import BuildOutput, Earlier, StageResult

if TYPE_CHECKING:
    from gobaseline.golang.gotool import Go
    from gobaseline.golang.releases import Baseline
    from gobaseline.stages import Context

__all__ = ["Verification", "inspect_binary", "verify_binary", "verify_files"]

_MACHO_MAGIC = (
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xfe\xed\xfa\xce",
    b"\xca\xfe\xba\xbe",
    b"\xca\xfe\xba\xbf",  # a universal file with 64-bit offsets
)


@dataclass
class Verification:
    """The result of verifying one file."""

    findings: list[Finding]
    artifact: Artifact
    build_info: BuildInfo | None = None
    inspection: Inspection | None = None
    notes: dict[str, str] = field(default_factory=dict)


def _describe_unknown(data: bytes) -> str:
    if not data:
        return "The file is empty"
    head = data[:512]
    if b"\0" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "The file is text, not an executable"
    return f"The file is not an ELF, PE or Mach-O executable (it starts with {data[:4].hex()})"


def _inspect_format(path: Path, data: bytes) -> Inspection:
    if data.startswith(b"\x7fELF"):
        from gobaseline.binaries import elf

        return elf.inspect(data)
    if data.startswith(b"MZ"):
        from gobaseline.binaries import pe

        return pe.inspect(data)
    if data[:4] in _MACHO_MAGIC:
        from gobaseline.binaries import macho

        return macho.inspect(path, len(data))
    raise Unreadable(_describe_unknown(data))


def _pie_expected(target: str | None, go: Go | None, allow_non_pie: Collection[str]) -> bool:
    """True when build info must record `-buildmode=pie`: not an allowed exception, and the toolchain can."""
    if target is not None and target in allow_non_pie:
        return False
    if target is None or go is None:
        return True
    goos, _, goarch = target.partition("/")
    return go.pie_check(goos, goarch).supported is not False


def _check_build_info(
    bi: BuildInfo,
    *,
    target: str | None,
    go: Go | None,
    baseline: Baseline | None,
    allow_non_pie: Collection[str],
) -> list[str]:
    """GB609 messages: the recorded settings against the baseline."""
    from gobaseline.golang.releases import GoVersion

    out = []
    s = bi.settings
    if baseline is not None:
        version = GoVersion.parse(bi.go_version.split()[0]) if bi.go_version else None
        if version is None:
            out.append(f"The binary was built by {bi.go_version or 'an unknown Go'}, not a Go release.")
        elif not baseline.allows_toolchain(version):
            out.append(f"The binary was built by {bi.go_version}, outside the baseline ({baseline.describe()}).")
    if s.get("CGO_ENABLED") != "0":
        out.append(f"Build info records CGO_ENABLED={s.get('CGO_ENABLED', '(unset)')}; build with CGO_ENABLED=0.")
    if s.get("-trimpath") != "true":
        out.append("Build info does not record -trimpath=true; build with -trimpath.")
    if _pie_expected(target, go, allow_non_pie) and s.get("-buildmode") != "pie":
        out.append(f"Build info records -buildmode={s.get('-buildmode', '(unset)')}; build with -buildmode=pie.")
    if s.get("-race") == "true":
        out.append("Build info records -race=true: a race-detector build is not for release.")
    gcflags = s.get("-gcflags", "").replace("=", " ").split()
    if "-N" in gcflags or "-l" in gcflags:
        out.append(f"Build info records -gcflags={s['-gcflags']}: optimisations or inlining were turned off.")
    return out


def _check_manifest(bi: BuildInfo | None, sha256: str, target: str | None, entry: Mapping[str, Any]) -> list[str]:
    """GB610 messages: the file and its build info against the manifest entry written at build time."""
    out = []
    if entry.get("sha256") and entry["sha256"] != sha256:
        out.append(f"The file's sha256 {sha256[:16]}... differs from the manifest's {str(entry['sha256'])[:16]}...")
    if bi is None:
        return out
    checks: list[tuple[str, Any, Any]] = [
        ("Go version", entry.get("go_version"), bi.go_version),
        ("target", entry.get("target"), bi.target),
        ("-buildmode", entry.get("buildmode"), bi.settings.get("-buildmode")),
        ("-tags", ",".join(entry["tags"]) if entry.get("tags") else None, bi.settings.get("-tags", "")),
        ("vcs.revision", entry.get("vcs_revision"), bi.settings.get("vcs.revision")),
    ]
    for name, want, got in checks:
        if want and want != got:
            out.append(f"Build info records {name} {got or '(none)'}, the manifest {want}.")
    if target and bi.target and target != bi.target:
        out.append(f"Build info records target {bi.target}, expected {target}.")
    return out


def inspect_binary(
    path: Path,
    *,
    target: str | None,
    go: Go | None,
    baseline: Baseline | None,
    manifest_entry: Mapping[str, Any] | None,
    location_path: str,
    allow_non_pie: Collection[str] = (),
) -> Verification:
    """Verify one file and keep everything learnt on the way (build info, format facts)."""
    loc = Location(location_path)
    try:  # a regular file of at most 2 GiB: never a FIFO, a device or /dev/zero
        data = safefs.read_bytes(path, limit=safefs.BINARY_LIMIT, what="binary")
    except FileAccessError as e:
        msg = e.message[0].upper() + e.message[1:] + "."
        found = rule("GB611").finding(msg, loc, target=target)
        return Verification([found], Artifact(target or "", location_path, 0, ""))
    sha256 = hashlib.sha256(data).hexdigest()
    findings: list[Finding] = []

    def add(rule_id: str, message: str, t: str | None) -> None:
        findings.append(rule(rule_id).finding(message, loc, target=t))

    try:
        insp = _inspect_format(path, data)
    except Unreadable as e:
        msg = str(e).rstrip(".") + "."
        add("GB611", msg[0].upper() + msg[1:], target)
        return Verification(findings, Artifact(target or "", location_path, len(data), sha256))

    from gobaseline.binaries import buildinfo

    bi = buildinfo.read(path, data, go)
    t = target or (bi.target if bi else None) or insp.target
    # A universal Mach-O names each slice, and its own target decides whether non-PIE is allowed.
    for slice_target in insp.non_pie:
        if slice_target not in allow_non_pie:
            message = f"The {slice_target} slice of the universal Mach-O binary is not position-independent"
            add("GB601", message + "; build with -buildmode=pie.", t)
    if not insp.pie and not insp.non_pie and t not in allow_non_pie:
        add(
            "GB601",
            f"The {insp.format.upper()} binary is not position-independent; build with -buildmode=pie.",
            t,
        )
    for rule_id, message in insp.issues:
        add(rule_id, message, t)
    if bi is None:
        add(
            "GB608",
            "The file has no Go build information: it is not a Go binary, or was altered after the build.",
            t,
        )
    else:
        for message in _check_build_info(bi, target=t, go=go, baseline=baseline, allow_non_pie=allow_non_pie):
            add("GB609", message, t)
    if manifest_entry is not None:
        for message in _check_manifest(bi, sha256, target, manifest_entry):
            add("GB610", message, t)
    artifact = Artifact(
        target=t or "",
        path=location_path,
        size=len(data),
        sha256=sha256,
        format=insp.format,
        pie=insp.pie,
        stripped=insp.stripped,
        static=insp.static,
        interpreter=insp.interpreter,
        go_version=bi.go_version if bi else "",
    )
    return Verification(findings, artifact, bi, insp)


def verify_binary(
    path: Path,
    *,
    target: str | None,
    go: Go | None,
    baseline: Baseline | None,
    manifest_entry: Mapping[str, Any] | None,
    location_path: str,
    allow_non_pie: Collection[str] = (),
) -> tuple[list[Finding], Artifact]:
    """Verify one binary: PIE, stripped, libraries, loader, RELRO, stack (ELF, Mach-O), ASLR/DEP (PE), build info.

    `target` is the expected `GOOS/GOARCH` (None: take it from the build info); `manifest_entry` is the
    entry `gobaseline build` wrote for this file (None: no GB610 comparison); `location_path` names the file
    in findings.
    """
    v = inspect_binary(
        path,
        target=target,
        go=go,
        baseline=baseline,
        manifest_entry=manifest_entry,
        location_path=location_path,
        allow_non_pie=allow_non_pie,
    )
    return v.findings, v.artifact


def load_manifest(manifest: Path) -> dict[str, Any]:
    """A manifest.json written by `gobaseline build`; a bad one is the user's to fix."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except OSError as e:
        raise GobaselineError(f"cannot read the manifest: {e.strerror or e}", path=str(manifest)) from e
    except ValueError as e:
        raise GobaselineError(f"the manifest is not JSON: {e}", path=str(manifest)) from e
    if not isinstance(data, dict) or not isinstance(data.get("artifacts"), list):
        raise GobaselineError("not a gobaseline manifest (no `artifacts` list)", path=str(manifest))
    return data


class _ManifestIndex:
    """Finds a file's manifest entry: by path next to the manifest, else by checksum, else by path suffix."""

    def __init__(self, data: Mapping[str, Any], base: Path | None) -> None:
        self.entries = [dict(e) for e in data.get("artifacts", []) if isinstance(e, Mapping) and e.get("path")]
        self.base = base

    def find(self, path: Path) -> dict[str, Any] | None:
        # os.path.realpath, not Path.resolve: a symlink loop stays a path (its read is the GB611), not a traceback.
        resolved = Path(os.path.realpath(path))
        if self.base is not None:
            for e in self.entries:
                if Path(os.path.realpath(self.base / str(e["path"]))) == resolved:
                    return e
        try:  # streamed and bounded; a FIFO or a device is refused here, and reported by its verification
            sha256 = safefs.sha256(path, limit=safefs.BINARY_LIMIT, what="binary")
        except FileAccessError:
            sha256 = ""
        for e in self.entries:
            if sha256 and e.get("sha256") == sha256:
                return e
        posix = resolved.as_posix()
        return next((e for e in self.entries if posix.endswith("/" + str(e["path"]).lstrip("./"))), None)


def verify_files(
    paths: Sequence[Path],
    *,
    go: Go | None,
    baseline: Baseline | None,
    manifest: Mapping[str, Any] | Path | None = None,
    root: Path | None = None,
    allow_non_pie: Collection[str] = (),
) -> tuple[StageResult, list[Artifact]]:
    """Verify binaries built anywhere (`gobaseline verify BIN...`).

    `manifest` is a manifest.json from `gobaseline build` (its path, or its parsed content): each file is
    compared with its entry (GB610), and a file the manifest does not list is GB610 too. Finding paths are
    relative to `root` (default: the working directory) when the file is inside it.
    """
    import time

    start = time.perf_counter()
    index: _ManifestIndex | None = None
    if isinstance(manifest, Path):
        index = _ManifestIndex(load_manifest(manifest), manifest.parent.resolve())
    elif manifest is not None:
        index = _ManifestIndex(manifest, None)
    base = (root or Path.cwd()).resolve()
    result = StageResult(Stage.VERIFY)
    artifacts: list[Artifact] = []
    for p in paths:
        resolved = Path(os.path.realpath(p))  # a symlink loop stays a path (its read is the GB611)
        try:
            where = resolved.relative_to(base).as_posix()
        except ValueError:
            where = resolved.as_posix()
        entry = index.find(p) if index is not None else None
        target = str(entry["target"]) if entry and entry.get("target") else None
        with result.check("verify-binary", target=target) as found:
            v = inspect_binary(
                p,
                target=target,
                go=go,
                baseline=baseline,
                manifest_entry=entry,
                location_path=where,
                allow_non_pie=allow_non_pie,
            )
            found.extend(v.findings)
            if index is not None and entry is None:
                found.append(
                    rule("GB610").finding(
                        "The file is not listed in the build manifest: gobaseline did not build it.",
                        Location(where),
                        target=v.artifact.target or None,
                    )
                )
        if v.artifact.sha256:  # a file that could not be read is a finding, not an artifact
            artifacts.append(v.artifact)
    result.seconds = time.perf_counter() - start
    return result, artifacts


# -- the verify stage ----------------------------------------------------------------------------------------

MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"


def run(ctx: Context, earlier: Earlier) -> StageResult:
    """Verify every binary the build stage wrote, from its bytes; write SHA256SUMS, manifest.json and SBOMs.

    Checksums come from the bytes verified, so SHA256SUMS names exactly what was checked; an unreadable binary is
    its GB611 finding, never a line without a hash.
    """
    from gobaseline.golang.releases import Baseline

    result = StageResult(Stage.VERIFY)
    build = earlier.get(Stage.BUILD)
    built = build.built if build is not None else None
    if built is None:
        result.skip("verify", "nothing was built")
        return result
    for target in built.failed_targets:
        result.skip("verify-binary", "the build failed", target=target)
    baseline = Baseline.from_policy(ctx.policy.go_versions, ctx.release_data)
    entries: list[dict[str, Any]] = []
    for b in built.binaries:
        target = str(b.entry["target"])
        entry = dict(b.entry)
        with result.check("verify-binary", target=target) as found:
            v = inspect_binary(
                b.path,
                target=target,
                go=ctx.go,
                baseline=baseline,
                manifest_entry=entry,
                location_path=ctx.rel(b.path),
                allow_non_pie=ctx.policy.build.allow_non_pie,
            )
            found.extend(v.findings)
        result.artifacts.append(v.artifact)
        if not v.artifact.sha256:
            continue  # unreadable: its GB611 finding says so; a checksum line without a hash would lie
        entry["size"] = v.artifact.size
        entry["sha256"] = v.artifact.sha256
        settings = v.build_info.settings if v.build_info is not None else {}
        for key in ("vcs.revision", "vcs.time", "vcs.modified"):
            if settings.get(key):
                entry[key.replace(".", "_")] = settings[key]
        if ctx.policy.build.sbom and v.build_info is not None:
            entry["sbom"] = _write_sbom(
                built.out_root, result, target=target, binary=b.path, info=v.build_info, artifact=v.artifact
            )
        entries.append(entry)
    _write_manifest(built, entries, result)
    return result


def _write_manifest(built: BuildOutput, entries: list[dict[str, Any]], result: StageResult) -> None:
    import datetime as dt

    build_time = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    sums, manifest = built.out_root / SUMS_NAME, built.out_root / MANIFEST_NAME
    with result.check("manifest") as found:
        try:
            safefs.ensure_dir(built.out_root)
            _atomic_write(sums, "".join(f"{e['sha256']}  {e['path']}\n" for e in entries))
            document = {**built.manifest, "build_time": build_time, "artifacts": entries}
            _atomic_write(manifest, json.dumps(document, indent=2) + "\n")
        except (OSError, FileAccessError) as e:
            found.append(rule("GB505").finding(f"Cannot write {SUMS_NAME}/{MANIFEST_NAME}: {_reason(e)}."))
            return
    result.files.update({"sha256sums": sums, "manifest": manifest})


def _write_sbom(
    out_root: Path, result: StageResult, *, target: str, binary: Path, info: BuildInfo, artifact: Artifact
) -> str | None:
    """`<output>/<goos>_<goarch>-<name>.cdx.json` (beside the manifest, so the target directories hold binaries
    only); returns its path relative to the output directory."""
    from gobaseline import __version__
    from gobaseline.stages.sbom import bom_json

    path = out_root / f"{target.replace('/', '_')}-{binary.name}.cdx.json"
    with result.check("sbom", target=target) as found:
        try:
            _atomic_write(path, bom_json(info, artifact, tool_version=__version__))
        except (OSError, FileAccessError) as e:
            found.append(rule("GB505").finding(f"Cannot write the SBOM {path.name}: {_reason(e)}.", target=target))
            return None
    return path.name


def _atomic_write(path: Path, text: str) -> None:
    """A private temporary file beside `path`, then a rename: never through a planted link."""
    safefs.write_text(path, text)


def _reason(e: OSError | FileAccessError) -> str:
    return e.message if isinstance(e, FileAccessError) else str(e.strerror or e)
