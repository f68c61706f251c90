"""The QEMU capture: the lab's command-line builders, and the capture itself.

The committed capture (tests/fixtures/hardware/qemu-q35-fake-server/) must hold
what scripts/capture-qemu-hardware asked QEMU for: this checks the capture,
not the parsers. tests/e2e/test_qemu_capture_run.py makes a new capture the same way
and runs shellcheck on the lab's initramfs scripts.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from oci.lab.initramfs import library_paths, module_closure
from oci.lab.qemu import (
    Bmc,
    Disk,
    MachineSpec,
    Nic,
    Smbios,
    create_disk_images,
    kernel_cmdline,
    qemu_argv,
    smbios_args,
)
from tests.helpers.qemu_capture import (
    FIXTURE,
    check_capture,
    load_script,
)


def device_args(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == flag]


# --- the pure builders -------------------------------------------------------


def test_smbios_args_double_commas_and_skip_empty_tables() -> None:
    argv = smbios_args(
        Smbios(manufacturer="ACME, Inc.", serial="SN1", uuid="u-1", memory_speed=3200)
    )
    assert argv == [
        "-smbios",
        "type=1,manufacturer=ACME,, Inc.,serial=SN1,uuid=u-1",
        "-smbios",
        "type=17,speed=3200",
    ]
    assert smbios_args(Smbios()) == []
    assert smbios_args(Smbios(oem_strings=("a=b", "c"))) == [
        "-smbios",
        "type=11,value=a=b",
        "-smbios",
        "type=11,value=c",
    ]


def test_qemu_argv_for_a_fake_server(tmp_path: Path) -> None:
    spec = MachineSpec(
        name="s1",
        memory_mib=2048,
        cpus=4,
        smbios=Smbios(product="P", serial="S"),
        nics=(
            Nic("virtio-net-pci", "52:54:00:00:00:01", bootindex=1),
            Nic("e1000e", "52:54:00:00:00:02", netdev="user,restrict=on"),
        ),
        disks=(
            Disk("nvme", tmp_path / "n.img", serial="NV1"),
            Disk("sata", tmp_path / "s0.img", serial="SA0", model="Disk, fast"),
            Disk("sata", tmp_path / "s1.img"),
            Disk("virtio", tmp_path / "v.img", serial="VI"),
        ),
        bmc=Bmc(mfg_id=7244),
        kernel=tmp_path / "vmlinuz",
        initrd=tmp_path / "initrd",
        append="console=ttyS0",
    )
    argv = qemu_argv(spec)
    assert argv[0] == "qemu-system-x86_64"
    assert argv[argv.index("-machine") + 1] == "q35,accel=tcg"
    assert argv[argv.index("-cpu") + 1] == "max"
    assert argv[argv.index("-smp") + 1] == "4"
    assert argv[argv.index("-m") + 1] == "2048"
    assert "-no-reboot" in argv and "-nodefaults" in argv
    assert device_args(argv, "-smbios") == ["type=1,product=P,serial=S"]
    assert device_args(argv, "-netdev") == ["user,id=net0", "user,restrict=on,id=net1"]
    assert device_args(argv, "-device") == [
        "ipmi-bmc-sim,id=bmc0,mfg_id=7244",
        "isa-ipmi-kcs,bmc=bmc0",
        "virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01,bootindex=1",
        "e1000e,netdev=net1,mac=52:54:00:00:00:02",
        "nvme,drive=nvme0,serial=NV1",
        "ide-hd,drive=sata1,bus=ide.0,serial=SA0,model=Disk,, fast",
        "ide-hd,drive=sata2,bus=ide.1",
        "virtio-blk-pci,drive=virtio3,serial=VI",
    ]
    assert device_args(argv, "-drive")[0] == f"file={tmp_path}/n.img,if=none,id=nvme0,format=raw"
    assert argv[argv.index("-kernel") + 1] == str(tmp_path / "vmlinuz")
    assert argv[argv.index("-initrd") + 1] == str(tmp_path / "initrd")
    assert argv[argv.index("-append") + 1] == "console=ttyS0"
    assert "-boot" not in argv
    create_disk_images(spec)
    image = tmp_path / "n.img"
    assert image.stat().st_size == 1 << 30
    assert image.stat().st_blocks == 0  # sparse


def test_qemu_argv_firmware_boot_and_uefi(tmp_path: Path) -> None:
    argv = qemu_argv(MachineSpec(uefi_vars=tmp_path / "vars.fd"), qemu="qemu")
    assert argv[0] == "qemu"
    assert device_args(argv, "-drive") == [
        "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        f"if=pflash,format=raw,unit=1,file={tmp_path}/vars.fd",
    ]
    assert argv[argv.index("-boot") + 1] == "strict=on"
    assert "-kernel" not in argv


def test_machine_spec_refuses_what_qemu_would_refuse(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same MAC"):
        MachineSpec(nics=(Nic("e1000e", "52:54:00:00:00:01"), Nic("e1000", "52:54:00:00:00:01")))
    with pytest.raises(ValueError, match="disk kind"):
        MachineSpec(disks=(Disk("scsi", tmp_path / "x"),))
    with pytest.raises(ValueError, match="6 ports"):
        MachineSpec(disks=tuple(Disk("sata", tmp_path / f"{i}") for i in range(7)))
    with pytest.raises(ValueError, match="q35"):
        MachineSpec(machine="pc", disks=(Disk("sata", tmp_path / "x"),))


def test_kernel_cmdline() -> None:
    assert kernel_cmdline({"console": "ttyS0", "quiet": None}) == "console=ttyS0 quiet"
    with pytest.raises(ValueError):
        kernel_cmdline({"oci.server": "http://a b"})


def test_module_closure_follows_modules_dep() -> None:
    modules_dep = (
        "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko"
        " kernel/net/core/failover.ko\n"
        "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
        "kernel/net/core/failover.ko:\n"
        "kernel/drivers/nvme/host/nvme.ko: kernel/drivers/nvme/host/nvme-core.ko\n"
        "kernel/drivers/nvme/host/nvme-core.ko:\n"
        "kernel/drivers/ata/ahci.ko:\n"
    )
    assert module_closure(modules_dep, ["virtio_net", "nvme", "virtio_pci_builtin"]) == [
        "kernel/net/core/failover.ko",
        "kernel/drivers/net/net_failover.ko",
        "kernel/drivers/net/virtio_net.ko",
        "kernel/drivers/nvme/host/nvme-core.ko",
        "kernel/drivers/nvme/host/nvme.ko",
    ]
    assert module_closure(modules_dep, ["nvme-core"]) == ["kernel/drivers/nvme/host/nvme-core.ko"]


def test_library_paths_from_ldd() -> None:
    output = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibkmod.so.2 => /lib/x86_64-linux-gnu/libkmod.so.2 (0x00007f1)\n"
        "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)\n"
        "\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)\n"
    )
    assert library_paths(output) == [
        "/lib/x86_64-linux-gnu/libkmod.so.2",
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/ld-linux-x86-64.so.2",
    ]


# --- the capture ---------------------------------------------------------------


def test_the_committed_capture_holds_what_qemu_was_asked_for() -> None:
    check_capture(FIXTURE)
    # SOURCE.txt's command line asked for what the script asks for today
    source = (FIXTURE / "SOURCE.txt").read_text()
    assert "QEMU emulator version" in source
    recorded = shlex.split(source.rstrip().splitlines()[-1])
    script = load_script()
    today = qemu_argv(script.fake_server(Path("w"), Path("k"), Path("i"), ""))
    for flag in ["-smbios", "-device", "-netdev", "-smp", "-m", "-cpu"]:
        assert device_args(recorded, flag) == device_args(today, flag), flag
