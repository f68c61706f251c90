"""scripts/capture-qemu-hardware, loaded as a module, and what a capture must hold."""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

from oci.ingest.archive import unpack_report
from oci.ingest.contract import is_report_file
from tests.helpers.paths import FIXTURES, REPO

SCRIPT = REPO / "scripts" / "capture-qemu-hardware"
# The committed capture (SOURCE.txt says how it was made).
FIXTURE = FIXTURES / "qemu-q35-fake-server"


def load_script() -> ModuleType:
    loader = SourceFileLoader("capture_qemu_hardware", str(SCRIPT))
    module = module_from_spec(spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


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

    ran = {
        name: code
        for code, name in (line.split(" ", 1) for line in files["commands.txt"].splitlines())
    }
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


def missing_capture_tools() -> list[str]:
    needed = ["qemu-system-x86_64", "busybox", "cpio", "depmod", "apt-get", "dpkg-deb"]
    return [tool for tool in needed if shutil.which(tool) is None]
