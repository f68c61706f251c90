"""DHCP server configurations for PXE, generated from our networks (dnsmasq, Kea).

Both make the same decisions:
  user class "iPXE" (option 77)          -> the boot service's script over HTTP
  else client architecture 7 or 9 (UEFI) -> ipxe.efi, or shimx64.efi with
                                            secure_boot (then GRUB, oci/boot/tftp.py)
  else (BIOS)                            -> undionly.kpxe
over TFTP from `tftp_server`. Each IPv4 network gets a dynamic range at its top
(`range_size` addresses before the broadcast address), far from the host
addresses machine-add hands out from the bottom; its first host is the router.
Pure: values are checked here (ipaddress, the names' pattern) and written
through a sandboxed template (dnsmasq) or json.dumps (Kea), never pasted.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass

from oci import templates
from oci.boot.scripts import SERVER_URL

__all__ = ["DhcpNetwork", "PxeOptions", "dhcp_network", "dnsmasq_config", "kea_config"]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EFI_ARCHITECTURES = (7, 9)  # EFI BC, EFI x86-64


@dataclass(frozen=True)
class DhcpNetwork:
    name: str
    network: ipaddress.IPv4Network
    router: ipaddress.IPv4Address
    first: ipaddress.IPv4Address  # the dynamic range
    last: ipaddress.IPv4Address


@dataclass(frozen=True)
class PxeOptions:
    boot_url: str  # http://oci.example.net:8080 (the boot service)
    tftp_server: ipaddress.IPv4Address
    tftp_root: str = "/var/lib/oci/tftp"
    secure_boot: bool = False
    lease_seconds: int = 3600

    def __post_init__(self) -> None:
        if not SERVER_URL.match(self.boot_url):
            raise ValueError(f"boot URL {self.boot_url!r}: expected http(s)://HOST[:PORT]")
        if not re.match(r"^/[A-Za-z0-9._/-]*$", self.tftp_root):
            raise ValueError(f"TFTP root {self.tftp_root!r}: an absolute path of plain names")

    @property
    def script_url(self) -> str:
        return self.boot_url.rstrip("/") + "/boot/ipxe"

    @property
    def uefi_loader(self) -> str:
        return "shimx64.efi" if self.secure_boot else "ipxe.efi"


def dhcp_network(name: str, cidr: str, range_size: int = 64) -> DhcpNetwork:
    """A network's DHCP view: router = first host, range = the top range_size hosts."""
    if not NAME.match(name):
        raise ValueError(f"network name {name!r}")
    network = ipaddress.ip_network(cidr)
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"{name}: DHCPv4 serves IPv4 networks only ({cidr})")
    if network.num_addresses < 8:
        raise ValueError(f"{name}: /{network.prefixlen} is too small for a DHCP range")
    size = min(range_size, (network.num_addresses - 2) // 2)
    last = network.broadcast_address - 1
    return DhcpNetwork(name, network, network.network_address + 1, last - (size - 1), last)


def dnsmasq_config(networks: list[DhcpNetwork], options: PxeOptions) -> str:
    return templates.render(
        "pxe/dnsmasq.conf.j2",
        networks=networks,
        options=options,
        efi_architectures=EFI_ARCHITECTURES,
    )


def kea_config(
    networks: list[DhcpNetwork], options: PxeOptions, lease_file: str = "/var/lib/kea/leases4.csv"
) -> str:
    """kea-dhcp4's JSON configuration (check it with `kea-dhcp4 -t FILE`)."""
    is_efi = " or ".join(f"option[93].hex == 0x{arch:04x}" for arch in EFI_ARCHITECTURES)
    next_server = str(options.tftp_server)
    config = {
        "Dhcp4": {
            "interfaces-config": {"interfaces": ["*"]},
            "lease-database": {"type": "memfile", "persist": True, "name": lease_file},
            "valid-lifetime": options.lease_seconds,
            "client-classes": [
                {
                    "name": "ipxe",
                    "test": "substring(option[77].hex,0,4) == 'iPXE'",
                    "boot-file-name": options.script_url,
                },
                {
                    "name": "uefi",
                    "test": f"not member('ipxe') and ({is_efi})",
                    "next-server": next_server,
                    "boot-file-name": options.uefi_loader,
                },
                {
                    "name": "bios",
                    "test": "not member('ipxe') and not member('uefi')",
                    "next-server": next_server,
                    "boot-file-name": "undionly.kpxe",
                },
            ],
            "subnet4": [
                {
                    "id": number,
                    "subnet": str(net.network),
                    "pools": [{"pool": f"{net.first} - {net.last}"}],
                    "option-data": [{"name": "routers", "data": str(net.router)}],
                    "user-context": {"oci-network": net.name},
                }
                for number, net in enumerate(networks, start=1)
            ],
        }
    }
    return json.dumps(config, indent=2) + "\n"
