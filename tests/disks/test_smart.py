"""SMART from recorded `smartctl --json` outputs: healthy, worsening and failing SATA and NVMe, and the ways it
cannot be read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from gobaseline.disks import smart

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "smart"


def recorded(name: str) -> tuple[int, str]:
    text = (FIXTURES / name).read_text()
    return json.loads(text)["smartctl"]["exit_status"], text


def test_healthy_devices_have_nothing_to_say() -> None:
    for name, device in (("sata-healthy.json", "/dev/sda"), ("nvme-healthy.json", "/dev/nvme0n1")):
        health = smart.parse(device, *recorded(name))
        assert (health.failing, health.worsening, health.unavailable) == ((), (), None)
        assert health.model.startswith("Samsung SSD")


def test_a_failing_sata_disk() -> None:
    health = smart.parse("/dev/sdb", *recorded("sata-failing.json"))
    assert health.unavailable is None
    assert health.name == "/dev/sdb (WDC WD40EFRX-68N32N0)"
    assert health.failing[0] == "the drive's SMART overall-health self-assessment is FAILED"
    assert "attribute 5 Reallocated_Sector_Ct is at its failure threshold (5 <= 10)" in health.failing
    assert "3120 reallocated sectors (attribute 5 Reallocated_Sector_Ct)" in health.worsening
    assert "96 pending sectors (attribute 197 Current_Pending_Sector)" in health.worsening


def test_a_worsening_sata_disk() -> None:
    health = smart.parse("/dev/sda", *recorded("sata-worsening.json"))
    assert health.failing == ()
    assert health.worsening == (
        "8 pending sectors (attribute 197 Current_Pending_Sector)",
        "3 interface CRC errors (attribute 199 UDMA_CRC_Error_Count)",
    )


def test_nvme_media_errors_and_critical_warning() -> None:
    worsening = smart.parse("/dev/nvme0n1", *recorded("nvme-worsening.json"))
    assert (worsening.failing, worsening.worsening) == ((), ("12 NVMe media and data integrity errors",))
    failing = smart.parse("/dev/nvme0n1", *recorded("nvme-failing.json"))
    assert failing.failing == (
        "the drive's SMART overall-health self-assessment is FAILED",
        "NVMe critical warning 0x05: available spare below threshold, reliability degraded",
    )
    assert failing.worsening == ("57 NVMe media and data integrity errors",)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("permission-denied.json", "Smartctl open device: /dev/sda failed: Permission denied"),
        ("virtio-no-smart.json", "/dev/vda: Unable to detect device type"),
    ],
)
def test_what_smartctl_could_not_read_is_a_reason(name: str, why: str) -> None:
    assert smart.parse("/dev/sda", *recorded(name)).unavailable == why


def test_no_json_and_no_smartctl() -> None:
    assert smart.parse("/dev/sda", 1, "smartctl: bad option").unavailable == (
        "smartctl printed no JSON (exit status 1)"
    )
    assert smart.read("/dev/sda", lambda args: None).unavailable == "smartctl (smartmontools) is not on PATH"

    def broken(args: Sequence[str]) -> tuple[int, str] | None:
        raise OSError("smartctl did not answer within 10 s")

    assert smart.read("/dev/sda", broken).unavailable == (
        "smartctl could not be run: smartctl did not answer within 10 s"
    )


def test_read_asks_for_json_health_and_attributes() -> None:
    asked: list[list[str]] = []

    def runner(args: Sequence[str]) -> tuple[int, str]:
        asked.append(list(args))
        return recorded("sata-healthy.json")

    assert smart.read("/dev/sda", runner).unavailable is None
    assert asked == [["--json", "-i", "-H", "-A", "/dev/sda"]]


def test_partitions_and_mapped_devices_lead_to_whole_disks(tmp_path: Path) -> None:
    none = tmp_path / "no-sysfs"
    assert smart.disks_of("/dev/sda1", none) == ("/dev/sda",)
    assert smart.disks_of("/dev/nvme0n1p2", none) == ("/dev/nvme0n1",)
    assert smart.disks_of("/dev/mmcblk0p1", none) == ("/dev/mmcblk0",)
    assert smart.disks_of("/dev/vdb", none) == ("/dev/vdb",)
    assert smart.disks_of("tmpfs", none) == ()
    # sysfs: a partition's directory sits in its disk's; LVM and md list the devices below them as slaves.
    block = tmp_path / "block"
    (tmp_path / "devices" / "sdc" / "sdc3").mkdir(parents=True)
    (tmp_path / "devices" / "sdc" / "sdc3" / "partition").write_text("3\n")
    block.mkdir()
    (block / "sdc3").symlink_to(tmp_path / "devices" / "sdc" / "sdc3")
    (block / "dm-0" / "slaves" / "sdc3").mkdir(parents=True)
    (block / "dm-0" / "slaves" / "nvme1n1p1").mkdir(parents=True)
    assert smart.disks_of("/dev/sdc3", block) == ("/dev/sdc",)
    assert smart.disks_of("/dev/dm-0", block) == ("/dev/nvme1n1", "/dev/sdc")
