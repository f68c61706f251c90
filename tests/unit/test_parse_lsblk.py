"""lsblk -J -b -O and nvme list -o json parsers.

Real: this VM's lsblk (zram0 + virtio vda; and with a loop device), the netbox-agent
`nvme list -o json` (nvme-cli 1.x). Constructed (labelled in its SOURCE.txt): a server's lsblk
with SATA/SAS/USB/DVD/NVMe devices and an nvme-cli 2.x list.
"""

from __future__ import annotations

import json

import pytest

from oci.ingest.facts import DiskFacts
from oci.ingest.lsblk import parse_lsblk
from oci.ingest.nvme import NvmeNamespace, parse_nvme_list
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES


def test_vm_virtio_disk_and_zram_skipped() -> None:
    disks = parse_lsblk((FIXTURES / "sandbox-vm-virtio" / "lsblk.json").read_text())
    # zram0 (a compressed RAM swap) is not a disk; vda is, on virtio, rota=true in this VM.
    assert disks == [
        DiskFacts(
            name="vda",
            size_bytes=274877906944,
            kind="hdd",
            rotational=True,
            model=None,
            serial=None,
            wwn=None,
            transport="virtio",
        )
    ]


def test_vm_loop_device_skipped() -> None:
    disks = parse_lsblk((FIXTURES / "sandbox-vm-virtio-loop" / "lsblk.json").read_text())
    assert [d.name for d in disks] == ["vda"]


def test_server_disks_constructed() -> None:
    disks = {
        d.name: d
        for d in parse_lsblk((FIXTURES / "constructed-gpu-server" / "lsblk.json").read_text())
    }
    # loop0, zram0, sr0 (rom) and sdd (card reader, size 0) are skipped; partitions too.
    assert sorted(disks) == ["nvme0n1", "sda", "sdb", "sdc"]
    sda = disks["sda"]
    assert (sda.kind, sda.transport, sda.size_bytes, sda.rotational) == (
        "ssd",
        "sata",
        480103981056,
        False,
    )
    assert (sda.model, sda.serial, sda.wwn) == (
        "MTFDDAK480TDS",
        "2106305F1A2B",
        "0x500a07512f1a2b3c",
    )
    sdb = disks["sdb"]
    assert (sdb.kind, sdb.transport, sdb.model) == ("hdd", "sas", "AL15SEB24EQ")  # padding stripped
    assert (disks["sdc"].kind, disks["sdc"].transport) == ("hdd", "usb")
    nvme = disks["nvme0n1"]
    assert (nvme.kind, nvme.transport, nvme.size_bytes) == ("nvme", "nvme", 960197124096)


def test_old_util_linux_strings() -> None:
    """Constructed in util-linux < 2.33 style: numbers and flags printed as strings."""
    text = json.dumps(
        {
            "blockdevices": [
                {
                    "name": "sda",
                    "type": "disk",
                    "size": "480103981056",
                    "rota": "0",
                    "tran": "sata",
                },
                {
                    "name": "sdb",
                    "type": "disk",
                    "size": "4000787030016",
                    "rota": "1",
                    "tran": "sas",
                },
                {"name": "md127", "type": "raid1", "size": "480103981056", "rota": "0"},
                {"name": "dm-0", "type": "disk", "size": "1000", "rota": "0"},
                {"name": "sdx", "type": "disk", "size": "100", "rota": None},
            ]
        }
    )
    kinds = {d.name: d.kind for d in parse_lsblk(text)}
    assert kinds == {"sda": "ssd", "sdb": "hdd", "sdx": "other"}


@pytest.mark.parametrize("text", ["", "{", "[]", '{"blockdevices": 3}', "garbage"])
def test_lsblk_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lsblk(text)


def test_nvme_list_cli_1x_real() -> None:
    text = (
        FIXTURES
        / "_samples"
        / "nvme-list-json"
        / "netbox-agent-toshiba-kxg60znv1t02"
        / "nvme-list.json"
    ).read_text()
    assert parse_nvme_list(text) == [
        NvmeNamespace(
            name="nvme0n1",
            model="KXG60ZNV1T02 NVMe TOSHIBA 1024GB",
            serial="19FA109SK07N",
            firmware="10604103",
            size_bytes=1024209543168,
        )
    ]


def test_nvme_list_cli_2x_constructed_strips_padding() -> None:
    namespaces = parse_nvme_list(
        (FIXTURES / "constructed-gpu-server" / "nvme-list.json").read_text()
    )
    assert [(n.name, n.model, n.serial, n.firmware) for n in namespaces] == [
        ("nvme0n1", "Micron_7450_MTFDKCC960TFR", "22353D1A2B3C", "E2MU200"),
        ("nvme1n1", "Micron_7450_MTFDKCC960TFR", "22353D4D5E6F", "E2MU200"),
    ]


@pytest.mark.parametrize("text", ["", '{"Devices": [', "[]", '{"devices": []}'])
def test_nvme_list_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_nvme_list(text)


def test_nvme_list_empty_is_no_disk() -> None:
    assert parse_nvme_list('{"Devices": []}') == []
