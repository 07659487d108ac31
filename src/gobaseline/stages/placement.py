"""The volumes under the build's directories, for the admission stages: where each really lives, how fast it
syncs, and whether its disk is healthy. The work is in `gobaseline.disks`; this module turns it into findings.

- The toolchain stage (`check_toolchain_disks`): GOROOT, GOCACHE, GOMODCACHE and the temp dir (GOTMPDIR, else the
  system's). Under WSL a toolchain or cache on a Windows drive (GB115); the fsync fuse on the caches' and the temp
  dir's volumes (GB116); SMART of every disk under these and the output directory (GB117 failing, GB118 worsening,
  GB119 one note when it cannot be read).
- The output-dir stage (`check_output_disk`): the fsync fuse on the output directory's volume (GB306).

The fuse runs only on runs that build (a run that only checks writes nothing) and probes each volume once: a
second directory on the same volume reuses the measurement.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from gobaseline.model import Location
from gobaseline.rules import rule
from gobaseline.stages import Context, StageResult

_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_FACT = {"GOROOT": "goroot", "GOCACHE": "gocache", "GOMODCACHE": "gomodcache", "the temp dir": "tmpdir"}


def toolchain_dirs(ctx: Context, env: Mapping[str, str]) -> list[tuple[str, Path]]:
    """(name, directory) of GOROOT, GOCACHE, GOMODCACHE and the temp dir, those that are absolute paths here."""
    environ = ctx.go.environ if ctx.go is not None else {}
    values = [(var, env.get(var, "")) for var in ("GOROOT", "GOCACHE", "GOMODCACHE")]
    values.append(("the temp dir", environ.get("GOTMPDIR") or tempfile.gettempdir()))
    return [(name, Path(v)) for name, v in values if v and v != "off" and Path(v).is_absolute()]


def output_path(ctx: Context) -> Path:
    """The output directory as the output-dir stage sees it."""
    return ctx.output_dir if ctx.output_dir.is_absolute() else ctx.repo_root / ctx.output_dir


def check_toolchain_disks(ctx: Context, result: StageResult, env: Mapping[str, str]) -> None:
    """GB115-GB119 for the toolchain, the caches and the temp dir (SMART also for the output directory)."""
    dirs = toolchain_dirs(ctx, env)
    for name, path in dirs:
        volume = ctx.disks.volume(path)
        if volume is not None:
            result.facts[f"{_FACT[name]}_volume"] = volume.describe()
    if ctx.platform.wsl:
        _check_windows_side(ctx, result, env)
    caches = [(name, path) for name, path in dirs if name != "GOROOT"]
    _check_latency(ctx, result, caches, "GB116")
    _check_smart(ctx, result, [*dirs, ("the output directory", output_path(ctx))])


def check_output_disk(ctx: Context, result: StageResult, out: Path, location: Location, usable: bool) -> None:
    """GB306 for the output directory (measured only when the stage could write it)."""
    volume = ctx.disks.volume(out)
    if volume is not None:
        result.facts["output_dir_volume"] = volume.describe()
    if not usable and ctx.builds and ctx.platform.measure:
        result.skip("fsync-latency", "the output directory cannot be written")
        return
    _check_latency(ctx, result, [("The output directory", out)], "GB306", location)


def _check_windows_side(ctx: Context, result: StageResult, env: Mapping[str, str]) -> None:
    with result.check("wsl-windows-drive") as found:
        goroot = env.get("GOROOT", "")
        entry = str(ctx.go.entry) if ctx.go is not None else ""
        if _WINDOWS_PATH.match(goroot) or entry.lower().endswith(".exe"):
            found.append(
                rule("GB115").finding(
                    f"The go command {entry} is the Windows toolchain (GOROOT {goroot}), run from WSL. Install Go "
                    "inside the Linux distribution and put it first on PATH."
                )
            )
        for var in ("GOROOT", "GOCACHE", "GOMODCACHE"):
            value = env.get(var, "")
            drive = ctx.disks.windows_drive(value) if value and Path(value).is_absolute() else None
            if drive is None:
                continue
            volume = ctx.disks.volume(value)
            mount = volume.mount_point if volume is not None else ""
            if var == "GOROOT":
                message = (
                    f"The Go toolchain is the Windows one: GOROOT {value} is on the Windows drive {drive} (mounted "
                    f"at {mount}). Install Go inside the Linux distribution and put it first on PATH."
                )
            else:
                message = (
                    f"{var} ({value}) is on the Windows drive {drive} (mounted at {mount} through 9p), not the "
                    f"Linux disk: every file of it crosses the VM boundary. Move it under the Linux home, e.g. "
                    f"`go env -w {var}=$HOME/{'.cache/go-build' if var == 'GOCACHE' else 'go/pkg/mod'}`."
                )
            found.append(rule("GB115").finding(message))


def _check_latency(
    ctx: Context, result: StageResult, places: list[tuple[str, Path]], rule_id: str, location: Location | None = None
) -> None:
    if not places or not ctx.platform.measure:
        return  # a platform that measures nothing (the tests' own) has no such check
    if not ctx.builds:
        result.skip("fsync-latency", "a run that only checks writes nothing")
        return
    if not ctx.policy.disks.probe:
        result.skip("fsync-latency", "turned off (disks.probe: false)")
        return
    limit = ctx.policy.disks.max_fsync_ms
    with result.check("fsync-latency") as found:
        for name, path in places:
            fact = _FACT.get(name, "output_dir")
            measured = ctx.disks.latency(path)
            if isinstance(measured, str):
                result.facts[f"{fact}_fsync_ms"] = f"not measured: {measured}"
                continue
            result.facts[f"{fact}_fsync_ms"] = measured.describe()
            if measured.p99_ms <= limit:
                continue
            volume = ctx.disks.volume(path)
            on = volume.describe() if volume is not None else "its volume"
            found.append(
                rule(rule_id).finding(
                    f"{name} ({path}) is on {on}, whose fsync p99 is {measured.p99_ms:.2f} ms (p50 "
                    f"{measured.p50_ms:.2f} ms over {measured.writes} writes), above disks.max_fsync_ms "
                    f"{limit:g} ms. Move it to a local disk, check the disk's health, or raise "
                    "disks.max_fsync_ms for a volume you accept as slow.",
                    location,
                )
            )


def _check_smart(ctx: Context, result: StageResult, places: list[tuple[str, Path]]) -> None:
    if ctx.platform.smartctl is None:
        return  # a platform that reads no SMART (the tests' own) has no such check
    if not ctx.policy.disks.smart:
        result.skip("smart", "turned off (disks.smart: false)")
        return
    holding: dict[str, list[str]] = {}
    for name, path in places:
        volume = ctx.disks.volume(path)
        for device in ctx.disks.devices(volume) if volume is not None else ():
            holding.setdefault(device, []).append(name)
    if not holding:
        result.skip("smart", "no block device under the build's directories")
        return
    with result.check("smart") as found:
        unreadable: dict[str, list[str]] = {}
        for device, names in holding.items():
            health = ctx.disks.health(device)
            if health.unavailable is not None:
                unreadable.setdefault(health.unavailable, []).append(device)
                continue
            result.facts[f"smart_{device}"] = (
                "failing" if health.failing else "worsening" if health.worsening else "healthy"
            )
            what = f"The disk {health.name} under {', '.join(dict.fromkeys(names))}"
            if health.failing:
                found.append(
                    rule("GB117").finding(
                        f"{what} is failing: {'; '.join(health.failing)}. Replace it, or move the runner's work "
                        "to another disk."
                    )
                )
            if health.worsening:
                found.append(
                    rule("GB118").finding(
                        f"{what} reports {'; '.join(health.worsening)}. Run a long self-test (`smartctl -t long "
                        f"{device}`) and replace the disk or its cable before it fails."
                    )
                )
        if unreadable:
            why = "; ".join(f"{', '.join(devices)}: {reason}" for reason, devices in unreadable.items())
            found.append(
                rule("GB119").finding(
                    f"SMART health not read ({why}). Install smartmontools and let the runner read the disks to "
                    "check them (normal on hosted runners)."
                )
            )
