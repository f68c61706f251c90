"""QEMU command lines for fake servers: a machine spec in, an argv out.

`MachineSpec` says what the machine looks like from the inside: SMBIOS strings
(maker, product, serial, UUID, SKU, board, chassis, memory), CPUs, memory,
NICs of given models with fixed MACs, and disks (NVMe, SATA on q35's AHCI,
virtio) with serial numbers. `qemu_argv()` turns it into a command line and
does nothing else, so tests can check it and the lab can reuse it. Only
`create_disk_images()` touches the file system (sparse raw images).

KVM is not usable on our build and CI machines: the
default accelerator is TCG with `-cpu max`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Bmc",
    "Disk",
    "MachineSpec",
    "Nic",
    "Smbios",
    "create_disk_images",
    "kernel_cmdline",
    "option_value",
    "qemu_argv",
    "smbios_args",
]

QEMU = "qemu-system-x86_64"
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"


def option_value(value: str) -> str:
    """A value inside a QEMU -option key=value list: commas are doubled."""
    return str(value).replace(",", ",,")


def _options(head: str, fields: Mapping[str, object]) -> str:
    parts = [head] if head else []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "on" if value else "off"
        parts.append(f"{key}={option_value(str(value))}")
    return ",".join(parts)


@dataclass(frozen=True)
class Smbios:
    """SMBIOS tables QEMU fills in; None leaves QEMU's default.

    Types: 0 BIOS, 1 system, 2 baseboard, 3 chassis, 4 processor, 11 OEM
    strings, 17 memory device (applies to every DIMM QEMU lays out).
    """

    bios_vendor: str | None = None
    bios_version: str | None = None
    bios_date: str | None = None  # MM/DD/YYYY
    manufacturer: str | None = None
    product: str | None = None
    version: str | None = None
    serial: str | None = None
    uuid: str | None = None
    sku: str | None = None
    family: str | None = None
    board_manufacturer: str | None = None
    board_product: str | None = None
    board_serial: str | None = None
    board_asset: str | None = None
    chassis_manufacturer: str | None = None
    chassis_serial: str | None = None
    chassis_asset: str | None = None
    chassis_sku: str | None = None
    cpu_manufacturer: str | None = None
    cpu_version: str | None = None
    memory_manufacturer: str | None = None
    memory_serial: str | None = None
    memory_part: str | None = None
    memory_speed: int | None = None  # MT/s
    oem_strings: tuple[str, ...] = ()


def smbios_args(smbios: Smbios) -> list[str]:
    """`-smbios type=N,...` arguments, one per table that has a value."""
    tables: list[tuple[int, dict[str, object]]] = [
        (
            0,
            {
                "vendor": smbios.bios_vendor,
                "version": smbios.bios_version,
                "date": smbios.bios_date,
            },
        ),
        (
            1,
            {
                "manufacturer": smbios.manufacturer,
                "product": smbios.product,
                "version": smbios.version,
                "serial": smbios.serial,
                "uuid": smbios.uuid,
                "sku": smbios.sku,
                "family": smbios.family,
            },
        ),
        (
            2,
            {
                "manufacturer": smbios.board_manufacturer,
                "product": smbios.board_product,
                "serial": smbios.board_serial,
                "asset": smbios.board_asset,
            },
        ),
        (
            3,
            {
                "manufacturer": smbios.chassis_manufacturer,
                "serial": smbios.chassis_serial,
                "asset": smbios.chassis_asset,
                "sku": smbios.chassis_sku,
            },
        ),
        (4, {"manufacturer": smbios.cpu_manufacturer, "version": smbios.cpu_version}),
        (
            17,
            {
                "manufacturer": smbios.memory_manufacturer,
                "serial": smbios.memory_serial,
                "part": smbios.memory_part,
                "speed": smbios.memory_speed,
            },
        ),
    ]
    argv: list[str] = []
    for number, fields in tables:
        if any(value is not None for value in fields.values()):
            argv += ["-smbios", _options(f"type={number}", fields)]
    for text in smbios.oem_strings:
        argv += ["-smbios", _options("type=11", {"value": text})]
    return argv


@dataclass(frozen=True)
class Bmc:
    """QEMU's simulated BMC (ipmi-bmc-sim) on an ISA KCS interface: ipmitool
    in the guest talks to it through /dev/ipmi0 (modules ipmi_si, ipmi_devintf)."""

    mfg_id: int | None = None  # IANA enterprise number
    product_id: int | None = None
    device_id: int | None = None
    fwrev1: int | None = None
    fwrev2: int | None = None
    guid: str | None = None


@dataclass(frozen=True)
class Nic:
    """A NIC: QEMU device model, MAC, and the network behind it.

    `netdev` is a QEMU -netdev backend without its id (e.g. "user",
    "user,restrict=on", "socket,connect=127.0.0.1:1234").
    """

    model: str  # virtio-net-pci, e1000e, e1000, rtl8139, vmxnet3
    mac: str
    netdev: str = "user"
    bootindex: int | None = None
    romfile: str | None = None  # "" to boot without the NIC's option ROM
    speed_mbps: int | None = None  # virtio-net only: the link speed the guest sees (full duplex)


@dataclass(frozen=True)
class Disk:
    """A disk backed by a raw image: `kind` is nvme, sata or virtio."""

    kind: str
    image: Path
    size_bytes: int = 1 << 30
    serial: str | None = None
    model: str | None = None  # SATA only: the model string the disk reports
    bootindex: int | None = None


DISK_KINDS = ("nvme", "sata", "virtio")


@dataclass(frozen=True)
class MachineSpec:
    name: str = "server"
    memory_mib: int = 1024
    cpus: int = 2
    machine: str = "q35"
    accel: str = "tcg"
    cpu: str = "max"
    uefi_vars: Path | None = None  # a private copy of OVMF_VARS: boots UEFI
    smbios: Smbios = field(default_factory=Smbios)
    nics: tuple[Nic, ...] = ()
    disks: tuple[Disk, ...] = ()
    bmc: Bmc | None = None
    kernel: Path | None = None  # direct kernel boot (with initrd and append)
    initrd: Path | None = None
    append: str = ""
    serial: str = "mon:stdio"  # where the serial console goes (-serial)
    extra: tuple[str, ...] = ()
    # False: a reboot ends QEMU (-no-reboot), so a crash loop stops a test
    # machine; True for a machine that must boot again, e.g. into its disk.
    reboot: bool = False

    def __post_init__(self) -> None:
        for disk in self.disks:
            if disk.kind not in DISK_KINDS:
                raise ValueError(f"disk kind {disk.kind!r}: not one of {', '.join(DISK_KINDS)}")
        if sum(1 for disk in self.disks if disk.kind == "sata") > 6:
            raise ValueError("q35's AHCI controller has 6 ports")
        if any(disk.kind == "sata" for disk in self.disks) and self.machine != "q35":
            raise ValueError("SATA disks sit on q35's built-in AHCI controller")
        macs = [nic.mac.lower() for nic in self.nics]
        if len(set(macs)) != len(macs):
            raise ValueError("two NICs with the same MAC")


def qemu_argv(spec: MachineSpec, qemu: str = QEMU) -> list[str]:
    """The command line that starts `spec`. Pure: creates no disk image."""
    argv = [
        qemu,
        "-name",
        option_value(spec.name),
        "-machine",
        f"{spec.machine},accel={spec.accel}",
        "-cpu",
        spec.cpu,
        "-smp",
        str(spec.cpus),
        "-m",
        str(spec.memory_mib),
        "-nodefaults",
        *([] if spec.reboot else ["-no-reboot"]),
        "-display",
        "none",
        "-serial",
        spec.serial,
    ]
    if spec.uefi_vars is not None:
        argv += [
            "-drive",
            f"if=pflash,format=raw,unit=0,readonly=on,file={option_value(OVMF_CODE)}",
            "-drive",
            f"if=pflash,format=raw,unit=1,file={option_value(str(spec.uefi_vars))}",
        ]
    argv += smbios_args(spec.smbios)
    if spec.bmc is not None:
        bmc = spec.bmc
        fields = {
            "id": "bmc0",
            "mfg_id": bmc.mfg_id,
            "product_id": bmc.product_id,
            "device_id": bmc.device_id,
            "fwrev1": bmc.fwrev1,
            "fwrev2": bmc.fwrev2,
            "guid": bmc.guid,
        }
        argv += ["-device", _options("ipmi-bmc-sim", fields)]
        argv += ["-device", "isa-ipmi-kcs,bmc=bmc0"]
    for index, nic in enumerate(spec.nics):
        argv += ["-netdev", f"{nic.netdev},id=net{index}"]
        device = {"netdev": f"net{index}", "mac": nic.mac, "bootindex": nic.bootindex}
        if nic.romfile is not None:
            device["romfile"] = nic.romfile
        if nic.speed_mbps is not None:
            device |= {"speed": nic.speed_mbps, "duplex": "full"}
        argv += ["-device", _options(nic.model, device)]
    sata_port = 0
    for index, disk in enumerate(spec.disks):
        drive_id = f"{disk.kind}{index}"
        argv += [
            "-drive",
            _options("", {"file": str(disk.image), "if": "none", "id": drive_id, "format": "raw"}),
        ]
        if disk.kind == "nvme":
            disk_device = _options(
                "nvme", {"drive": drive_id, "serial": disk.serial, "bootindex": disk.bootindex}
            )
        elif disk.kind == "sata":
            disk_device = _options(
                "ide-hd",
                {
                    "drive": drive_id,
                    "bus": f"ide.{sata_port}",
                    "serial": disk.serial,
                    "model": disk.model,
                    "bootindex": disk.bootindex,
                },
            )
            sata_port += 1
        else:
            disk_device = _options(
                "virtio-blk-pci",
                {"drive": drive_id, "serial": disk.serial, "bootindex": disk.bootindex},
            )
        argv += ["-device", disk_device]
    if spec.kernel is not None:
        argv += ["-kernel", str(spec.kernel)]
        if spec.initrd is not None:
            argv += ["-initrd", str(spec.initrd)]
        if spec.append:
            argv += ["-append", spec.append]
    else:
        argv += ["-boot", "strict=on"]
    argv += list(spec.extra)
    return argv


def kernel_cmdline(params: Mapping[str, str | None] | Iterable[str]) -> str:
    """A kernel command line from key=value pairs (None: a bare flag)."""
    if isinstance(params, Mapping):
        words = [key if value is None else f"{key}={value}" for key, value in params.items()]
    else:
        words = list(params)
    for word in words:
        if not word or any(c.isspace() for c in word):
            raise ValueError(f"kernel parameter {word!r}: empty or with white space")
    return " ".join(words)


def create_disk_images(spec: MachineSpec) -> None:
    """Create each disk's image as a sparse file of its size, if missing."""
    for disk in spec.disks:
        path = Path(disk.image)
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as image:
            os.truncate(image.fileno(), disk.size_bytes)
