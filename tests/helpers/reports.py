"""Discovery reports for tests: real captured outputs, with identities we choose.

The real fixture machines' serials and UUIDs are masked at their source, so
`machine_files` writes chosen ones back into the real dmidecode output, and
adds an `ip -j -d link` listing of chosen MACs (no fixture machine has one).
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Mapping

from oci.ingest.contract import is_report_file
from tests.helpers.paths import FIXTURES


def archive(files: Mapping[str, str | bytes], *, prefix: str = "./") -> bytes:
    """A gzip tar holding ``files``, as the agent builds it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def fixture_files(folder: str) -> dict[str, str]:
    """The contract files of one fixture folder."""
    root = FIXTURES / folder
    return {
        path.name: path.read_text()
        for path in sorted(root.iterdir())
        if path.is_file() and is_report_file(path.name)
    }


def ip_link(nics: list[tuple[str, str]], *, bus: str = "pci") -> str:
    """``ip -j -d link`` output for (name, MAC) NICs on PCI slots 0000:1N:00.0."""
    links = [
        {
            "ifindex": 1,
            "ifname": "lo",
            "flags": ["LOOPBACK", "UP", "LOWER_UP"],
            "link_type": "loopback",
            "address": "00:00:00:00:00:00",
        }
    ]
    for index, (name, mac) in enumerate(nics, start=2):
        link = {
            "ifindex": index,
            "ifname": name,
            "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
            "mtu": 1500,
            "operstate": "UP",
            "link_type": "ether",
            "address": mac,
            "broadcast": "ff:ff:ff:ff:ff:ff",
        }
        if bus == "pci":
            link |= {"parentbus": "pci", "parentdev": f"0000:{index + 14:02x}:00.0"}
        elif bus == "usb":
            link |= {"parentbus": "usb", "parentdev": "1-1.3:1.0"}
        links.append(link)
    return json.dumps(links)


def with_identity(dmidecode: str, serial: str, uuid: str) -> str:
    """The dmidecode text with its System Information serial and UUID set."""
    head, sep, rest = dmidecode.partition("System Information\n")
    block, end, tail = rest.partition("\n\n")
    block = re.sub(r"(\tSerial Number: ).*", rf"\g<1>{serial}", block, count=1)
    block = re.sub(r"(\tUUID: ).*", rf"\g<1>{uuid}", block, count=1)
    return head + sep + block + end + tail


def machine_files(
    serial: str,
    uuid: str = "4c4c4544-0000-1000-8000-000000000000",
    macs: tuple[str, ...] = (),
    *,
    base: str = "dell-poweredge-r740-4da16fd4",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """A report of the real `base` machine, with the identity we ask for."""
    files = fixture_files(base)
    files["dmidecode.txt"] = with_identity(files["dmidecode.txt"], serial, uuid)
    names = [f"eno{i}" for i in range(1, len(macs) + 1)]
    files["ip-link.json"] = ip_link(list(zip(names, macs, strict=True)))
    files.update(extra or {})
    return files


def lldpctl_json(links: list[tuple[str, str, str]]) -> str:
    """``lldpctl -f json`` output (the shape of fixtures/hardware/lldpd-netns) for
    (local NIC, switch host name, switch port) links."""
    interfaces = [
        {
            nic: {
                "via": "LLDP",
                "chassis": {switch: {"id": {"type": "mac", "value": "0c:42:a1:00:00:07"}}},
                "port": {"id": {"type": "ifname", "value": port}},
            }
        }
        for nic, switch, port in links
    ]
    return json.dumps({"lldp": {"interface": interfaces}})


# Pieces of reports: lspci lines (a Tesla T4 GPU, a host bridge), lsblk listings.
T4 = (
    '0000:3b:00.0 "3D controller [0302]" "NVIDIA Corporation [10de]" '
    '"TU104GL [Tesla T4] [1eb8]" -ra1 "NVIDIA Corporation [10de]" "Device [12a2]"\n'
)
HOST_BRIDGE = (
    '0000:00:00.0 "Host bridge [0600]" "Intel Corporation [8086]" '
    '"Sky Lake-E DMI3 Registers [2020]" -r07 "Dell [1028]" "Device [0715]"\n'
)


def lsblk(*disks: tuple[str, int, str]) -> str:
    """lsblk -J -b -O output for (name, size, serial) SATA SSDs."""
    devices = [
        {
            "name": name,
            "kname": name,
            "path": f"/dev/{name}",
            "size": size,
            "rota": False,
            "type": "disk",
            "tran": "sata",
            "model": "MZ7KH480HAHQ0D3",
            "serial": serial,
            "wwn": None,
        }
        for name, size, serial in disks
    ]
    return json.dumps({"blockdevices": devices})


TWO_SSDS = lsblk(("sda", 480103981056, "S4EVNX0N1"), ("sdb", 480103981056, "S4EVNX0N2"))
