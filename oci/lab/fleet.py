"""The lab's machines and their wiring: N fake servers and the switch ports they plug into.

Pure: `fleet()` says what each machine looks like (SMBIOS, disks, NICs,
BIOS or UEFI) and where each NIC is wired; `machine_spec()` turns one into
the `MachineSpec` QEMU runs (oci/lab/qemu.py), `switch_ports()` into the
emulated switch's port list (oci/lab/switch.py). Nothing starts here.

Wiring of machine i (0-based), in rack 5 of row 2 of dc1:
  NIC 0, virtio (its iPXE ROM boots): QEMU's user network (DHCP hands out
      the boot service's URL as the boot file) and switch dc1-r2-rack5-sw1
      port swp<i+1>, joined by a QEMU hub, so the boot NIC hears LLDP too;
  NIC 1, e1000e: switch dc1-r2-rack5-sw2 port swp<i+1> only.
Even machines boot BIOS, odd ones UEFI (OVMF).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oci.lab.qemu import Disk, MachineSpec, Nic, Smbios
from oci.lab.switch import Port

__all__ = ["SERVER_ADDRESS", "LabMachine", "Wire", "fleet", "machine_spec", "switch_ports"]

OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
SWITCHES = ("dc1-r2-rack5-sw1", "dc1-r2-rack5-sw2")
PRODUCTS = (("Dell Inc.", "PowerEdge R640"), ("Dell Inc.", "PowerEdge R740xd"))
# The NVMe disk holds an installed system (oci-install wants >= 8 GiB); the
# images are sparse, so only what is written takes room.
NVME_BYTES = 12 << 30
# QEMU's user network is the lab's management network (mgmt-zone1, where the
# switch rules rack every machine): the host, i.e. the server, is its first
# address, which IPAM keeps for the gateway. An installed node, with its static
# address there, still reaches the server; DHCP (the live system) hands out
# addresses from .200, away from IPAM's, which start at the bottom.
SERVER_ADDRESS = "192.168.101.1"
USER_NETWORK = (
    "net=192.168.101.0/24,host=192.168.101.1,dns=192.168.101.253,dhcpstart=192.168.101.200"
)
SATA_BYTES = NVME_BYTES  # a RAID 1 member next to the NVMe disk (sparse too)


@dataclass(frozen=True)
class Wire:
    """One NIC's cable: the switch port at its other end, and the UDP ends of it."""

    mac: str
    model: str
    switch: str
    port: str
    switch_udp: int  # where the switch port listens
    qemu_udp: int  # where QEMU's socket netdev listens
    boots: bool = False  # also on QEMU's user network, with the iPXE ROM


@dataclass(frozen=True)
class LabMachine:
    index: int
    name: str
    serial: str
    uuid: str
    manufacturer: str
    product: str
    uefi: bool
    wires: tuple[Wire, ...]
    nvme_serial: str
    sata_serial: str
    # Host port QEMU forwards to the live system's SSH (ocicli machine-install-os --port).
    ssh_port: int | None = None
    # UDP port on 127.0.0.1 of its simulated BMC (IPMI over LAN), which powers it on.
    bmc_port: int | None = None

    @property
    def firmware(self) -> str:
        return "UEFI" if self.uefi else "BIOS"

    @property
    def macs(self) -> list[str]:
        return [wire.mac for wire in self.wires]


def fleet(
    count: int,
    udp_ports: list[int],
    uefi: list[bool] | None = None,
    ssh_ports: list[int] | None = None,
    bmc_ports: list[int] | None = None,
) -> list[LabMachine]:
    """`count` machines; udp_ports gives 4 free ports per machine (2 per NIC),
    `ssh_ports` one free TCP port each for their SSH (none: not forwarded),
    `bmc_ports` one free UDP port each for their BMC (none: no BMC).

    `uefi[i]` overrides machine i's firmware (default: odd machines UEFI)."""
    if len(udp_ports) < 4 * count:
        raise ValueError(f"{count} machines need {4 * count} UDP ports")
    machines = []
    for i in range(count):
        number = i + 1
        manufacturer, product = PRODUCTS[i % len(PRODUCTS)]
        wires = tuple(
            Wire(
                mac=f"52:54:00:1a:{number:02x}:{nic + 1:02x}",
                model="virtio-net-pci" if nic == 0 else "e1000e",
                switch=SWITCHES[nic],
                port=f"swp{number}",
                switch_udp=udp_ports[4 * i + 2 * nic],
                qemu_udp=udp_ports[4 * i + 2 * nic + 1],
                boots=nic == 0,
            )
            for nic in range(2)
        )
        machines.append(
            LabMachine(
                index=i,
                name=f"lab{number}",
                serial=f"OCILAB{number:04d}",
                uuid=f"0c1a0000-0000-4000-8000-{number:012x}",
                manufacturer=manufacturer,
                product=product,
                uefi=(uefi[i] if uefi is not None and i < len(uefi) else i % 2 == 1),
                wires=wires,
                nvme_serial=f"OCINVME{number:04d}",
                sata_serial=f"OCISATA{number:04d}",
                ssh_port=ssh_ports[i] if ssh_ports else None,
                bmc_port=bmc_ports[i] if bmc_ports else None,
            )
        )
    return machines


def switch_ports(machines: list[LabMachine]) -> list[Port]:
    return [
        Port(wire.switch, wire.port, ("127.0.0.1", wire.switch_udp), ("127.0.0.1", wire.qemu_udp))
        for machine in machines
        for wire in machine.wires
    ]


def machine_spec(
    machine: LabMachine, directory: Path, boot_url: str, *, memory_mib: int = 1024
) -> MachineSpec:
    """The QEMU machine: PXE boot from NIC 0 through its iPXE ROM (no -kernel)."""
    nics = []
    extra: list[str] = []
    for index, wire in enumerate(machine.wires):
        socket = f"socket,udp=127.0.0.1:{wire.switch_udp},localaddr=127.0.0.1:{wire.qemu_udp}"
        if wire.boots:
            # a hub joins the NIC, QEMU's user network (DHCP, the way to the
            # server at SERVER_ADDRESS) and the switch port
            hub = f"hubport,hubid={index}"
            extra += [
                "-netdev",
                f"user,id=user{index},{USER_NETWORK},bootfile={boot_url}"
                + (f",hostfwd=tcp:127.0.0.1:{machine.ssh_port}-:22" if machine.ssh_port else ""),
                "-netdev",
                f"hubport,id=hubuser{index},hubid={index},netdev=user{index}",
                "-netdev",
                f"{socket},id=wire{index}",
                "-netdev",
                f"hubport,id=hubwire{index},hubid={index},netdev=wire{index}",
            ]
            # 10 Gbit/s: the lab's networks ride on its first NIC as "10g1"
            nics.append(
                Nic(model=wire.model, mac=wire.mac, netdev=hub, bootindex=1, speed_mbps=10000)
            )
        else:
            nics.append(Nic(model=wire.model, mac=wire.mac, netdev=socket, romfile=""))
    return MachineSpec(
        name=machine.name,
        memory_mib=memory_mib,
        cpus=1,
        uefi_vars=directory / "OVMF_VARS.fd" if machine.uefi else None,
        smbios=Smbios(
            manufacturer=machine.manufacturer,
            product=machine.product,
            serial=machine.serial,
            uuid=machine.uuid,
            sku=f"SKU-{machine.product.split()[-1]}",
            family="PowerEdge",
            board_serial=f"BRD{machine.serial}",
            chassis_serial=machine.serial,
        ),
        nics=tuple(nics),
        disks=(
            Disk(
                kind="nvme",
                image=directory / "nvme0.img",
                size_bytes=NVME_BYTES,
                serial=machine.nvme_serial,
                # after the network: where the installed system boots from
                # (BIOS drive 0x80 for iPXE's sanboot, OVMF's next entry)
                bootindex=2,
            ),
            Disk(
                kind="sata",
                image=directory / "sata0.img",
                size_bytes=SATA_BYTES,
                serial=machine.sata_serial,
                model="OCI LAB SSD",
            ),
        ),
        serial="stdio",
        extra=tuple(extra),
        reboot=True,  # machine-reboot-on-hdd/-live: the lab's machines boot again
    )


def firmware_files(machine: LabMachine) -> dict[str, str]:
    """Files to copy into the machine's directory before it starts (UEFI variables)."""
    return {"OVMF_VARS.fd": OVMF_VARS} if machine.uefi else {}
