"""Storage controllers, RAID drives, Secure Boot and the CPU clock from our own
agent's files: a real QEMU q35 capture, real lscpu outputs, and storcli JSON
in the shape storcli /call show J prints (constructed: no MegaRAID here)."""

from __future__ import annotations

import json

import pytest

from oci.ingest.report import parse_report
from oci.ingest.storage import parse_megacli_pdlist, parse_storcli
from oci.ingest.values import ParseError
from tests.helpers.reports import fixture_files

Q35 = "qemu-q35-fake-server"
STORCLI = {
    "Controllers": [
        {
            "Command Status": {"Controller": 0, "Status": "Success", "Description": "None"},
            "Response Data": {
                "Product Name": "PERC H730P Mini",
                "PCI Address": "00:18:00:00",
                "FW Package Build": "25.5.6.0009",
                "FW Version": "4.300.00-8352",
                "Driver Name": "megaraid_sas",
                "PD LIST": [
                    {"EID:Slt": "32:0", "DID": 0, "State": "Onln", "Size": "223.062 GB",
                     "Model": "SSDSC2KB240G8R  "},
                    {"EID:Slt": "32:1", "DID": 1, "State": "UGood", "Size": "558.375 GB",
                     "Model": "ST600MM0208"},
                    {"DID": 9, "State": "Onln"},
                ],
            },
        },
        {"Command Status": {"Controller": 1, "Status": "Failure"}},
    ]
}  # fmt: skip


def test_the_q35_machines_controllers_come_from_its_pci_functions() -> None:
    facts = parse_report(fixture_files(Q35))
    found = [(c.name, c.kind, c.driver) for c in facts.controllers]
    assert ("0000:00:1f.2", "ahci", "ahci") in found
    assert ("0000:00:04.0", "nvme", "nvme") in found
    assert all(c.firmware_version is None for c in facts.controllers)
    assert facts.raid_drives == ()


def test_a_megaraid_gets_storclis_firmware_and_its_drives() -> None:
    files = fixture_files(Q35)
    # The q35's SATA controller stands in for the PERC at the address storcli names.
    files["lspci-nnmm.txt"] = files["lspci-nnmm.txt"].replace("0000:00:1f.2", "0000:18:00.0")
    files["storcli.json"] = json.dumps(STORCLI)
    facts = parse_report(files)
    perc = next(c for c in facts.controllers if c.name == "0000:18:00.0")
    assert (perc.model, perc.firmware_version) == ("PERC H730P Mini", "25.5.6.0009")
    drives = [(d.position, d.enclosure, d.slot, d.state, d.model) for d in facts.raid_drives]
    assert drives == [
        ("32:0", "32", "0", "Onln", "SSDSC2KB240G8R"),
        ("32:1", "32", "1", "UGood", "ST600MM0208"),
    ]
    assert facts.raid_drives[0].size_bytes == int(223.062 * 2**30)
    assert {d.controller for d in facts.raid_drives} == {"0000:18:00.0"}


def test_unreadable_storcli_output_is_a_problem_not_a_failure() -> None:
    files = fixture_files(Q35) | {"storcli.json": "CLI Version = 007.1017\nStatus = Failure\n"}
    facts = parse_report(files)
    assert any(p.startswith("storcli.json: not JSON") for p in facts.problems)
    assert "storcli.json" in facts.unreadable  # the known RAID drives are kept
    with pytest.raises(ParseError, match="no 'Controllers' list"):
        parse_storcli("{}")


@pytest.mark.parametrize(
    ("line", "expected"), [("secure_boot=yes", True), ("secure_boot=no", False), ("", None)]
)
def test_secure_boot_comes_from_agent_txt(line: str, expected: bool | None) -> None:
    files = fixture_files(Q35)
    files["agent.txt"] += f"firmware=uefi\n{line}\n"
    assert parse_report(files).system.secure_boot is expected


@pytest.mark.parametrize(
    ("folder", "mhz"),
    [
        # "CPU max MHz: 3000.0000" wins over the moving "CPU MHz: 3299.289".
        ("gigabyte-g482-z54-7ca16e0b", 3000),
        # No max: the current clock, "CPU MHz: 1000.043".
        ("dell-poweredge-r740-4da16fd4", 1000),
    ],
)
def test_the_cpu_clock_is_the_rated_one_when_lscpu_says(folder: str, mhz: int | None) -> None:
    assert parse_report(fixture_files(folder)).cpu.mhz == mhz


def test_sysfs_firmware_reaches_the_nvme_and_sata_controllers() -> None:
    files = fixture_files(Q35)
    files["storage-firmware.txt"] = (
        "0000:00:04.0 1.0\n"  # the QEMU NVMe controller's firmware_rev
        "garbage line\n"
        "0000:99:00.0 7.10\n"  # no such PCI function: ignored
    )
    firmware = {c.name: c.firmware_version for c in parse_report(files).controllers}
    assert firmware["0000:00:04.0"] == "1.0"
    assert firmware["0000:00:1f.2"] is None
    assert "0000:99:00.0" not in firmware


# megacli -PDList -aALL -NoLog, trimmed to the lines read and a few around them
# (constructed in megacli 8.07's layout: no MegaRAID here).
MEGACLI = """
Adapter #0

Enclosure Device ID: 32
Slot Number: 0
Drive's position: DiskGroup: 0, Span: 0, Arm: 0
Device Id: 0
PD Type: SATA

Raw Size: 223.570 GB [0x1bf244b0 Sectors]
Non Coerced Size: 223.070 GB [0x1be244b0 Sectors]
Coerced Size: 222.5 GB [0x1bd00000 Sectors]
Sector Size:  0
Firmware state: Online, Spun Up
Inquiry Data: PHYF9123004Z240AGN  SSDSC2KB240G8R                          XCV1DL69

Enclosure Device ID: 32
Slot Number: 1
Device Id: 1
Non Coerced Size: 558.411 GB [0x45cd2fb0 Sectors]
Sector Size:  512
Firmware state: Unconfigured(good), Spun down
Inquiry Data: SEAGATE ST600MM0208     LS0AW0M0ABCD
"""


def test_megacli_drives_when_storcli_is_absent() -> None:
    files = fixture_files(Q35) | {"megacli-pdlist.txt": MEGACLI}
    drives = parse_report(files).raid_drives
    assert [(d.position, d.state, d.size_bytes) for d in drives] == [
        # Sector Size 0 means 512, as OCI's agent takes it.
        ("32:0", "Online", 0x1BE244B0 * 512),
        ("32:1", "Unconfigured(good)", 0x45CD2FB0 * 512),
    ]
    assert drives[1].model == "SEAGATE ST600MM0208 LS0AW0M0ABCD"


# Sizes and clocks past their columns (BigInteger bytes, Integer MHz) would be a
# database error at write: the file is a problem, unreadable, and the drives or
# CPU facts known before are kept (oci.inventory.hardware.arrived).
HUGE_MEGACLI = MEGACLI.replace("[0x45cd2fb0 Sectors]", "[0xffffffffffffffffff Sectors]")


def test_a_megacli_drive_past_64_bits_is_a_problem_not_a_database_error() -> None:
    files = fixture_files(Q35) | {"megacli-pdlist.txt": HUGE_MEGACLI}
    facts = parse_report(files)
    assert facts.raid_drives == ()
    assert "megacli-pdlist.txt" in facts.unreadable
    assert any(
        p.startswith("megacli-pdlist.txt: drive 32:1: 0xffffffffffffffffff sectors")
        for p in facts.problems
    ), facts.problems


def test_a_huge_megacli_sector_size_is_a_problem_too() -> None:
    text = MEGACLI.replace("Sector Size:  512", "Sector Size:  " + "9" * 30)
    with pytest.raises(ParseError, match="drive 32:1"):
        parse_megacli_pdlist(text)


def test_a_storcli_drive_past_64_bits_is_a_problem() -> None:
    data = json.loads(json.dumps(STORCLI))
    data["Controllers"][0]["Response Data"]["PD LIST"][1]["Size"] = "99999999 TB"
    with pytest.raises(ParseError, match="drive 32:1: 99999999 TB"):
        parse_storcli(json.dumps(data))


@pytest.mark.parametrize(
    "line", ["CPU max MHz:         4294967296.0000", "CPU(s): 4294967296", "Socket(s): 65537"]
)
def test_an_lscpu_number_past_its_column_is_a_problem(line: str) -> None:
    field = line.partition(":")[0]
    lscpu = "Architecture: x86_64\nCPU(s): 4\nSocket(s): 1\nCore(s) per socket: 4\n"
    files = fixture_files(Q35) | {"lscpu.txt": f"{line}\n{lscpu}"}
    files.pop("lscpu.json", None)
    facts = parse_report(files)
    assert any(p.startswith(f"lscpu.txt: {field}: ") for p in facts.problems), facts.problems
    assert (facts.cpu.mhz or 0) <= 10**6 and (facts.cpu.threads or 0) <= 2**16
