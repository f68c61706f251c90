"""One discovery report (the agent's files) -> Facts.

Each tool's output is parsed by its own module; this one picks the sources
and merges them. A missing file leaves its fields empty; an unreadable one
also adds a sentence to `Facts.problems` and its name to `Facts.unreadable`
(as does the empty output of a failed tool). Nothing here raises on bad input.

Precedence, best source first:
  architecture  uname-m.txt, lscpu, dmidecode's processor records
  cpu           lscpu (json, then text), field by field dmidecode type 4
  memory_bytes  the sum of dmidecode's memory modules, else MemTotal
  pci names     the server's pci.ids, the names in lspci's output, and
                nvidia-smi's product name for GPUs neither could name
  nic speed     the switch's advertised MAU type (LLDP), else None
  firmware      agent.txt (bios or uefi: how the live system booted)
  secure_boot   agent.txt (mokutil --sb-state, else the SecureBoot EFI variable)
  controllers   the PCI mass-storage functions; storcli.json for a MegaRAID's
                firmware and the drives behind it
Not read: ip-addr.json.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from oci.ingest import contract
from oci.ingest.agentinfo import parse_agent_txt
from oci.ingest.dmidecode import DmiResult, parse_dmidecode
from oci.ingest.ethtool import EthtoolInfo, LinkSettings, parse_ethtool_info, parse_ethtool_link
from oci.ingest.facts import (
    BmcFacts,
    CommandResult,
    CpuFacts,
    DiskFacts,
    Facts,
    NicFacts,
    PciFacts,
    SystemFacts,
)
from oci.ingest.iplink import parse_ip_link
from oci.ingest.ipmitool import parse_lan_print, parse_mc_info
from oci.ingest.lldp import LldpResult, parse_lldp_json, parse_lldp_keyvalue
from oci.ingest.lsblk import parse_lsblk
from oci.ingest.lscpu import LscpuResult, parse_lscpu_json, parse_lscpu_text
from oci.ingest.lspci import parse_lspci, parse_lspci_nnmm, parse_lspci_vmmnnk, with_names
from oci.ingest.meminfo import parse_meminfo
from oci.ingest.nvidia import parse_nvidia_smi
from oci.ingest.nvme import parse_nvme_list
from oci.ingest.pciids import PciIds, load_default
from oci.ingest.storage import (
    controllers_from_pci,
    parse_megacli_pdlist,
    parse_storage_firmware,
    parse_storcli,
)
from oci.ingest.values import ParseError, normalise_pci_address

__all__ = ["USB_NIC_DRIVERS", "parse_report"]

T = TypeVar("T")

# USB network drivers: BMC "host interface" NICs (cdc_ether, rndis_host) share
# one MAC across a whole fleet; USB dongles are not the machine's either.
USB_NIC_DRIVERS = frozenset(
    {"cdc_ether", "rndis_host", "cdc_ncm", "cdc_eem", "cdc_subset", "r8152", "asix", "ax88179_178a"}
)
_SSH_KEY = re.compile(
    r"^(?P<type>ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)"
    r"|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)"
    r"\s+(?P<blob>[A-Za-z0-9+/]+={0,2})(?:\s+.*)?$"
)
_ARCH = re.compile(r"^[a-z0-9_]{2,20}$")
_ERROR_LIMIT = 2000  # characters of a tool's stderr kept in CommandResult
# ASCII: int() refuses "²", which isdigit() takes, and reads other scripts' digits.
_EXIT_CODE = re.compile(r"-?[0-9]+")
# Outputs that are legitimately empty: lldpctl -f keyvalue with no neighbour prints nothing.
_MAY_BE_EMPTY = frozenset({"lldpctl.txt"})


class _Reader:
    """Runs one parser per file, turning failures into problem sentences."""

    def __init__(self, files: Mapping[str, str], failed: set[str]) -> None:
        self.files, self.failed, self.problems = files, failed, list[str]()
        self.unreadable: set[str] = set()  # present, but nothing usable came out

    def read(self, name: str, parser: Callable[[str], T]) -> T | None:
        text = self.files.get(name)
        if text is None:
            return None
        if not text.strip() and name in _MAY_BE_EMPTY and name not in self.failed:
            return parser(text)
        if not text.strip():
            # An empty output is expected when the tool failed; commands says so.
            if name not in self.failed:
                self.problems.append(f"{name}: empty")
            self.unreadable.add(name)
            return None
        try:
            return parser(text)
        except ParseError as error:
            self.problems.append(f"{name}: {error}")
        except Exception as error:  # a parser bug must not lose the whole report
            self.problems.append(f"{name}: could not be parsed ({type(error).__name__}: {error})")
        self.unreadable.add(name)
        return None


def _commands(
    files: Mapping[str, str], problems: list[str], unreadable: set[str]
) -> tuple[CommandResult, ...]:
    results, bad = [], []
    for number, line in enumerate(files.get(contract.COMMANDS_FILE, "").splitlines(), 1):
        code, _, name = line.strip().partition(" ")
        if not line.strip():
            continue
        if not _EXIT_CODE.fullmatch(code) or not name.strip():
            bad.append(number)
            continue
        error = files.get(name.strip() + contract.ERROR_SUFFIX, "").strip()
        results.append(CommandResult(name.strip(), int(code), error[:_ERROR_LIMIT] or None))
    if bad:
        problems.append(
            f"{contract.COMMANDS_FILE}: {len(bad)} line(s) not '<exit code> NAME' "
            f"(first: line {bad[0]})"
        )
        if not results:
            unreadable.add(contract.COMMANDS_FILE)
    return tuple(results)


def _ssh_keys(text: str, problems: list[str], unreadable: set[str]) -> tuple[str, ...]:
    keys, ignored = [], 0
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _SSH_KEY.match(line)
        try:
            blob = base64.b64decode(match["blob"], validate=True) if match else b""
        except binascii.Error:
            blob = b""
        # The blob starts with its own length-prefixed key type: a cheap integrity check.
        kind = match["type"].encode() if match else b"\0"
        if blob[4 : 4 + len(kind)] == kind:
            keys.append(" ".join(line.split()))
        else:
            ignored += 1
    if ignored:
        problems.append(f"{contract.SSH_KEYS_FILE}: {ignored} line(s) not OpenSSH public keys")
        if not keys:
            unreadable.add(contract.SSH_KEYS_FILE)
    return tuple(keys)


def _architecture(reader: _Reader, lscpu: LscpuResult | None, dmi: DmiResult | None) -> str | None:
    uname = reader.files.get("uname-m.txt", "").strip()
    if _ARCH.match(uname):
        return uname
    if uname:
        reader.problems.append(f"uname-m.txt: not a machine name: {uname[:40]!r}")
        reader.unreadable.add("uname-m.txt")
    return (lscpu.architecture if lscpu else None) or (dmi.architecture if dmi else None)


def _cpu(lscpu: LscpuResult | None, dmi: DmiResult | None) -> CpuFacts:
    first, second = (lscpu.cpu if lscpu else CpuFacts()), (dmi.cpu if dmi else CpuFacts())
    return CpuFacts(
        **{
            f.name: getattr(first, f.name) or getattr(second, f.name)
            for f in dataclasses.fields(first)
        }
    )


def _pci(reader: _Reader, ids: PciIds | None) -> tuple[PciFacts, ...]:
    devices = reader.read("lspci-nnmm.txt", parse_lspci_nnmm)
    detailed = reader.read("lspci-vmmnnk.txt", parse_lspci_vmmnnk) or []
    if devices is None:
        devices = detailed or reader.read("lspci.txt", lambda text: parse_lspci(text, ids)) or []
    drivers = {d.address: d.driver for d in detailed if d.driver}
    gpus = {g.pci_address: g for g in reader.read("nvidia-smi.xml", parse_nvidia_smi) or []}
    named = []
    for device in devices:
        device = with_names(device, ids)
        gpu = gpus.get(device.address)
        if device.device_name is None and gpu is not None and (device.class_id or "")[:2] == "03":
            device = dataclasses.replace(device, device_name=gpu.product_name)
        named.append(
            dataclasses.replace(device, driver=device.driver or drivers.get(device.address))
        )
    return tuple(named)


def _nics(
    reader: _Reader, pci: tuple[PciFacts, ...], lldp: LldpResult | None
) -> tuple[NicFacts, ...]:
    by_address = {d.address: d for d in pci}
    nics = []
    for link in reader.read("ip-link.json", parse_ip_link) or []:
        ethtool = reader.read(f"ethtool-{link.name}.txt", parse_ethtool_info) or EthtoolInfo()
        settings = reader.read(f"link-{link.name}.txt", parse_ethtool_link) or LinkSettings()
        # The speed the link runs at; with the link down, the card's fastest
        # mode; then what the switch advertises over LLDP.
        speed = settings.speed_mbps or settings.max_supported_mbps
        if speed is None and lldp:
            speed = lldp.speeds.get(link.name)
        address = normalise_pci_address(link.parentdev) if link.parentbus == "pci" else None
        address = address or normalise_pci_address(ethtool.bus_info)
        device = by_address.get(address) if address else None
        nics.append(
            NicFacts(
                name=link.name,
                mac=link.mac,
                # A card on the PCI bus; whether its MAC identifies the
                # machine is oci.ingest.identity's call.
                physical=address is not None
                and link.kind is None
                and ethtool.driver not in USB_NIC_DRIVERS,
                speed_mbps=speed,
                driver=ethtool.driver,
                firmware_version=ethtool.firmware_version,
                pci_address=address,
                vendor_id=device.vendor_id if device else None,
                device_id=device.device_id if device else None,
                product_name=device.device_name if device else None,
                link_up=link.link_up,
            )
        )
    return tuple(nics)


def _disks(reader: _Reader) -> tuple[DiskFacts, ...]:
    disks = reader.read("lsblk.json", parse_lsblk) or []
    namespaces = {n.name: n for n in reader.read("nvme-list.json", parse_nvme_list) or []}
    merged = []
    for disk in disks:
        ns = namespaces.pop(disk.name, None)
        if ns is not None:
            disk = dataclasses.replace(
                disk, model=disk.model or ns.model, serial=disk.serial or ns.serial
            )
        merged.append(disk)
    # Namespaces lsblk did not list (lsblk missing or failed).
    merged += [
        DiskFacts(n.name, n.size_bytes, "nvme", False, n.model, n.serial, None, "nvme")
        for n in namespaces.values()
        if n.size_bytes
    ]
    return tuple(merged)


def parse_report(files: Mapping[str, str], pci_ids: PciIds | None = None) -> Facts:
    """Facts from one report's files (member name -> text). Never raises on content."""
    problems: list[str] = []
    unreadable: set[str] = set()
    commands = _commands(files, problems, unreadable)
    reader = _Reader(files, {c.name for c in commands if c.exit_code != 0})
    ids = pci_ids if pci_ids is not None else load_default()

    dmi = reader.read("dmidecode.txt", parse_dmidecode)
    if dmi is not None:
        reader.problems += [f"dmidecode.txt: {p}" for p in dmi.problems]
    lscpu = reader.read("lscpu.json", parse_lscpu_json) or reader.read(
        "lscpu.txt", parse_lscpu_text
    )
    lldp = reader.read("lldpctl.json", parse_lldp_json) or reader.read(
        "lldpctl.txt", parse_lldp_keyvalue
    )
    pci = _pci(reader, ids)
    lan = reader.read("ipmitool-lan.txt", parse_lan_print)
    mc = reader.read("ipmitool-mc-info.txt", parse_mc_info)
    bmc = None
    if lan or mc:
        bmc = BmcFacts(
            ip_address=lan.ip_address if lan else None,
            mac=lan.mac if lan else None,
            firmware_version=mc.firmware_version if mc else None,
            manufacturer=mc.manufacturer if mc else None,
        )
    system = dmi.system if dmi else SystemFacts()
    architecture = _architecture(reader, lscpu, dmi)
    memory_total = reader.read("meminfo.txt", parse_meminfo)
    storcli = reader.read("storcli.json", parse_storcli) or []
    agent = parse_agent_txt(files.get(contract.AGENT_FILE, ""))
    facts = Facts(
        system=dataclasses.replace(
            system,
            architecture=architecture,
            firmware=agent.firmware,
            secure_boot=agent.secure_boot,
        ),
        cpu=_cpu(lscpu, dmi),
        memory_bytes=(dmi.memory_bytes if dmi else None) or memory_total,
        dimms=dmi.dimms if dmi else (),
        disks=_disks(reader),
        nics=_nics(reader, pci, lldp),
        pci_devices=pci,
        lldp=lldp.neighbours if lldp else (),
        bmc=bmc,
        controllers=controllers_from_pci(
            pci, storcli, parse_storage_firmware(files.get(contract.STORAGE_FIRMWARE_FILE, ""))
        ),
        raid_drives=tuple(drive for c in storcli for drive in c.drives)
        or tuple(reader.read("megacli-pdlist.txt", parse_megacli_pdlist) or ()),
        ssh_host_keys=_ssh_keys(files.get(contract.SSH_KEYS_FILE, ""), problems, unreadable),
        commands=commands,
    )
    return dataclasses.replace(
        facts,
        problems=tuple(problems + reader.problems),
        unreadable=frozenset(unreadable | reader.unreadable),
    )
