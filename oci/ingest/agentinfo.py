"""agent.txt: key=value lines the agent writes about itself and how the system booted.

Informative: a bad line is skipped, never an error. Only the keys below are read.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FIRMWARES", "AgentInfo", "parse_agent_txt"]

# How the live system booted (/sys/firmware/efi present or not).
FIRMWARES = ("bios", "uefi")


@dataclass(frozen=True)
class AgentInfo:
    version: str | None = None
    boot_mac: str | None = None
    firmware: str | None = None  # one of FIRMWARES; None from agents before it was reported
    # secure_boot=yes|no: mokutil --sb-state, else the SecureBoot EFI variable;
    # None when neither could tell (and from agents before it was reported).
    secure_boot: bool | None = None


def parse_agent_txt(text: str) -> AgentInfo:
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("version", "boot_mac", "firmware", "secure_boot"):
            values[key.strip()] = value.strip()
    firmware = values.get("firmware")
    return AgentInfo(
        version=values.get("version") or None,
        boot_mac=values.get("boot_mac") or None,
        firmware=firmware if firmware in FIRMWARES else None,
        secure_boot={"yes": True, "no": False}.get(values.get("secure_boot", "")),
    )
