"""Plain `lspci` (names only, no [vendor:device] ids), as operators paste it.

The lines are real lspci output for a Micron 7450 PRO and a dual-port ConnectX-6 in
InfiniBand mode; the pci.ids lines are Debian's pci.ids (2023.04.10), copied.
"""

from __future__ import annotations

import pytest

from oci.ingest.lspci import UNKNOWN_ID, parse_lspci
from oci.ingest.pciids import PciIds, parse_pci_ids
from oci.ingest.report import parse_report
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES

PLAIN = """\
01:00.0 Non-Volatile memory controller: Micron Technology Inc 7450 PRO NVMe SSD (rev 01)
02:00.0 Non-Volatile memory controller: Micron Technology Inc 7450 PRO NVMe SSD (rev 01)
41:00.0 Infiniband controller: Mellanox Technologies MT28908 Family [ConnectX-6]
41:00.1 Infiniband controller: Mellanox Technologies MT28908 Family [ConnectX-6]
"""
PCI_IDS = """\
1344  Micron Technology Inc
\t51c3  7450 PRO NVMe SSD
15b3  Mellanox Technologies
\t101b  MT28908 Family [ConnectX-6]
\t101c  MT28908 Family [ConnectX-6 Virtual Function]
8086  Intel Corporation
C 01  Mass storage controller
\t08  Non-Volatile memory controller
C 02  Network controller
\t07  Infiniband controller
"""


@pytest.fixture(scope="module")
def ids() -> PciIds:
    return parse_pci_ids(PCI_IDS.splitlines())


def test_names_only_lines_give_devices_with_ids_from_pci_ids(ids: PciIds) -> None:
    devices = {d.address: d for d in parse_lspci(PLAIN, ids)}
    assert sorted(devices) == ["0000:01:00.0", "0000:02:00.0", "0000:41:00.0", "0000:41:00.1"]
    nvme = devices["0000:01:00.0"]
    assert (nvme.class_id, nvme.class_name) == ("0108", "Non-Volatile memory controller")
    assert (nvme.vendor_id, nvme.vendor_name) == ("1344", "Micron Technology Inc")
    assert (nvme.device_id, nvme.device_name) == ("51c3", "7450 PRO NVMe SSD")
    for address in ("0000:41:00.0", "0000:41:00.1"):
        hca = devices[address]
        assert (hca.class_id, hca.class_name) == ("0207", "Infiniband controller")
        assert (hca.vendor_id, hca.vendor_name) == ("15b3", "Mellanox Technologies")
        # "[ConnectX-6]" is part of the name, not an id.
        assert (hca.device_id, hca.device_name) == ("101b", "MT28908 Family [ConnectX-6]")


def test_names_only_lines_without_pci_ids_keep_the_names() -> None:
    devices = parse_lspci(PLAIN, None)
    assert len(devices) == 4
    hca = devices[2]
    assert (hca.address, hca.class_name) == ("0000:41:00.0", "Infiniband controller")
    assert hca.device_name == "Mellanox Technologies MT28908 Family [ConnectX-6]"
    assert (hca.vendor_id, hca.device_id, hca.class_id) == (UNKNOWN_ID, UNKNOWN_ID, None)


def test_unnamed_devices_keep_the_id_lspci_printed(ids: PciIds) -> None:
    (bridge,) = parse_lspci("00:00.0 Host bridge: Intel Corporation Device 0d57\n", ids)
    assert (bridge.vendor_id, bridge.device_id, bridge.device_name) == ("8086", "0d57", None)


def test_a_real_plain_capture_gives_every_device() -> None:
    text = (FIXTURES / "qemu-q35-fake-server" / "lspci.txt").read_text()
    devices = parse_lspci(text, None)
    assert len(devices) == len(text.splitlines()) == 8
    assert devices[4].class_name == "Non-Volatile memory controller"


def test_lspci_text_of_neither_form_is_a_problem() -> None:
    with pytest.raises(ParseError, match="no line"):
        parse_lspci("not lspci at all\n", None)


def test_a_report_with_plain_lspci_lists_its_pci_devices(ids: PciIds) -> None:
    facts = parse_report({"lspci.txt": PLAIN}, ids)
    assert [d.device_name for d in facts.pci_devices] == [
        "7450 PRO NVMe SSD",
        "7450 PRO NVMe SSD",
        "MT28908 Family [ConnectX-6]",
        "MT28908 Family [ConnectX-6]",
    ]
    assert facts.problems == ()
