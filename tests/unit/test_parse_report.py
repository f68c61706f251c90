"""parse_report: the tools merged into Facts, and bad files turned into problems.

Reports are assembled from fixture folders (see fixtures/hardware/README.md): the development
VM's real report, and a GPU server made of a real dmidecode (HPE Cray XD665), real LLDP
(Cumulus), real ipmitool (ipmi_sim) and real ssh keys around constructed lspci/ip link/lsblk/
nvme/nvidia-smi files.
"""

from __future__ import annotations

import pytest

from oci.ingest import report
from oci.ingest.facts import CommandResult, DiskFacts, NicFacts
from oci.ingest.pciids import PciIds, load
from oci.ingest.report import parse_report
from tests.helpers.paths import FIXTURES

GIB = 1024**3


@pytest.fixture(scope="module")
def ids() -> PciIds:
    return load(FIXTURES / "pciids-excerpt" / "pci.ids")


def _folder(name: str) -> dict[str, str]:
    return {p.name: p.read_text() for p in (FIXTURES / name).iterdir() if p.name != "SOURCE.txt"}


def _gpu_server() -> dict[str, str]:
    files = _folder("constructed-gpu-server")
    files["dmidecode.txt"] = (FIXTURES / "hpe-cray-xd665-64bb2de4" / "dmidecode.txt").read_text()
    files["lldpctl.txt"] = (
        FIXTURES / "_lldp" / "netbox-agent-cumulus" / "lldpctl-keyvalue.txt"
    ).read_text()
    for name in ("ipmitool-lan.txt", "ipmitool-mc-info.txt"):
        files[name] = (FIXTURES / "ipmi-sim" / name).read_text()
    files["ssh-host-keys.txt"] = (FIXTURES / "ssh-keygen" / "ssh-host-keys.txt").read_text()
    files["uname-m.txt"] = "x86_64\n"
    return files


# The development VM (all real) -------------------------------------------------------------------


def test_vm_report(ids: PciIds) -> None:
    facts = parse_report(_folder("sandbox-vm-virtio"), ids)
    assert facts.system.architecture == "x86_64"
    assert facts.system.manufacturer is None  # no SMBIOS table in this VM
    cpu = facts.cpu
    assert (cpu.model, cpu.vendor, cpu.sockets, cpu.cores, cpu.threads) == (
        "Intel(R) Xeon(R) Processor",
        "GenuineIntel",
        1,
        2,
        2,
    )
    assert facts.memory_bytes == 24684092 * 1024  # MemTotal: no DIMMs known
    assert facts.dimms == ()
    assert [d.name for d in facts.disks] == ["vda"]
    eth0 = {n.name: n for n in facts.nics}["eth0"]
    assert eth0 == NicFacts(
        name="eth0",
        mac="02:fc:00:00:00:01",
        # A card on PCI (its MAC is locally administered: it will not identify
        # the machine, oci.ingest.identity decides that).
        physical=True,
        speed_mbps=None,
        driver="virtio_net",
        firmware_version=None,
        pci_address="0000:00:03.0",  # from ethtool bus-info; ip link says parentbus virtio
        vendor_id="1af4",
        device_id="1041",
        product_name="Virtio 1.0 network device",
        link_up=True,  # LOWER_UP in ip link's flags: a cable with carrier
    )
    assert [n.name for n in facts.nics] == ["ifb0", "ifb1", "eth0"]
    assert [n.name for n in facts.nics if n.physical] == ["eth0"]  # ifb*: virtual
    assert len(facts.pci_devices) == 6
    assert facts.pci_devices[3].driver == "virtio-pci"
    assert facts.lldp == () and facts.bmc is None and facts.ssh_host_keys == ()
    assert len(facts.commands) == 19
    assert facts.commands[0] == CommandResult(
        "dmidecode.txt", 1, "/dev/mem: No such file or directory"
    )
    nvidia = {c.name: c for c in facts.commands}["nvidia-smi.xml"]
    assert nvidia.exit_code == 127  # not installed; stderr written by the capture shell
    assert nvidia.error is not None and nvidia.error.endswith("nvidia-smi: command not found")
    # Failed tools with empty outputs are not problems (commands tells); dmidecode printed its
    # preamble though, with no table.
    assert facts.problems == ("dmidecode.txt: no DMI records (dmidecode found no SMBIOS table?)",)
    # The failed tools (and dmidecode's empty table) gave nothing usable.
    assert facts.unreadable == {
        "dmidecode.txt",
        "nvme-list.json",
        "lldpctl.json",
        "lldpctl.txt",
        "ipmitool-lan.txt",
        "ipmitool-mc-info.txt",
        "nvidia-smi.xml",
    }


# GPU server ---------------------------------------------------------------------------------------


def test_gpu_server_system_cpu_memory(ids: PciIds) -> None:
    facts = parse_report(_gpu_server(), ids)
    assert facts.problems == ()
    assert (facts.system.manufacturer, facts.system.product_name) == ("HPE", "HPE Cray SC XD665")
    assert facts.system.architecture == "x86_64"
    cpu = facts.cpu  # no lscpu: dmidecode type 4
    assert (cpu.model, cpu.sockets, cpu.cores, cpu.threads) == (
        "AMD EPYC 9354 32-Core Processor",
        2,
        64,
        128,
    )
    assert facts.memory_bytes == 1536 * GIB  # 24 x 64 GB, not MemTotal
    assert len(facts.dimms) == 24


def test_gpu_server_pci_and_gpu_names(ids: PciIds) -> None:
    pci = {d.address: d for d in parse_report(_gpu_server(), ids).pci_devices}
    assert len(pci) == 8
    assert pci["0000:d0:00.0"].device_name == "GA100 [A30X]"  # the server's pci.ids
    assert pci["0000:04:00.0"].driver == "nvidia"  # from lspci -vmmnnk
    assert pci["0000:04:00.0"].device_name == "GH100[H100 SXM5 80GB]"
    assert pci["0000:86:00.0"].class_name == "Infiniband controller"


def test_nvidia_smi_names_what_pci_ids_cannot() -> None:
    pci = {d.address: d for d in parse_report(_gpu_server(), PciIds()).pci_devices}
    # Empty pci.ids and lspci said "Device [20b9]": nvidia-smi's name is used.
    assert pci["0000:d0:00.0"].device_name == "NVIDIA A30X"
    # A name lspci knew is kept.
    assert pci["0000:04:00.0"].device_name == "GH100 [H100 SXM5 80GB]"
    # Non-GPUs are never named by nvidia-smi.
    assert pci["0000:05:00.0"].device_name == "7450 PRO NVMe SSD"


def test_gpu_server_nics(ids: PciIds) -> None:
    nics = {n.name: n for n in parse_report(_gpu_server(), ids).nics}
    assert nics["eno1"] == NicFacts(
        name="eno1",
        mac="bc:97:e1:5a:10:20",
        physical=True,
        speed_mbps=10000,  # the Cumulus switch advertises 10GigBaseLR on eno1
        driver="bnxt_en",
        firmware_version="222.0.137.0/pkg 22.21.06.80",
        pci_address="0000:21:00.0",
        vendor_id="14e4",
        device_id="16d8",
        product_name="BCM57416 NetXtreme-E Dual-Media 10G RDMA Ethernet Controller",
        link_up=True,
    )
    # No ethtool file for eno2: still physical from ip link's parentbus/parentdev.
    eno2 = nics["eno2"]
    assert (eno2.physical, eno2.mac, eno2.driver, eno2.pci_address, eno2.speed_mbps) == (
        True,
        "bc:97:e1:5a:10:21",
        None,
        "0000:21:00.1",
        None,
    )
    cx5 = nics["ens1f0np0"]
    assert (cx5.physical, cx5.driver, cx5.firmware_version, cx5.product_name) == (
        True,
        "mlx5_core",
        "16.35.2000 (MT_0000000080)",
        "MT27800 Family [ConnectX-5]",
    )
    # The BMC's USB NIC, the bond and its VLAN never identify the machine.
    assert [n for n, nic in nics.items() if not nic.physical] == ["usb0", "bond0", "bond0.100"]
    assert nics["usb0"].driver == "cdc_ether"


def test_gpu_server_disks_lldp_bmc_keys(ids: PciIds) -> None:
    facts = parse_report(_gpu_server(), ids)
    disks = {d.name: d for d in facts.disks}
    assert sorted(disks) == ["nvme0n1", "nvme1n1", "sda", "sdb", "sdc"]
    # nvme1n1 is only in nvme list.
    assert disks["nvme1n1"] == DiskFacts(
        name="nvme1n1",
        size_bytes=960197124096,
        kind="nvme",
        rotational=False,
        model="Micron_7450_MTFDKCC960TFR",
        serial="22353D4D5E6F",
        wwn=None,
        transport="nvme",
    )
    assert [(n.interface, n.port_id) for n in facts.lldp] == [
        ("eno1", "swp46"),
        ("eno2d1", "swp46"),
    ]
    assert facts.bmc is not None
    assert (facts.bmc.ip_address, facts.bmc.mac) == ("10.20.30.41", "0c:c4:7a:3e:91:a2")
    assert (facts.bmc.firmware_version, facts.bmc.manufacturer) == ("4.28", "Dell Inc.")
    assert [k.split()[0] for k in facts.ssh_host_keys] == [
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
    ]
    assert all(k.endswith(" root@sandbox") for k in facts.ssh_host_keys)


def test_physical_from_ethtool_bus_info_when_ip_link_has_no_parent() -> None:
    """Constructed: iproute2 older than 5.x prints no parentbus; ethtool's bus-info tells."""
    link = '[{"ifname": "eno1", "link_type": "ether", "address": "3c:ec:ef:10:20:30"}]'
    ethtool = (
        "driver: ixgbe\nversion: 5.1.0-k\nfirmware-version: 0x800003df\nbus-info: 0000:18:00.0\n"
    )
    nic = parse_report({"ip-link.json": link, "ethtool-eno1.txt": ethtool}, PciIds()).nics[0]
    assert (nic.physical, nic.pci_address, nic.driver, nic.firmware_version) == (
        True,
        "0000:18:00.0",
        "ixgbe",
        "0x800003df",
    )


def test_default_pci_ids_used_when_none_given(monkeypatch: pytest.MonkeyPatch, ids: PciIds) -> None:
    monkeypatch.setattr(report, "load_default", lambda: ids)
    pci = {d.address: d for d in parse_report(_gpu_server()).pci_devices}
    assert pci["0000:d0:00.0"].device_name == "GA100 [A30X]"


# Sources and fallbacks ---------------------------------------------------------------------------


def test_lscpu_wins_over_dmidecode_field_by_field() -> None:
    folder = FIXTURES / "dell-poweredge-r740-4da16fd4"
    facts = parse_report(
        {n: (folder / n).read_text() for n in ("dmidecode.txt", "lscpu.txt")}, PciIds()
    )
    cpu = facts.cpu
    assert (cpu.vendor, cpu.model, cpu.sockets, cpu.cores, cpu.threads) == (
        "GenuineIntel",  # lscpu's Vendor ID, not dmidecode's "Intel"
        "Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz",
        1,
        24,
        48,
    )
    assert facts.system.architecture == "x86_64"  # from lscpu
    assert facts.memory_bytes == 96 * GIB


@pytest.mark.parametrize(
    "folder", ["huawei-taishan-200-2280-d4c1a2bb", "gigabyte-e252-p30-ampere-513b50b6"]
)
def test_architecture_from_dmidecode_alone(folder: str) -> None:
    text = (FIXTURES / folder / "dmidecode.txt").read_text()
    assert parse_report({"dmidecode.txt": text}, PciIds()).system.architecture == "aarch64"


def test_lldp_json_preferred_and_keyvalue_fallback() -> None:
    netns = FIXTURES / "lldpd-netns"
    both = {"lldpctl.json": (netns / "lldpctl.json").read_text(), "lldpctl.txt": "garbage"}
    assert len(parse_report(both, PciIds()).lldp) == 2
    broken = {"lldpctl.json": "{", "lldpctl.txt": (netns / "lldpctl.txt").read_text()}
    facts = parse_report(broken, PciIds())
    assert len(facts.lldp) == 2
    assert facts.problems == (
        "lldpctl.json: not JSON (line 1: Expecting property name enclosed in double quotes)",
    )


def test_empty_report() -> None:
    facts = parse_report({}, PciIds())
    assert facts.problems == () and facts.nics == () and facts.system.architecture is None


# Bad input -----------------------------------------------------------------------------------

GOOD_DMIDECODE = (FIXTURES / "dell-poweredge-r740-4da16fd4" / "dmidecode.txt").read_text()
# Every file parse_report reads, except lspci.txt: plain lspci holds no ids, so lines it cannot
# use are skipped silently.
READ_FILES = [
    "lspci-nnmm.txt",
    "lspci-vmmnnk.txt",
    "lsblk.json",
    "nvme-list.json",
    "ip-link.json",
    "lldpctl.json",
    "lldpctl.txt",
    "ipmitool-lan.txt",
    "ipmitool-mc-info.txt",
    "lscpu.json",
    "lscpu.txt",
    "meminfo.txt",
    "nvidia-smi.xml",
    "uname-m.txt",
    "ethtool-eth0.txt",
    "commands.txt",
    "ssh-host-keys.txt",
]
IP_LINK = (FIXTURES / "sandbox-vm-virtio" / "ip-link.json").read_text()


@pytest.mark.parametrize("content", ["garbage \u00e9\u00e8 {[<\n", '{"truncated": [1, 2', "\n"])
@pytest.mark.parametrize("name", [*READ_FILES, "dmidecode.txt"])
def test_bad_file_is_a_problem_not_an_exception(name: str, content: str) -> None:
    files = {"dmidecode.txt": GOOD_DMIDECODE, "ip-link.json": IP_LINK, name: content}
    facts = parse_report(files, PciIds())
    if (
        name in ("lldpctl.txt", "commands.txt", "ssh-host-keys.txt", "uname-m.txt")
        and not content.strip()
    ):
        assert facts.problems == ()  # empty is fine for these
        assert facts.unreadable == frozenset()
    else:
        assert len(facts.problems) == 1
        assert facts.problems[0].startswith(name + ": ")
        # Nothing usable came out of it: the inventory keeps what it knew from it.
        assert facts.unreadable == {name}
    if name != "dmidecode.txt":  # the other facts are still there
        assert facts.system.product_name == "PowerEdge R740"
        assert len(facts.dimms) == 6
    if name != "ip-link.json":
        assert [n.name for n in facts.nics] == ["ifb0", "ifb1", "eth0"]


def test_dmidecode_with_unexpected_sections_keeps_the_rest() -> None:
    text = GOOD_DMIDECODE + "\nSurprise section\n\tnot: dmidecode\n"
    facts = parse_report({"dmidecode.txt": text}, PciIds())
    assert facts.system.product_name == "PowerEdge R740"
    assert len(facts.problems) == 1 and facts.problems[0].startswith("dmidecode.txt: 2 line(s)")


def test_parser_bug_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> list[DiskFacts]:
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "parse_lsblk", broken)
    facts = parse_report({"lsblk.json": "{}", "dmidecode.txt": GOOD_DMIDECODE}, PciIds())
    assert facts.problems == ("lsblk.json: could not be parsed (RuntimeError: boom)",)
    assert facts.system.product_name == "PowerEdge R740"


def test_empty_output_of_a_successful_tool_is_a_problem() -> None:
    facts = parse_report({"lsblk.json": "", "commands.txt": "0 lsblk.json\n"}, PciIds())
    assert facts.problems == ("lsblk.json: empty",)
    assert facts.unreadable == {"lsblk.json"}
    failed = parse_report({"lsblk.json": "", "commands.txt": "1 lsblk.json\n"}, PciIds())
    assert failed.problems == ()
    assert failed.unreadable == {"lsblk.json"}


def test_no_lldp_neighbour_is_usable_but_a_failed_lldpctl_is_not() -> None:
    none = parse_report({"lldpctl.txt": "", "commands.txt": "0 lldpctl.txt\n"}, PciIds())
    assert (none.lldp, none.problems, none.unreadable) == ((), (), frozenset())
    failed = parse_report({"lldpctl.txt": "", "commands.txt": "1 lldpctl.txt\n"}, PciIds())
    # a frozenset equals the set of its members (mypy's strict equality says it never does)
    assert (failed.problems, failed.unreadable) == ((), {"lldpctl.txt"})  # type: ignore[comparison-overlap]


def test_commands_and_errors() -> None:
    files = {
        "commands.txt": "0 lsblk.json\n127 nvidia-smi.xml\n\nnot a line\n2\n",
        "nvidia-smi.xml.err": "  sh: nvidia-smi: not found\n",
        "lsblk.json.err": "",
        "ipmitool-lan.txt.err": "no commands line for this one",
    }
    facts = parse_report(files, PciIds())
    assert facts.commands == (
        CommandResult("lsblk.json", 0, None),
        CommandResult("nvidia-smi.xml", 127, "sh: nvidia-smi: not found"),
    )
    assert facts.problems == ("commands.txt: 2 line(s) not '<exit code> NAME' (first: line 4)",)
    assert facts.unreadable == frozenset()  # some lines were fine


def test_ssh_host_keys_filtering() -> None:
    real = (FIXTURES / "ssh-keygen" / "ssh-host-keys.txt").read_text().splitlines()
    text = "\n".join(
        [
            "# ssh host keys",
            real[0],
            "ssh-rsa bm90IGEga2V5 fake@host",  # base64 of "not a key": no key type inside
            "ssh-ed25519 !!!notbase64",
            real[1].replace("ssh-rsa", "ssh-ed25519"),  # the blob says ssh-rsa
            "",
        ]
    )
    facts = parse_report({"ssh-host-keys.txt": text}, PciIds())
    assert facts.ssh_host_keys == (real[0],)
    assert facts.problems == ("ssh-host-keys.txt: 3 line(s) not OpenSSH public keys",)
    assert facts.unreadable == frozenset()  # one key was fine
