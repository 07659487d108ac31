"""SMART health of the disks under the build's volumes, read with `smartctl --json` (smartmontools 7.0+).

The only place that runs smartctl. What counts, from smartmontools' JSON (`smartctl --json -i -H -A DEVICE`):

- failing: `smart_status.passed` false (the drive's own overall-health verdict), an ATA attribute with
  `when_failed: "now"`, or a non-zero NVMe `critical_warning`;
- worsening: a non-zero raw value of the ATA attributes that predict failure (5 reallocated sectors, 197 pending
  sectors, 198 offline uncorrectable, 199 UDMA CRC errors: a cable or port), an attribute that failed in the past,
  or NVMe `media_errors`;
- unreadable: smartctl not on PATH, not permitted (it needs root or the disk group), a device without SMART (a
  virtual disk), or no JSON. That is the rule on hosted runners, so it is only ever a note.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Runner = Callable[[Sequence[str]], "tuple[int, str] | None"]
"""Runs smartctl with these arguments: (exit status, stdout), None when smartctl is not there; raises OSError
when it cannot be run."""
TIMEOUT = 10.0
ATTRIBUTES = {
    5: "reallocated sectors",
    197: "pending sectors",
    198: "offline uncorrectable sectors",
    199: "interface CRC errors",
}
_NVME_WARNINGS = (
    "available spare below threshold",
    "temperature out of range",
    "reliability degraded",
    "media read-only",
    "volatile memory backup failed",
    "persistent memory region read-only",
)
_PARTITION = re.compile(r"^(?:((?:nvme\d+n\d+|mmcblk\d+|loop\d+|md\d+))p\d+|((?:[shv]|xv)d[a-z]+)\d+)$")


@dataclass(frozen=True)
class Health:
    """What smartctl said about one device."""

    device: str
    model: str = ""
    failing: tuple[str, ...] = ()
    worsening: tuple[str, ...] = ()
    unavailable: str | None = None
    """Why SMART could not be read, or None."""

    @property
    def name(self) -> str:
        """`/dev/sda (Samsung SSD 870)`."""
        return f"{self.device} ({self.model})" if self.model else self.device


def run_smartctl(args: Sequence[str]) -> tuple[int, str] | None:
    """The real runner: smartctl from PATH, bounded by `TIMEOUT`."""
    exe = shutil.which("smartctl")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as e:
        raise OSError(f"smartctl did not answer within {TIMEOUT:.0f} s") from e
    return done.returncode, done.stdout


def read(device: str, runner: Runner) -> Health:
    """SMART health of `device` (`/dev/sda`, `/dev/nvme0n1`, `C:`)."""
    try:
        answer = runner(["--json", "-i", "-H", "-A", device])
    except OSError as e:
        return Health(device, unavailable=f"smartctl could not be run: {e}")
    if answer is None:
        return Health(device, unavailable="smartctl (smartmontools) is not on PATH")
    return parse(device, *answer)


def parse(device: str, status: int, text: str) -> Health:
    """The Health of `device` from smartctl's exit status and JSON output."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Health(device, unavailable=f"smartctl printed no JSON (exit status {status})")
    tool = _dict(data.get("smartctl"))
    status = tool.get("exit_status", status) if isinstance(tool.get("exit_status"), int) else status
    messages = [str(m.get("string", "")) for m in tool.get("messages", []) if isinstance(m, dict)]
    model = str(data.get("model_name", ""))
    smart_status = _dict(data.get("smart_status"))
    if status & 0b11 or "passed" not in smart_status:
        why = "; ".join(m for m in messages if m) or f"smartctl exit status {status}"
        return Health(device, model, unavailable=why)

    failing: list[str] = []
    worsening: list[str] = []
    if smart_status.get("passed") is False:
        failing.append("the drive's SMART overall-health self-assessment is FAILED")
    for attr in _dict(data.get("ata_smart_attributes")).get("table", []):
        if not isinstance(attr, dict):
            continue
        ident, name = attr.get("id"), attr.get("name", "")
        when = attr.get("when_failed", "")
        if when == "now":
            failing.append(
                f"attribute {ident} {name} is at its failure threshold ({attr.get('value')} <= {attr.get('thresh')})"
            )
        elif when == "past":
            worsening.append(f"attribute {ident} {name} was at its failure threshold in the past")
        raw = _dict(attr.get("raw")).get("value")
        if ident in ATTRIBUTES and isinstance(raw, int) and raw > 0:
            worsening.append(f"{raw} {ATTRIBUTES[ident]} (attribute {ident} {name})")
    nvme = _dict(data.get("nvme_smart_health_information_log"))
    critical = nvme.get("critical_warning", 0)
    if isinstance(critical, int) and critical:
        bits = [w for i, w in enumerate(_NVME_WARNINGS) if critical >> i & 1] or ["unknown bits"]
        failing.append(f"NVMe critical warning 0x{critical:02x}: {', '.join(bits)}")
    media = nvme.get("media_errors", 0)
    if isinstance(media, int) and media > 0:
        worsening.append(f"{media} NVMe media and data integrity errors")
    return Health(device, model, tuple(failing), tuple(worsening))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def disks_of(source: str, sys_block: Path) -> tuple[str, ...]:
    """The whole disks under a block device (`/dev/sda1` -> `/dev/sda`; LVM and md through their slaves in
    sysfs), or () when `source` is not a block device."""
    if not source.startswith("/dev/"):
        return ()
    name = Path(os.path.realpath(source)).name  # /dev/mapper/vg-root -> dm-0
    entry = sys_block / name
    try:
        if (entry / "partition").exists():
            return (f"/dev/{entry.resolve().parent.name}",)
        slaves = sorted(p.name for p in (entry / "slaves").iterdir())
    except OSError:
        slaves = []
    if slaves:
        return tuple(dict.fromkeys(d for s in slaves for d in disks_of(f"/dev/{s}", sys_block)))
    match = _PARTITION.match(name)
    if match:
        return (f"/dev/{match.group(1) or match.group(2)}",)
    return (source,)
