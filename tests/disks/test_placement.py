"""Paths resolved to the volume that really holds them: symlinks, bind mounts and overlayfs on Linux (from
mountinfo), junctions and volume names on Windows, drvfs under WSL."""

from __future__ import annotations

from pathlib import Path

from gobaseline.disks import Disks, Platform, mountinfo

ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"


def linux(*lines: str, wsl: bool = False) -> Disks:
    return Disks(Platform(system="linux", mountinfo="\n".join([ROOT, *lines]) + "\n", wsl=wsl))


def test_parse_reads_fields_and_octal_escapes() -> None:
    (m,) = mountinfo.parse(r"36 35 98:0 /mnt1 /mnt/my\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue")
    assert (m.device, m.root, m.point, m.fstype, m.source) == ("98:0", "/mnt1", "/mnt/my disk", "ext3", "/dev/root")
    assert m.option("errors") == "continue"
    assert mountinfo.parse("garbage\n\n1 2 3\n") == ()


def test_the_deepest_mount_wins_and_the_last_of_equals(tmp_path: Path) -> None:
    disks = linux(
        f"40 22 8:17 / {tmp_path}/data rw - ext4 /dev/sdb1 rw",
        f"41 22 0:40 / {tmp_path}/data rw - tmpfs tmpfs rw",
    )
    assert disks.volume(tmp_path / "data" / "x").key == "0:40"  # type: ignore[union-attr]
    assert disks.volume(tmp_path / "database").key == "/dev/sda1"  # type: ignore[union-attr]


def test_a_symlinked_cache_is_judged_by_its_target(tmp_path: Path) -> None:
    (tmp_path / "data" / "go-build").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "go-build").symlink_to(tmp_path / "data" / "go-build")
    disks = linux(f"40 22 8:17 / {tmp_path}/data rw - ext4 /dev/sdb1 rw")
    assert not disks.on_system_disk(tmp_path / "home" / "go-build")
    assert disks.volume(tmp_path / "home" / "go-build").source == "/dev/sdb1"  # type: ignore[union-attr]
    assert disks.on_system_disk(tmp_path / "home")


def test_a_bind_mount_is_judged_by_the_disk_it_shows(tmp_path: Path) -> None:
    disks = linux(
        f"40 22 8:1 /srv/gocache {tmp_path}/fast rw - ext4 /dev/sda1 rw",  # the system disk, at another place
        f"41 22 8:17 /cache {tmp_path}/cache rw - ext4 /dev/sdb1 rw",
    )
    fast = disks.volume(tmp_path / "fast" / "go-build")
    assert fast is not None and fast.key == "/dev/sda1"
    assert fast.via == f"bind mount of /srv/gocache at {tmp_path}/fast"
    assert disks.on_system_disk(tmp_path / "fast" / "go-build")
    assert not disks.on_system_disk(tmp_path / "cache" / "go-build")


def test_an_overlay_is_judged_by_its_upper_directory() -> None:
    disks = linux(
        "40 22 8:17 / /var/lib/containers rw - xfs /dev/sdb1 rw",
        "50 40 0:51 / /var/lib/containers/o/merged rw - overlay overlay "
        "rw,lowerdir=/var/lib/containers/l/A,upperdir=/var/lib/containers/o/diff,workdir=/var/lib/containers/o/work",
    )
    v = disks.volume("/var/lib/containers/o/merged/root/.cache")
    assert v is not None and v.source == "/dev/sdb1"
    assert "overlay at /var/lib/containers/o/merged" in v.via


def test_in_a_container_the_engine_files_stand_for_the_overlay() -> None:
    # Inside a container: / is an overlay whose upper directory is a host path; the engine's bind mounts of
    # /etc/hostname and friends come from beside the layers, here on the host's /dev/sda1. A cache volume from
    # the same disk is on the system disk; one from /dev/sdb1 is not.
    text = "\n".join(
        [
            "600 500 0:70 / / rw - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X,"
            "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work",
            "610 600 8:1 /var/lib/docker/containers/abc/hostname /etc/hostname rw - ext4 /dev/sda1 rw",
            "611 600 8:1 /home/runner/work /__w rw - ext4 /dev/sda1 rw",
            "612 600 8:17 /gocache /gocache rw - ext4 /dev/sdb1 rw",
        ]
    )
    disks = Disks(Platform(system="linux", mountinfo=text))
    system = disks.system_volume()
    assert system is not None and system.source == "/dev/sda1"
    assert disks.on_system_disk("/__w/repo/gobaseline-out")
    assert disks.on_system_disk("/root/.cache/go-build")
    assert not disks.on_system_disk("/gocache/go-build")


def test_without_mountinfo_the_device_number_decides(tmp_path: Path) -> None:
    disks = Disks(Platform(system="linux", mountinfo=""))
    assert disks.on_system_disk(tmp_path) == (tmp_path.stat().st_dev == Path("/").stat().st_dev)


def test_wsl_windows_drives() -> None:
    drvfs = "70 22 0:80 / /mnt/c rw,noatime - 9p C:\\134 rw,aname=drvfs;path=C:\\;uid=1000,symlinkroot=/mnt/"
    disks = linux(drvfs, wsl=True)
    assert disks.windows_drive("/mnt/c/Users/dev/go-build") == "C:"
    assert disks.windows_drive("/home/dev/.cache/go-build") is None
    assert linux(drvfs).windows_drive("/mnt/c/Users/dev") is None  # not WSL: a 9p mount is just that


def test_windows_junctions_and_volumes() -> None:
    volumes = {"C:\\": "\\\\?\\Volume{aaaa}\\", "D:\\": "\\\\?\\Volume{bbbb}\\", "E:\\": "\\\\?\\Volume{aaaa}\\"}
    links = {"D:\\cache": "C:\\real\\cache", "C:\\build\\out": "D:\\out"}
    disks = Disks(Platform(system="windows", system_drive="C:", links=links, volumes=volumes))
    # A junction on D: that leads to C: is on the system volume; one on C: that leads to D: is not.
    assert disks.on_system_disk("D:\\cache\\go-build")
    assert not disks.on_system_disk("C:\\build\\out\\windows_amd64")
    assert not disks.on_system_disk("D:\\go\\pkg\\mod")
    # E: is a second letter of the system volume: the volume decides, not the letter.
    assert disks.on_system_disk("e:\\go-build")
    # A volume mounted in a folder of C: is that volume.
    folder = Disks(Platform(system="windows", volumes={**volumes, "C:\\mnt\\fast\\": "\\\\?\\Volume{cccc}\\"}))
    assert not folder.on_system_disk("C:\\mnt\\fast\\go-build")
    assert folder.on_system_disk("C:\\mnt\\other")


def test_windows_without_volume_facts_compares_drive_letters() -> None:
    disks = Disks(Platform(system="windows", system_drive="C:", volumes={}))
    assert disks.on_system_disk("c:\\Users\\x")
    assert not disks.on_system_disk("D:\\x")
