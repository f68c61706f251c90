"""What an installation needs to know, as plain data: `inputs.gather` fills it from
the inventory, `plan` turns it into the bundle. Nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FIRMWARES", "DiskInput", "HostEntry", "InstallInputs", "NetworkInput"]

# How the machine boots; "auto": unknown to the server, the installer looks at
# /sys/firmware/efi in the live system (booted by the same firmware).
FIRMWARES = ("bios", "uefi", "auto")


@dataclass(frozen=True)
class DiskInput:
    name: str  # kernel name: sda, nvme0n1
    size_bytes: int
    transport: str | None = None  # usb disks are never installed on


@dataclass(frozen=True)
class NetworkInput:
    """One network this machine is configured in."""

    name: str
    cidr: str  # network address/prefix
    role: str  # a machine role, all, vm-net, ovs-bridge, ...
    interfaces: tuple[str, ...]  # resolved NIC names: one, or two for a bond
    address: str | None  # this machine's address; None for an ovs-bridge or a public network
    vlan: int | None = None
    mtu: int | None = None
    bridge: str | None = None  # an OVS bridge the network rides on
    is_public: bool = False


@dataclass(frozen=True)
class HostEntry:
    address: str
    fqdn: str


@dataclass(frozen=True)
class InstallInputs:
    serial: str | None
    status_key: str  # what names the machine in /api/v1/machines/<key>/status
    hostname: str  # fully qualified: CLUSTER-ROLE-N.DOMAIN
    cluster: str
    role: str
    disks: tuple[DiskInput, ...]  # every disk discovery found
    install_on_raid: bool
    raid_type: str | None  # "0", "1", "5", "6", "10"
    raid_devices: tuple[str, ...]
    serial_console: str  # "none" or ttyS0..ttyS3
    firmware: str  # one of FIRMWARES
    networks: tuple[NetworkInput, ...]
    hosts: tuple[HostEntry, ...]  # other hosts the node must resolve (controllers, VIP...)
    api_url: str  # where the installer and the node report their status
    puppet_server: str
    debian_mirror: str
    debian_release: str
    ca_chain: bytes  # PEM: intermediate then root
    certificate: bytes  # the node's PEM certificate
    private_key: bytes  # the node's PEM key: leaves the server only in this bundle
    debian_security_mirror: str = ""  # empty: no security updates source
    ssh_authorized_keys: str = ""  # the server's public key, so that it can reach the node
    root_password: str = ""  # machine-gen-root-pass's, set by the installer; empty: none
    dest_blk: str | None = None  # machine-set --dest-blk: the disk to install on
