"""The QEMU capture: the lab's command-line builders, and the capture itself.

The committed capture (tests/fixtures/hardware/qemu-q35-fake-server/) must hold
what scripts/capture-qemu-hardware asked QEMU for: this checks the capture,
not the parsers. The slow test makes a new capture the same way.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

from oci.ingest.archive import unpack_report
from oci.ingest.contract import is_report_file
from oci.lab.initramfs import INIT, UDHCPC_SCRIPT, library_paths, module_closure
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

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "capture-qemu-hardware"
FIXTURE = ROOT / "tests" / "fixtures" / "hardware" / "qemu-q35-fake-server"


def load_script():
    loader = SourceFileLoader("capture_qemu_hardware", str(SCRIPT))
    module = module_from_spec(spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def device_args(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == flag]


# --- the pure builders -------------------------------------------------------


def test_smbios_args_double_commas_and_skip_empty_tables():
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


def test_qemu_argv_for_a_fake_server(tmp_path):
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


def test_qemu_argv_firmware_boot_and_uefi(tmp_path):
    argv = qemu_argv(MachineSpec(uefi_vars=tmp_path / "vars.fd"), qemu="qemu")
    assert argv[0] == "qemu"
    assert device_args(argv, "-drive") == [
        "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        f"if=pflash,format=raw,unit=1,file={tmp_path}/vars.fd",
    ]
    assert argv[argv.index("-boot") + 1] == "strict=on"
    assert "-kernel" not in argv


def test_machine_spec_refuses_what_qemu_would_refuse(tmp_path):
    with pytest.raises(ValueError, match="same MAC"):
        MachineSpec(nics=(Nic("e1000e", "52:54:00:00:00:01"), Nic("e1000", "52:54:00:00:00:01")))
    with pytest.raises(ValueError, match="disk kind"):
        MachineSpec(disks=(Disk("scsi", tmp_path / "x"),))
    with pytest.raises(ValueError, match="6 ports"):
        MachineSpec(disks=tuple(Disk("sata", tmp_path / f"{i}") for i in range(7)))
    with pytest.raises(ValueError, match="q35"):
        MachineSpec(machine="pc", disks=(Disk("sata", tmp_path / "x"),))


def test_kernel_cmdline():
    assert kernel_cmdline({"console": "ttyS0", "quiet": None}) == "console=ttyS0 quiet"
    with pytest.raises(ValueError):
        kernel_cmdline({"oci.server": "http://a b"})


def test_module_closure_follows_modules_dep():
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


def test_library_paths_from_ldd():
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


def test_lab_shell_scripts_are_shellcheck_clean(tmp_path):
    if shutil.which("shellcheck") is None:
        pytest.skip("no shellcheck (scripts/apt-packages installs it)")
    for name, text in [("init", INIT), ("udhcpc.script", UDHCPC_SCRIPT)]:
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(tmp_path / "init"), str(tmp_path / "udhcpc.script")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


# --- the capture ---------------------------------------------------------------


def system_information(dmidecode: str) -> dict[str, str]:
    """The "System Information" block of dmidecode's text, as key: value."""
    block = dmidecode.split("\nSystem Information\n", 1)[1].split("\n\n", 1)[0]
    return dict(line.strip().split(": ", 1) for line in block.splitlines() if ": " in line.strip())


def check_capture(directory: Path) -> None:
    script = load_script()
    files = {p.name: p.read_text() for p in directory.iterdir() if p.name != "SOURCE.txt"}
    for name in files:
        assert is_report_file(name), name
    # the server would take it as it is
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in sorted(files):
            archive.add(directory / name, arcname=name)
    assert unpack_report(buffer.getvalue()) == files

    ran = dict(reversed(line.split(" ", 1)) for line in files["commands.txt"].splitlines())
    for name in ["dmidecode.txt", "lspci-nnmm.txt", "lsblk.json", "nvme-list.json"]:
        assert ran[name] == "0", name
    for name in ["ip-link.json", "ip-addr.json", "lscpu.json", "ipmitool-mc-info.txt"]:
        assert ran[name] == "0", name

    smbios = script.SMBIOS
    system = system_information(files["dmidecode.txt"])
    assert system["Manufacturer"] == smbios.manufacturer
    assert system["Product Name"] == smbios.product
    assert system["Serial Number"] == smbios.serial
    assert system["UUID"] == smbios.uuid
    assert system["SKU Number"] == smbios.sku
    assert f"Serial Number: {smbios.board_serial}" in files["dmidecode.txt"]
    assert f"Serial Number: {smbios.chassis_serial}" in files["dmidecode.txt"]

    nvme = json.loads(files["nvme-list.json"])
    assert [d["SerialNumber"].strip() for d in nvme["Devices"]] == [script.NVME_SERIAL]
    disks = {d["name"]: d for d in json.loads(files["lsblk.json"])["blockdevices"]}
    assert disks["nvme0n1"]["serial"].strip() == script.NVME_SERIAL
    assert disks["nvme0n1"]["size"] == 4 << 30
    assert disks["sda"]["model"].strip() == "OCI SATA SSD"
    assert disks["sda"]["size"] == 2 << 30

    links = json.loads(files["ip-link.json"])
    macs = {link["address"] for link in links if link["ifname"] != "lo"}
    assert macs == {nic.mac for nic in script.NICS}
    drivers = {
        re.search(r"^driver: (\S+)", text, re.M)[1]
        for name, text in files.items()
        if name.startswith("ethtool-")
    }
    assert drivers == {"virtio_net", "e1000e", "e1000"}
    ethernet = [line for line in files["lspci-nnmm.txt"].splitlines() if "[0200]" in line]
    assert len(ethernet) == len(script.NICS)

    cpus = {f["field"]: f["data"] for f in json.loads(files["lscpu.json"])["lscpu"]}
    assert cpus["CPU(s):"] == "2"
    assert f"Manufacturer ID           : {script.BMC.mfg_id}" in files["ipmitool-mc-info.txt"]
    assert f"boot_mac={script.NICS[0].mac}" in files["agent.txt"]


def test_the_committed_capture_holds_what_qemu_was_asked_for():
    check_capture(FIXTURE)
    # SOURCE.txt's command line asked for what the script asks for today
    source = (FIXTURE / "SOURCE.txt").read_text()
    assert "QEMU emulator version" in source
    recorded = shlex.split(source.rstrip().splitlines()[-1])
    script = load_script()
    today = qemu_argv(script.fake_server(Path("w"), Path("k"), Path("i"), ""))
    for flag in ["-smbios", "-device", "-netdev", "-smp", "-m", "-cpu"]:
        assert device_args(recorded, flag) == device_args(today, flag), flag


def _missing_tools() -> list[str]:
    needed = ["qemu-system-x86_64", "busybox", "cpio", "depmod", "apt-get", "dpkg-deb"]
    return [tool for tool in needed if shutil.which(tool) is None]


@pytest.mark.slow
@pytest.mark.skipif(bool(_missing_tools()), reason=f"missing: {_missing_tools()}")
def test_a_new_capture(tmp_path):
    """The whole capture: Debian kernel (cached), initramfs, TCG boot (~25 s)."""
    cache = os.environ.get("OCI_LAB_CACHE", str(Path("~/.cache/oci-lab").expanduser()))
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "capture"), "--cache", cache],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check_capture(tmp_path / "capture")
