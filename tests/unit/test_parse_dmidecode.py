"""dmidecode parser against the 12 real machines (tests/fixtures/hardware/*/dmidecode.txt).

Expected values were read off the raw files by hand; serials and UUIDs are
masked ("--") at the source (linuxhw), so serial is "--" and the UUID None.
"""

from __future__ import annotations

import pytest

from oci.ingest.dmidecode import parse_dmidecode
from oci.ingest.values import ParseError
from tests.helpers.paths import FIXTURES

GIB = 1024**3

# folder: (manufacturer, product, sku, bios version, bios date)
SYSTEMS = {
    "dell-poweredge-r740-4da16fd4": (
        "Dell Inc.",
        "PowerEdge R740",
        "SKU=0715;ModelName=PowerEdge R740",
        "2.7.7",
        "05/04/2020",
    ),
    "dell-poweredge-r750-d1750e58": (
        "Dell Inc.",
        "PowerEdge R750",
        "SKU=090E;ModelName=PowerEdge R750",
        "1.10.2",
        "03/03/2023",
    ),
    "dell-poweredge-r7525-ffbad714": (
        "Dell Inc.",
        "PowerEdge R7525",
        "SKU=NotProvided;ModelName=PowerEdge R7525",
        "1.2.11",
        "01/28/2020",
    ),
    "hpe-proliant-dl380-gen10-e9f33a82": (
        "HPE",
        "ProLiant DL380 Gen10",
        "868705-B21",
        "U30",
        "03/09/2020",
    ),
    "hpe-cray-xd665-64bb2de4": (
        "HPE",
        "HPE Cray SC XD665",
        "HPE Cray SC XD665",
        "CA65_5.27_v1.14",
        "12/11/2023",
    ),
    "lenovo-thinksystem-sr645-d7703201": (
        "Lenovo",
        "ThinkSystem SR645",
        "7D2XCTO1WW",
        "D8E106Q-1.01",
        "05/30/2020",
    ),
    # "Product Name: HR630X           ": trailing blanks stripped.
    "lenovo-thinksystem-hr630x-b51c5a64": ("Lenovo", "HR630X", "INVALID", "HR6N0139", "11/15/2018"),
    "supermicro-sys-2049u-tr4-13107e8a": (
        "Supermicro",
        "SYS-2049U-TR4",
        "097F15D9",
        "3.3",
        "02/25/2020",
    ),
    "supermicro-as-4124gs-tnr-7104941b": (
        "Supermicro",
        "AS -4124GS-TNR",
        "To be filled by O.E.M.",
        "2.3",
        "10/21/2021",
    ),
    "gigabyte-g482-z54-7ca16e0b": (
        "GIGABYTE",
        "G482-Z54-00",
        "01234567890123456789AB",
        "R01",
        "12/02/2020",
    ),
    "gigabyte-e252-p30-ampere-513b50b6": (
        "GIGABYTE",
        "E252-P30-00",
        "01234567890123456789AB",
        "F31L (SCP: 2.10.20220531)",
        "09/29/2022",
    ),
    "huawei-taishan-200-2280-d4c1a2bb": (
        "Huawei",
        "TaiShan 200 (Model 2280)",
        "To be filled by O.E.M.",
        "1.35",
        "04/30/2020",
    ),
}

# folder: (populated sockets, model, vendor, cores, threads, architecture hint)
CPUS = {
    # CPU2 is "Status: Unpopulated" in this R740 (lscpu agrees: one socket).
    "dell-poweredge-r740-4da16fd4": (
        1,
        "Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz",
        "Intel",
        24,
        48,
        "x86_64",
    ),
    "dell-poweredge-r750-d1750e58": (
        2,
        "Intel(R) Xeon(R) Silver 4316 CPU @ 2.30GHz",
        "Intel",
        40,
        80,
        "x86_64",
    ),
    "dell-poweredge-r7525-ffbad714": (
        2,
        "AMD EPYC 7302 16-Core Processor",
        "AMD",
        32,
        64,
        "x86_64",
    ),
    "hpe-proliant-dl380-gen10-e9f33a82": (
        2,
        "Intel(R) Xeon(R) Gold 6142 CPU @ 2.60GHz",
        "Intel(R) Corporation",
        32,
        64,
        "x86_64",
    ),
    "hpe-cray-xd665-64bb2de4": (
        2,
        "AMD EPYC 9354 32-Core Processor",
        "Advanced Micro Devices, Inc.",
        64,
        128,
        "x86_64",
    ),
    "lenovo-thinksystem-sr645-d7703201": (
        2,
        "AMD EPYC 7642 48-Core Processor",
        "Advanced Micro Devices, Inc.",
        96,
        192,
        "x86_64",
    ),
    "lenovo-thinksystem-hr630x-b51c5a64": (
        2,
        "Intel(R) Xeon(R) Gold 6140 CPU @ 2.30GHz",
        "Intel(R) Corporation",
        36,
        72,
        "x86_64",
    ),
    "supermicro-sys-2049u-tr4-13107e8a": (
        4,
        "Intel(R) Xeon(R) Gold 6240 CPU @ 2.60GHz",
        "Intel(R) Corporation",
        72,
        144,
        "x86_64",
    ),
    "supermicro-as-4124gs-tnr-7104941b": (
        2,
        "AMD EPYC 7763 64-Core Processor",
        "Advanced Micro Devices, Inc.",
        128,
        256,
        "x86_64",
    ),
    "gigabyte-g482-z54-7ca16e0b": (
        2,
        "AMD EPYC 7302 16-Core Processor",
        "Advanced Micro Devices, Inc.",
        32,
        64,
        "x86_64",
    ),
    "gigabyte-e252-p30-ampere-513b50b6": (
        1,
        "Ampere(R) Altra(R) Processor",
        "Ampere(R)",
        80,
        80,
        "aarch64",
    ),
    "huawei-taishan-200-2280-d4c1a2bb": (2, "Kunpeng 920-4826", "HiSilicon", 96, 96, "aarch64"),
}

# folder: (modules, total, first module: locator, size, type, speed, maker, part number)
MEMORY = {
    "dell-poweredge-r740-4da16fd4": (
        6,
        96 * GIB,
        ("A1", 16 * GIB, "DDR4", 3200, "00AD069D00AD", "HMA82GR7CJR8N-XN"),
    ),
    "dell-poweredge-r750-d1750e58": (
        16,
        1024 * GIB,
        ("A1", 64 * GIB, "DDR4", 3200, "002C0632002C", "36ASF8G72PZ-3G2E1"),
    ),
    "dell-poweredge-r7525-ffbad714": (
        16,
        512 * GIB,
        ("A1", 32 * GIB, "DDR4", 2666, "80CE80B380CE", "M393A4K40CB2-CTD"),
    ),
    "hpe-proliant-dl380-gen10-e9f33a82": (
        12,
        192 * GIB,
        ("PROC 1 DIMM 1", 16 * GIB, "DDR4", 2666, "HPE", "840757-091"),
    ),
    "hpe-cray-xd665-64bb2de4": (
        24,
        1536 * GIB,
        ("CPU1_DIMM_A1", 64 * GIB, "DDR5", 4800, "SK Hynix", "HMCG94AEBRA123N"),
    ),
    "lenovo-thinksystem-sr645-d7703201": (
        16,
        512 * GIB,
        ("DIMM 10", 32 * GIB, "DDR4", 3200, "Samsung", "M393A4K40DB3-CWE"),
    ),
    "lenovo-thinksystem-hr630x-b51c5a64": (
        12,
        96 * GIB,
        ("CPU1_DIMM_A1", 8 * GIB, "DDR4", 2666, "Hynix", "HMA81GR7AFR8N-VK"),
    ),
    "supermicro-sys-2049u-tr4-13107e8a": (
        24,
        384 * GIB,
        ("P1-DIMMA1", 16 * GIB, "DDR4", 2666, "Hynix", "HMA82GR7JJR8N-VK"),
    ),
    "supermicro-as-4124gs-tnr-7104941b": (
        16,
        1024 * GIB,
        ("P1-DIMMA2", 64 * GIB, "DDR4", 3200, "SK Hynix", "HMAA8GR7AJR4N-XN"),
    ),
    "gigabyte-g482-z54-7ca16e0b": (
        16,
        256 * GIB,
        ("DIMM_P0_A1", 16 * GIB, "DDR4", 3200, "Micron Technology", "18ASF2G72PDZ-3G2E1"),
    ),
    # No empty slot records at all on this Ampere board.
    "gigabyte-e252-p30-ampere-513b50b6": (
        16,
        256 * GIB,
        ("DIMM_P0_A0", 16 * GIB, "DDR4", 3200, "Micron Technology", "18ASF2G72PDZ-3G2R1"),
    ),
    "huawei-taishan-200-2280-d4c1a2bb": (
        16,
        256 * GIB,
        ("DIMM000 J27", 16 * GIB, "DDR4", 2933, "Micron", "18ASF2G72PZ-2G9E1"),
    ),
}


def _read(folder: str) -> str:
    return (FIXTURES / folder / "dmidecode.txt").read_text()


def test_every_machine_is_covered() -> None:
    # qemu-* folders belong to the QEMU capture work, tested there.
    folders = {p.parent.name for p in FIXTURES.glob("*/dmidecode.txt")}
    folders -= {"sandbox-vm-virtio"} | {f for f in folders if f.startswith("qemu-")}
    assert folders == set(SYSTEMS) == set(CPUS) == set(MEMORY)


@pytest.mark.parametrize("folder", sorted(SYSTEMS))
def test_system(folder: str) -> None:
    result = parse_dmidecode(_read(folder))
    manufacturer, product, sku, bios_version, bios_date = SYSTEMS[folder]
    assert result.system.manufacturer == manufacturer
    assert result.system.product_name == product
    assert result.system.sku == sku
    assert result.system.bios_version == bios_version
    assert result.system.bios_date == bios_date
    assert result.system.serial == "--"  # masked by linuxhw, kept as the firmware text
    assert result.system.system_uuid is None  # "--" is no UUID
    assert result.problems == ()


@pytest.mark.parametrize("folder", sorted(CPUS))
def test_processors(folder: str) -> None:
    cpu = parse_dmidecode(_read(folder)).cpu
    sockets, model, vendor, cores, threads, _ = CPUS[folder]
    assert (cpu.sockets, cpu.model, cpu.vendor, cpu.cores, cpu.threads) == (
        sockets,
        model,
        vendor,
        cores,
        threads,
    )


@pytest.mark.parametrize("folder", sorted(CPUS))
def test_architecture_hint(folder: str) -> None:
    assert parse_dmidecode(_read(folder)).architecture == CPUS[folder][5]


@pytest.mark.parametrize("folder", sorted(MEMORY))
def test_memory_modules(folder: str) -> None:
    result = parse_dmidecode(_read(folder))
    count, total, first = MEMORY[folder]
    assert len(result.dimms) == count
    assert result.memory_bytes == total
    dimm = result.dimms[0]
    assert (
        dimm.locator,
        dimm.size_bytes,
        dimm.memory_type,
        dimm.speed_mts,
        dimm.manufacturer,
        dimm.part_number,
    ) == first
    assert dimm.serial == "--"
    # Empty slots ("No Module Installed", maker "NO DIMM") never become modules.
    assert all(d.size_bytes > 0 and d.manufacturer != "NO DIMM" for d in result.dimms)


def test_dell_r740_empty_slots_skipped_and_locators() -> None:
    # 24 slots, 6 populated (A1-A6); the 18 others say "Size: No Module Installed".
    dimms = parse_dmidecode(_read("dell-poweredge-r740-4da16fd4")).dimms
    assert [d.locator for d in dimms] == ["A1", "A2", "A3", "A4", "A5", "A6"]


def test_sizes_in_mb_and_gb_both_read() -> None:
    text = (
        "Handle 0x1100, DMI type 17, 84 bytes\nMemory Device\n\tSize: 32768 MB\n"
        "\tLocator: A1\n\tSpeed: 3200 MHz\n\n"
        "Handle 0x1101, DMI type 17, 84 bytes\nMemory Device\n\tSize: 32 GB\n\tLocator: A2\n"
        "\tSpeed: Unknown\n\tConfigured Memory Speed: 2933 MT/s\n\n"
        "Handle 0x1102, DMI type 17, 84 bytes\nMemory Device\n\tSize: 0\n\tLocator: A3\n"
    )
    dimms = parse_dmidecode(text).dimms
    assert [(d.locator, d.size_bytes, d.speed_mts) for d in dimms] == [
        ("A1", 32 * GIB, 3200),
        ("A2", 32 * GIB, 2933),
    ]


def test_uuid_is_canonical_lower_case() -> None:
    text = (
        "Handle 0x0100, DMI type 1, 27 bytes\nSystem Information\n\tManufacturer: Dell Inc.\n"
        "\tUUID: 4C4C4544-0051-3910-8044-B4C04F4A4D32\n"
    )
    assert parse_dmidecode(text).system.system_uuid == "4c4c4544-0051-3910-8044-b4c04f4a4d32"


def test_unexpected_sections_are_a_problem_not_an_error() -> None:
    text = _read("dell-poweredge-r740-4da16fd4").replace(
        "Handle 0x0100, DMI type 1, 27 bytes",
        "Some vendor banner\nHandle 0x0100 DMI type one\n\tGarbage: yes\n\n"
        "Handle 0x0100, DMI type 1, 27 bytes",
    )
    result = parse_dmidecode(text)
    assert result.system.product_name == "PowerEdge R740"
    assert len(result.dimms) == 6
    assert len(result.problems) == 1
    assert "3 line(s)" in result.problems[0]


@pytest.mark.parametrize(
    "text", ["", "garbage\n", "# dmidecode 3.4\nScanning /dev/mem for entry point.\n"]
)
def test_no_records_raises_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_dmidecode(text)


def test_vm_without_smbios_table() -> None:
    """Real: dmidecode in the development VM, /dev/mem missing (exit 1)."""
    with pytest.raises(ParseError, match="no DMI records"):
        parse_dmidecode(_read("sandbox-vm-virtio"))
