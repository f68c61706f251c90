"""The report the agent uploads: which files it may hold and what they mean.

The agent (oci/agent/oci-agent, POSIX sh) writes one file per tool into a
directory and uploads it as a gzip-compressed tar (`Content-Type:
application/gzip`) to POST /api/v1/discovery/reports. Members sit at the top
level (a leading "./" is allowed). `--replay DIR` uploads a directory of
captured outputs the same way, so any real machine can be replayed.

  NAME                 the tool's stdout, unmodified (names in REPORT_FILES,
                       ethtool-<nic>.txt = `ethtool -i <nic>`, or
                       link-<nic>.txt = `ethtool <nic>`: speed, link modes)
  NAME.err             the tool's stderr, when it wrote any
  commands.txt         one line per tool the agent tried: "<exit code> NAME";
                       127 means the tool is not installed
  ssh-host-keys.txt    the live system's /etc/ssh/ssh_host_*_key.pub lines
  storage-firmware.txt "<PCI address> <firmware>" per storage controller whose
                       driver tells it in sysfs (NVMe, hpsa, mpt3sas)
  agent.txt            key=value lines about the agent itself (version=...,
                       boot_mac=...) and how the system booted (firmware=bios
                       or uefi: the installer sets up the same); informative
"""

from __future__ import annotations

import re

__all__ = [
    "AGENT_FILE",
    "COMMANDS_FILE",
    "ERROR_SUFFIX",
    "ETHTOOL_FILE",
    "LINK_FILE",
    "REPORT_FILES",
    "SSH_KEYS_FILE",
    "STORAGE_FIRMWARE_FILE",
    "is_report_file",
]

# Tool outputs, by the name the agent gives them. The .txt variants of lldpctl
# (-f keyvalue) and lscpu (plain) exist because real captures come that way.
REPORT_FILES = frozenset(
    {
        "dmidecode.txt",  # dmidecode (full)
        "lspci-nnmm.txt",  # lspci -nnmm -D
        "lspci-vmmnnk.txt",  # lspci -vmmnnk -D (drivers)
        "lspci.txt",  # plain lspci: names only, no IDs
        "lsblk.json",  # lsblk -J -b -O
        "nvme-list.json",  # nvme list -o json
        "ip-link.json",  # ip -j -d link (-d: parentbus/parentdev tell physical NICs)
        "ip-addr.json",  # ip -j addr
        "lldpctl.json",  # lldpctl -f json (or json0)
        "lldpctl.txt",  # lldpctl -f keyvalue
        "ipmitool-lan.txt",  # ipmitool lan print 1
        "ipmitool-mc-info.txt",  # ipmitool mc info
        "lscpu.json",  # lscpu -J
        "lscpu.txt",  # lscpu
        "meminfo.txt",  # /proc/meminfo
        "nvidia-smi.xml",  # nvidia-smi -q -x
        "storcli.json",  # storcli /call show J (or perccli): MegaRAID firmware and drives
        "megacli-pdlist.txt",  # megacli -PDList -aALL -NoLog: without storcli, the drives
        "uname-m.txt",  # uname -m
    }
)
NIC_NAME = r"(?P<nic>[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14})"
ETHTOOL_FILE = re.compile(rf"^ethtool-{NIC_NAME}\.txt$")  # ethtool -i NIC
LINK_FILE = re.compile(rf"^link-{NIC_NAME}\.txt$")  # ethtool NIC
ERROR_SUFFIX = ".err"
COMMANDS_FILE = "commands.txt"
SSH_KEYS_FILE = "ssh-host-keys.txt"
AGENT_FILE = "agent.txt"
STORAGE_FIRMWARE_FILE = "storage-firmware.txt"
META_FILES = frozenset({COMMANDS_FILE, SSH_KEYS_FILE, AGENT_FILE, STORAGE_FIRMWARE_FILE})


def is_output_file(name: str) -> bool:
    return (
        name in REPORT_FILES
        or ETHTOOL_FILE.match(name) is not None
        or LINK_FILE.match(name) is not None
    )


def is_report_file(name: str) -> bool:
    """May a report hold a member of this name? (No paths, no surprises.)"""
    if name in META_FILES:
        return True
    if name.endswith(ERROR_SUFFIX):
        return is_output_file(name.removesuffix(ERROR_SUFFIX))
    return is_output_file(name)
