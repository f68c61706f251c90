"""lspci parsers and pci.ids naming.

Real inputs: the `lspci -nn` device lines in fixtures/hardware/_gpu (H100, A100 PF+VF, T4, P100,
unnamed A30X, ConnectX-5 Eth+IB, BCM57416, Micron 7450), this VM's `lspci -nnmm -D` and
`lspci -vmmnnk -D`, and an excerpt of Debian's pci.ids (2023.04.10).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oci.ingest import pciids
from oci.ingest.facts import PciFacts
from oci.ingest.lspci import parse_lspci_nn, parse_lspci_nnmm, parse_lspci_vmmnnk, with_names
from oci.ingest.pciids import PciIds, load, parse_pci_ids
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES

GPU = FIXTURES / "_gpu"


@pytest.fixture(scope="module")
def ids() -> PciIds:
    return load(FIXTURES / "pciids-excerpt" / "pci.ids")


def _nn(name: str) -> dict[str, PciFacts]:
    return {d.address: d for d in parse_lspci_nn((GPU / name).read_text())}


# pci.ids ---------------------------------------------------------------------------------------


def test_pci_ids_names(ids: PciIds) -> None:
    assert ids.vendor_name("10DE") == "NVIDIA Corporation"
    assert ids.device_name("10de", "20b9") == "GA100 [A30X]"
    assert ids.device_name("10de", "2330") == "GH100[H100 SXM5 80GB]"  # the file's own typo
    assert ids.device_name("15b3", "1017") == "MT27800 Family [ConnectX-5]"
    assert ids.subsystem_name("15b3", "1017", "15b3", "0007") == "Mellanox ConnectX-5 MCX516A-CCAT"
    assert ids.class_name("0302") == "3D controller"
    assert ids.class_name("0207") == "Infiniband controller"
    assert ids.class_name("0108") == "Non-Volatile memory controller"
    assert ids.class_name("0399") == "Display controller"  # unknown subclass: the class
    assert ids.vendor_name("abcd") is None
    assert ids.device_name("10de", "ffff") is None


def test_pci_ids_skips_prog_ifs_and_junk() -> None:
    ids = parse_pci_ids(
        [
            "# comment",
            "8086  Intel Corporation",
            "\t1572  Ethernet Controller X710",
            "junk line",
            "\tzz  not hex",
            "C 01  Mass storage controller",
            "\t08  Non-Volatile memory controller",
            "\t\t02  NVM Express",
        ]
    )
    assert ids.device_name("8086", "1572") == "Ethernet Controller X710"
    assert ids.class_name("0108") == "Non-Volatile memory controller"
    assert len(ids.devices) == 1


def test_load_default_is_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "pci.ids"
    path.write_text("10de  NVIDIA Corporation\n")
    monkeypatch.setattr(pciids, "DEFAULT_PATHS", (tmp_path / "missing", path))
    pciids.load_default.cache_clear()
    try:
        first = pciids.load_default()
        assert first is not None and first.vendor_name("10de") == "NVIDIA Corporation"
        assert pciids.load_default() is first
        monkeypatch.setattr(pciids, "DEFAULT_PATHS", (tmp_path / "missing",))
        pciids.load_default.cache_clear()
        assert pciids.load_default() is None
    finally:
        pciids.load_default.cache_clear()


@pytest.mark.skipif(not pciids.DEFAULT_PATHS[0].exists(), reason="no system pci.ids")
def test_system_pci_ids_loads() -> None:
    ids = load(pciids.DEFAULT_PATHS[0])
    assert ids.vendor_name("8086") == "Intel Corporation"
    assert len(ids.devices) > 10000


# lspci -nn lines (real, _gpu/) ------------------------------------------------------------------


def test_unnamed_a30x_is_named_by_pci_ids(ids: PciIds) -> None:
    device = _nn("kata-containers.lspci-nn-lines.txt")["0000:d0:00.0"]
    assert (device.vendor_id, device.device_id, device.class_id) == ("10de", "20b9", "0302")
    assert device.class_name == "3D controller"
    assert (device.vendor_name, device.device_name) == ("NVIDIA Corporation", None)
    assert with_names(device, ids).device_name == "GA100 [A30X]"


def test_t4_without_domain(ids: PciIds) -> None:
    device = _nn("kubevirt-user-guide.lspci-nn-lines.txt")["0000:65:00.0"]
    assert (device.vendor_id, device.device_id) == ("10de", "1eb8")
    # Without pci.ids, vendor and device names cannot be told apart in an -nn line.
    assert device.device_name == "NVIDIA Corporation TU104GL [Tesla T4]"
    named = with_names(device, ids)
    assert (named.vendor_name, named.device_name) == ("NVIDIA Corporation", "TU104GL [Tesla T4]")


def test_cyborg_gpus_a100_pf_and_vf_p100_t4(ids: PciIds) -> None:
    devices = _nn("openstack-cyborg.lspci-nn-lines.txt")
    assert sorted(devices) == ["0000:00:06.0", "0000:3b:00.0", "0000:3b:00.4", "0000:af:00.0"]
    names = {a: with_names(d, ids).device_name for a, d in devices.items()}
    assert names == {
        "0000:00:06.0": "GP100GL [Tesla P100 PCIe 12GB]",
        "0000:3b:00.0": "GA100 [A100 PCIe 40GB]",
        "0000:3b:00.4": "GA100 [A100 PCIe 40GB]",  # the SR-IOV VF has the PF's ids
        "0000:af:00.0": "TU104GL [Tesla T4]",
    }


def test_connectx5_in_infiniband_mode(ids: PciIds) -> None:
    devices = _nn("spiderpool.lspci-nn-lines.txt")
    assert sorted(devices) == ["0000:86:00.0", "0000:86:00.1"]
    device = with_names(devices["0000:86:00.0"], ids)
    assert (device.class_id, device.class_name) == ("0207", "Infiniband controller")
    assert (device.vendor_id, device.device_id) == ("15b3", "1017")
    assert device.device_name == "MT27800 Family [ConnectX-5]"


def test_cray_xd665_header_lines(ids: PciIds) -> None:
    devices = _nn("linuxhw-hpe-cray-xd665-64bb2de4.lspci-vvnn-header-lines.txt")
    assert len(devices) == 7
    h100 = devices["0000:04:00.0"]
    assert (h100.vendor_id, h100.device_id) == ("10de", "2330")
    assert h100.device_name == "NVIDIA Corporation GH100 [H100 SXM5 80GB]"
    # The server's pci.ids wins, even with its typo.
    assert with_names(h100, ids).device_name == "GH100[H100 SXM5 80GB]"
    nvme = with_names(devices["0000:05:00.0"], ids)  # "(prog-if 02 [NVM Express])" after rev
    assert (nvme.vendor_id, nvme.device_id, nvme.class_id) == ("1344", "51c3", "0108")
    assert (nvme.vendor_name, nvme.device_name) == ("Micron Technology Inc", "7450 PRO NVMe SSD")
    bcm = with_names(devices["0000:21:00.1"], ids)
    assert (bcm.vendor_id, bcm.device_id, bcm.class_id) == ("14e4", "16d8", "0200")
    assert bcm.device_name == "BCM57416 NetXtreme-E Dual-Media 10G RDMA Ethernet Controller"
    cx5 = devices["0000:03:00.1"]
    assert (cx5.vendor_id, cx5.device_id, cx5.class_name) == ("15b3", "1017", "Ethernet controller")
    # Vendor 1000 is not in the excerpt: the lspci text stays, whole.
    lsi = with_names(devices["0000:06:00.0"], ids)
    assert lsi.vendor_name is None
    assert lsi.device_name == "Broadcom / LSI PCIe Switch management endpoint"


def test_plain_lspci_lines_have_no_ids() -> None:
    text = (FIXTURES / "sandbox-vm-virtio" / "lspci.txt").read_text()
    assert parse_lspci_nn(text) == []


# lspci -nnmm -D / -vmmnnk -D (real, this VM) ---------------------------------------------------


def test_nnmm_of_this_vm() -> None:
    devices = parse_lspci_nnmm((FIXTURES / "sandbox-vm-virtio" / "lspci-nnmm.txt").read_text())
    assert [d.address for d in devices] == [f"0000:00:0{i}.0" for i in range(6)]
    bridge, nic = devices[0], devices[3]
    # "Device [0d57]": the VM's pci.ids did not know it.
    assert (bridge.vendor_id, bridge.device_id, bridge.device_name) == ("8086", "0d57", None)
    assert (bridge.class_id, bridge.class_name) == ("0600", "Host bridge")
    assert bridge.subsystem_vendor_id is None
    assert (nic.vendor_id, nic.device_id, nic.class_id) == ("1af4", "1041", "0200")
    assert (nic.vendor_name, nic.device_name) == ("Red Hat, Inc.", "Virtio 1.0 network device")
    assert (nic.subsystem_vendor_id, nic.subsystem_device_id) == ("1af4", "1041")


def test_vmmnnk_of_this_vm_has_drivers() -> None:
    text = (FIXTURES / "sandbox-vm-virtio" / "lspci-vmmnnk.txt").read_text()
    devices = {d.address: d for d in parse_lspci_vmmnnk(text)}
    assert len(devices) == 6
    assert devices["0000:00:00.0"].driver is None
    assert devices["0000:00:03.0"].driver == "virtio-pci"
    assert devices["0000:00:03.0"].device_name == "Virtio 1.0 network device"


def test_nnmm_gpu_server_constructed(ids: PciIds) -> None:
    text = (FIXTURES / "constructed-gpu-server" / "lspci-nnmm.txt").read_text()
    devices = {d.address: with_names(d, ids) for d in parse_lspci_nnmm(text)}
    assert devices["0000:d0:00.0"].device_name == "GA100 [A30X]"
    assert devices["0000:03:00.0"].subsystem_device_id == "0007"


@pytest.mark.parametrize("text", ["garbage\n", '0000:00:00.0 "x" "y"\n'])
def test_nnmm_garbage(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lspci_nnmm(text)


def test_vmmnnk_garbage() -> None:
    with pytest.raises(ParseError):
        parse_lspci_vmmnnk("Slot: nowhere\nClass: none\n")


def test_with_names_without_ids_changes_nothing() -> None:
    line = "65:00.0 3D controller [0302]: NVIDIA Corporation TU104GL [10de:1eb8]"
    device = parse_lspci_nn(line)[0]
    assert with_names(device, None) is device
