"""The disk checks of the admission stages on injected platforms: caches reached through symlinks and bind mounts
judged by their real disk, the fsync fuse (one probe per volume, a slow volume through an injected clock, nothing
written on a run that only checks), SMART from recorded outputs, WSL's Windows drives."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from gobaseline.disks import Platform
from gobaseline.golang.gotool import Go
from gobaseline.model import CheckStatus, Severity, Stage
from gobaseline.policy import DisksPolicy, Policy
from gobaseline.stages import StageResult, outdir, placement, toolchain
from tests.conftest import make_ctx
from tests.disks.test_fsync import SlowClock

SMART = Path(__file__).resolve().parents[1] / "fixtures" / "smart"
VENV_BIN = Path(sys.executable).parent
ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"
ANY_FREE_SPACE = Policy(min_free_mb=0)


class Smartctl:
    """A smartctl that answers from recorded outputs, by device; counts the calls."""

    def __init__(self, answers: dict[str, str | None]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, args: Sequence[str]) -> tuple[int, str] | None:
        self.asked.append(args[-1])
        name = self.answers[args[-1]]
        if name is None:
            return None
        text = (SMART / name).read_text()
        return json.loads(text)["smartctl"]["exit_status"], text


def machine(tmp_path: Path, *lines: str, **facts: object) -> Platform:
    """A Linux machine whose / is /dev/sda1 and `tmp_path/data` a second disk, /dev/sdb1."""
    table = [ROOT, f"40 22 8:17 / {tmp_path}/data rw - ext4 /dev/sdb1 rw", *lines]
    defaults: dict[str, object] = {"smartctl": None, "sys_block": tmp_path / "no-sysfs"}
    return Platform(system="linux", mountinfo="\n".join(table) + "\n", **{**defaults, **facts})  # type: ignore[arg-type]


def rules_of(result: StageResult) -> list[str]:
    return [f.rule_id for f in result.findings]


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, str]:
    """GOCACHE, GOMODCACHE and GOTMPDIR on the second disk, GOROOT left out."""
    out = {}
    for var, sub in (("GOCACHE", "go-build"), ("GOMODCACHE", "mod"), ("GOTMPDIR", "tmp")):
        (tmp_path / "data" / sub).mkdir(parents=True)
        out[var] = str(tmp_path / "data" / sub)
    return out


def caches(tmp_path: Path, platform: Platform, env: dict[str, str], **fields: object) -> StageResult:
    go = Go(Path("/nonexistent/go"), {"GOTMPDIR": env.get("GOTMPDIR", str(tmp_path))})
    ctx = make_ctx(tmp_path, go=go, platform=platform, **fields)  # type: ignore[arg-type]
    result = StageResult(Stage.TOOLCHAIN)
    placement.check_toolchain_disks(ctx, result, env)
    return result


def test_one_probe_per_volume_and_its_numbers_in_the_facts(tmp_path: Path, dirs: dict[str, str]) -> None:
    clock = SlowClock(0.0001)
    result = caches(tmp_path, machine(tmp_path, clock=clock), dirs)
    assert result.findings == []
    # GOCACHE, GOMODCACHE and the temp dir share /dev/sdb1: one probe of 200 writes, reused.
    assert clock.now == pytest.approx(0.0001 * (2 + 2 * 200))
    assert result.facts["gocache_volume"] == f"/dev/sdb1, ext4 at {tmp_path}/data"
    assert result.facts["gocache_fsync_ms"] == "p50 0.10 ms, p99 0.10 ms (200 writes, 0.04 s)"
    assert result.facts["gomodcache_fsync_ms"] == result.facts["tmpdir_fsync_ms"] == result.facts["gocache_fsync_ms"]
    assert [c.status for c in result.checks if c.name == "fsync-latency"] == [CheckStatus.PASSED]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["go-build", "mod", "tmp"]


def test_a_slow_volume_fires_the_fuse(tmp_path: Path, dirs: dict[str, str]) -> None:
    result = caches(tmp_path, machine(tmp_path, clock=SlowClock(0.3)), dirs)
    assert rules_of(result) == ["GB116"] * 3
    message = result.findings[0].message
    assert message.startswith(f"GOCACHE ({dirs['GOCACHE']}) is on /dev/sdb1, ext4 at {tmp_path}/data, whose fsync")
    assert "p99 is 300.00 ms" in message and "disks.max_fsync_ms 250 ms" in message
    assert result.findings[0].severity is Severity.WARNING


def test_the_threshold_is_the_policy_s(tmp_path: Path, dirs: dict[str, str]) -> None:
    policy = Policy(disks=DisksPolicy(max_fsync_ms=500))
    assert caches(tmp_path, machine(tmp_path, clock=SlowClock(0.3)), dirs, policy=policy).findings == []
    off = Policy(disks=DisksPolicy(probe=False))
    result = caches(tmp_path, machine(tmp_path, clock=SlowClock(0.3)), dirs, policy=off)
    assert result.findings == []
    assert [(c.name, c.status) for c in result.checks] == [("fsync-latency", CheckStatus.SKIPPED)]


def test_a_run_that_only_checks_probes_nothing(tmp_path: Path, dirs: dict[str, str]) -> None:
    clock = SlowClock(0.3)
    result = caches(tmp_path, machine(tmp_path, clock=clock), dirs, builds=False)
    assert result.findings == []
    assert clock.now == 0
    assert result.checks[0].detail == "a run that only checks writes nothing"


def test_the_real_disk_here_does_not_fire_with_the_default_threshold(tmp_path: Path) -> None:
    env = {"GOCACHE": str(tmp_path / "go-build"), "GOMODCACHE": str(tmp_path / "mod"), "GOTMPDIR": str(tmp_path)}
    result = caches(tmp_path, Platform(system="linux", smartctl=None), env)
    assert "GB116" not in rules_of(result)
    assert result.facts["gocache_fsync_ms"].startswith("p50 ")
    assert list(tmp_path.iterdir()) == []  # the caches were not created, the probe file removed


def test_smart_failing_worsening_and_unreadable(tmp_path: Path, dirs: dict[str, str]) -> None:
    (tmp_path / "out").mkdir()
    smartctl = Smartctl({"/dev/sda": "sata-worsening.json", "/dev/sdb": "sata-failing.json"})
    env = {**dirs, "GOROOT": str(tmp_path / "out")}  # GOROOT on / (/dev/sda1)
    result = caches(tmp_path, machine(tmp_path, smartctl=smartctl, measure=False), env)
    assert rules_of(result) == ["GB118", "GB117", "GB118"]
    worsening, failing = result.findings[0].message, result.findings[1].message
    assert worsening.startswith("The disk /dev/sda (Samsung SSD 870 EVO 1TB) under GOROOT, the output directory ")
    assert "8 pending sectors" in worsening and "smartctl -t long /dev/sda" in worsening
    assert failing.startswith(
        "The disk /dev/sdb (WDC WD40EFRX-68N32N0) under GOCACHE, GOMODCACHE, the temp dir is failing: the drive's"
    )
    assert result.findings[1].severity is Severity.ERROR
    assert smartctl.asked == ["/dev/sda", "/dev/sdb"]  # each disk once
    assert result.facts["smart_/dev/sdb"] == "failing"


def test_nvme_and_one_note_when_smart_cannot_be_read(tmp_path: Path, dirs: dict[str, str]) -> None:
    nvme = f"41 22 259:1 / {tmp_path}/nvme rw - ext4 /dev/nvme0n1p1 rw"
    (tmp_path / "nvme").mkdir()
    env = {**dirs, "GOCACHE": str(tmp_path / "nvme")}
    smartctl = Smartctl({"/dev/nvme0n1": "nvme-failing.json", "/dev/sdb": "nvme-healthy.json", "/dev/sda": None})
    result = caches(tmp_path, machine(tmp_path, nvme, smartctl=smartctl, measure=False), env)
    assert rules_of(result) == ["GB117", "GB118", "GB119"]
    assert "NVMe critical warning 0x05" in result.findings[0].message
    note = result.findings[2]
    assert note.severity is Severity.NOTE
    assert note.message.startswith("SMART health not read (/dev/sda: smartctl (smartmontools) is not on PATH).")


def test_no_smartctl_is_one_note_for_every_disk(tmp_path: Path, dirs: dict[str, str]) -> None:
    smartctl = Smartctl({"/dev/sda": None, "/dev/sdb": None})
    result = caches(tmp_path, machine(tmp_path, smartctl=smartctl, measure=False), dirs)
    assert rules_of(result) == ["GB119"]
    assert "/dev/sdb, /dev/sda: smartctl (smartmontools) is not on PATH" in result.findings[0].message
    assert [c.status for c in result.checks] == [CheckStatus.PASSED]  # a note does not fail the check
    off = caches(
        tmp_path,
        machine(tmp_path, smartctl=smartctl, measure=False),
        dirs,
        policy=Policy(disks=DisksPolicy(smart=False)),
    )
    assert off.findings == []


def test_wsl_caches_and_toolchain_on_a_windows_drive(tmp_path: Path) -> None:
    drvfs = "70 22 0:80 / /mnt/c rw,noatime - 9p C:\\134 rw,aname=drvfs;path=C:\\;uid=1000"
    env = {
        "GOROOT": "/mnt/c/Program Files/Go",
        "GOCACHE": "/mnt/c/Users/dev/AppData/Local/go-build",
        "GOMODCACHE": str(tmp_path / "mod"),
    }
    result = caches(tmp_path, machine(tmp_path, drvfs, wsl=True, measure=False), env)
    assert rules_of(result) == ["GB115", "GB115"]
    goroot, gocache = (f.message for f in result.findings)
    assert goroot.startswith("The Go toolchain is the Windows one: GOROOT /mnt/c/Program Files/Go is on the Windows")
    assert gocache.startswith("GOCACHE (/mnt/c/Users/dev/AppData/Local/go-build) is on the Windows drive C:")
    assert "go env -w GOCACHE=$HOME/.cache/go-build" in gocache
    # The Windows go.exe run from WSL reports a Windows GOROOT.
    windows_go = {"GOROOT": "C:\\Program Files\\Go", "GOCACHE": str(tmp_path / "c")}
    result = caches(tmp_path, machine(tmp_path, wsl=True, measure=False), windows_go)
    assert rules_of(result) == ["GB115"]
    assert "is the Windows toolchain (GOROOT C:\\Program Files\\Go)" in result.findings[0].message
    # The same directories outside WSL are nothing special.
    assert caches(tmp_path, machine(tmp_path, drvfs, measure=False), env).findings == []


# -- through the stages ----------------------------------------------------------------------------------------


@pytest.fixture
def go_with(go_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    (tmp_path / "data").mkdir(exist_ok=True)
    return {**go_env, "PATH": f"{VENV_BIN}:/usr/bin:/bin"}


def test_a_gocache_through_a_symlink_is_judged_by_the_disk_it_lives_on(tmp_path: Path, go_with: dict[str, str]) -> None:
    (tmp_path / "data" / "go-build").mkdir()
    (tmp_path / "home" / "go-build").symlink_to(tmp_path / "data" / "go-build")
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.26\n")
    platform = machine(tmp_path, measure=False)
    linked = toolchain.run(
        make_ctx(
            mod, go=Go.discover(environ={**go_with, "GOCACHE": str(tmp_path / "home" / "go-build")}), platform=platform
        )
    )
    plain = toolchain.run(
        make_ctx(
            mod, go=Go.discover(environ={**go_with, "GOCACHE": str(tmp_path / "home" / "cache")}), platform=platform
        )
    )
    disk = [f.message.split(" ")[0] for f in linked.findings if f.rule_id == "GB111"]
    assert "GOCACHE" not in disk
    assert "GOCACHE" in [f.message.split(" ")[0] for f in plain.findings if f.rule_id == "GB111"]
    assert linked.facts["gocache_volume"] == f"/dev/sdb1, ext4 at {tmp_path}/data"


def test_a_gocache_through_a_bind_mount_is_judged_by_the_disk_it_shows(tmp_path: Path, go_with: dict[str, str]) -> None:
    bind = f"41 22 8:1 /srv/gocache {tmp_path}/fast rw - ext4 /dev/sda1 rw"
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.26\n")
    env = {**go_with, "GOCACHE": str(tmp_path / "fast" / "go-build"), "GOMODCACHE": str(tmp_path / "data" / "mod")}
    result = toolchain.run(make_ctx(mod, go=Go.discover(environ=env), platform=machine(tmp_path, bind, measure=False)))
    messages = {f.message.split(" ")[0]: f.message for f in result.findings if f.rule_id == "GB111"}
    assert "GOMODCACHE" not in messages
    assert f"via bind mount of /srv/gocache at {tmp_path}/fast" in messages["GOCACHE"]


def test_the_output_directory_on_a_slow_volume(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "go.mod").write_text("module example.com/m\n\ngo 1.27\n")
    slow = machine(tmp_path, clock=SlowClock(0.4))
    result = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, platform=slow))
    assert rules_of(result) == ["GB305", "GB306"]
    assert result.findings[1].location is not None and result.findings[1].location.path == "gobaseline-out"
    assert result.facts["output_dir_volume"] == "/dev/sda1, ext4 at /"
    assert sorted(p.name for p in (repo / "gobaseline-out").iterdir()) == [".gitignore"]
    quiet = outdir.run(make_ctx(repo, policy=ANY_FREE_SPACE, platform=slow, builds=False))
    assert rules_of(quiet) == ["GB305"]
