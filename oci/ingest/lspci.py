"""lspci: PCI devices with their ids, class, names and drivers.

Three spellings are read:
  `lspci -nnmm -D`   one device per line, quoted fields ending in [id]
  `lspci -vmmnnk -D` blocks of "Key:<TAB>value"; adds Driver
  `lspci -nn`        "03:00.0 Ethernet controller [0200]: Mellanox ... [15b3:1017]"
                     (vendor and device names run together; the lines other
                     projects paste, and what lspci.txt holds if run with -nn)
  `lspci`            "41:00.0 Infiniband controller: Mellanox Technologies MT28908
                     Family [ConnectX-6]": names only, as operators paste it; the
                     ids come back from the server's pci.ids where the names are
                     in it (brackets in a name are part of it, not ids)
Names are the ones the machine's own pci.ids gave; `with_names` prefers the
server's pci.ids, which is usually newer.
"""

from __future__ import annotations

import dataclasses
import re

from oci.ingest.facts import PciFacts
from oci.ingest.pciids import PciIds
from oci.ingest.values import ParseError, normalise_pci_address

__all__ = [
    "UNKNOWN_ID",
    "parse_lspci",
    "parse_lspci_nn",
    "parse_lspci_nnmm",
    "parse_lspci_vmmnnk",
    "with_names",
]

_NAMED_ID = re.compile(r"^(?P<name>.*?)\s*\[(?P<id>[0-9a-fA-F]{4})\]$")
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_NN_LINE = re.compile(
    r"^(?P<address>\S+) (?P<class>.+?) \[(?P<class_id>[0-9a-fA-F]{4})\]: (?P<description>.*?)"
    r" \[(?P<vendor_id>[0-9a-fA-F]{4}):(?P<device_id>[0-9a-fA-F]{4})\]"
    r"(?: \(rev [0-9a-fA-F]+\))?(?: \(prog-if .*\))?$"
)
# Plain lspci: "slot class: description", the class with its id only when unnamed.
_PLAIN_LINE = re.compile(
    r"^(?P<address>[0-9a-fA-F]{2,4}:[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})?\.[0-7]) "
    r"(?P<class>[^:\[]+?)(?: \[(?P<class_id>[0-9a-fA-F]{4})\])?: (?P<description>.+?)"
    r"(?: \(rev [0-9a-fA-F]+\))?(?: \(prog-if [^)]*\))?$"
)
_UNNAMED_DEVICE = re.compile(r"^(?:Unknown device|Device) (?P<id>[0-9a-fA-F]{4})$")
# The id of a device that plain lspci named and the server's pci.ids does not know.
UNKNOWN_ID = ""
# What lspci prints for ids its pci.ids does not know.
_UNNAMED = {"", "Device", "Vendor", "Class", "Unknown device", "Unknown vendor"}


def _split_named(value: str) -> tuple[str | None, str | None]:
    """'Mellanox Technologies [15b3]' -> ('Mellanox Technologies', '15b3')."""
    match = _NAMED_ID.match(value.strip())
    if match is None:
        return (value.strip() or None), None
    name = match["name"].strip()
    return (None if name in _UNNAMED else name), match["id"].lower()


def _device(
    address: str, klass: str, vendor: str, device: str, svendor: str, sdevice: str, driver: str
) -> PciFacts | None:
    class_name, class_id = _split_named(klass)
    vendor_name, vendor_id = _split_named(vendor)
    device_name, device_id = _split_named(device)
    normalised = normalise_pci_address(address)
    if normalised is None or vendor_id is None or device_id is None:
        return None
    return PciFacts(
        address=normalised,
        vendor_id=vendor_id,
        device_id=device_id,
        class_id=class_id,
        class_name=class_name,
        vendor_name=vendor_name,
        device_name=device_name,
        subsystem_vendor_id=_split_named(svendor)[1],
        subsystem_device_id=_split_named(sdevice)[1],
        driver=driver or None,
    )


def parse_lspci_nnmm(text: str) -> list[PciFacts]:
    devices, bad = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        tokens = [(quoted, bare) for quoted, bare in _TOKEN.findall(line)]
        address = tokens[0][1] if tokens else ""
        # Quoted fields in order: class, vendor, device, subsystem vendor, subsystem device.
        # Bare ones after the address are options (-r01 -p00).
        quoted = [q for q, bare in tokens[1:] if not bare.startswith("-")]
        quoted += [""] * (5 - len(quoted))
        klass, vendor, product, svendor, sdevice = quoted[:5]
        device = _device(address, klass, vendor, product, svendor, sdevice, driver="")
        if device is None:
            bad += 1
        else:
            devices.append(device)
    if bad and not devices:
        raise ParseError("no line in `lspci -nnmm` form")
    return devices


def parse_lspci_vmmnnk(text: str) -> list[PciFacts]:
    devices = []
    for block in re.split(r"\n\s*\n", text.strip()):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields.setdefault(key.strip(), value.strip())
        device = _device(
            fields.get("Slot", ""),
            fields.get("Class", ""),
            fields.get("Vendor", ""),
            fields.get("Device", ""),
            fields.get("SVendor", ""),
            fields.get("SDevice", ""),
            fields.get("Driver", ""),
        )
        if device is not None:
            devices.append(device)
    if text.strip() and not devices:
        raise ParseError("no block in `lspci -vmmnnk` form")
    return devices


def parse_lspci_nn(text: str) -> list[PciFacts]:
    """Lines of `lspci -nn [-D]` (also `-vvnn` header lines); others are skipped
    (plain `lspci` prints no ids, so its lines cannot be matched to anything)."""
    devices = []
    for line in text.splitlines():
        match = _NN_LINE.match(line.strip())
        address = normalise_pci_address(match["address"]) if match else None
        if match is None or address is None:
            continue
        description = match["description"].strip()
        vendor_name, device_name = None, description or None
        if description.endswith(" Device"):  # "NVIDIA Corporation Device": unnamed
            vendor_name, device_name = description.removesuffix(" Device"), None
        devices.append(
            PciFacts(
                address=address,
                vendor_id=match["vendor_id"].lower(),
                device_id=match["device_id"].lower(),
                class_id=match["class_id"].lower(),
                class_name=match["class"].strip(),
                vendor_name=vendor_name,
                device_name=device_name,
            )
        )
    return devices


def _plain(match: re.Match[str], ids: PciIds | None) -> PciFacts | None:
    """One plain lspci line: names as printed, ids from pci.ids where it has the names."""
    address = normalise_pci_address(match["address"])
    if address is None:
        return None
    class_name, description = match["class"].strip(), match["description"].strip()
    class_id = match["class_id"] or (ids.class_id_of(class_name) if ids else None)
    vendor_name = vendor_id = device_id = None
    device_name: str | None = description
    if ids is not None:
        # The longest leading run of words that is a vendor's name.
        words = description.split(" ")
        for cut in range(len(words), 0, -1):
            vendor_id = ids.vendor_id_of(" ".join(words[:cut]))
            if vendor_id is not None:
                vendor_name, device_name = " ".join(words[:cut]), " ".join(words[cut:]) or None
                break
    unnamed = _UNNAMED_DEVICE.match(device_name or "") if vendor_id else None
    if unnamed is not None:  # "Intel Corporation Device 0d57": lspci knew only the id
        device_id, device_name = unnamed["id"].lower(), None
    elif ids is not None and vendor_id is not None and device_name:
        device_id = ids.device_id_of(vendor_id, device_name)
    return PciFacts(
        address=address,
        vendor_id=vendor_id or UNKNOWN_ID,
        device_id=device_id or UNKNOWN_ID,
        class_id=class_id.lower() if class_id else None,
        class_name=None if class_name in _UNNAMED else class_name,
        vendor_name=vendor_name,
        device_name=device_name,
    )


def parse_lspci(text: str, ids: PciIds | None) -> list[PciFacts]:
    """`lspci -nn` lines, and plain `lspci` lines with ids from `ids` where it
    knows the names (else `UNKNOWN_ID`); other lines are skipped."""
    devices = []
    for line in text.splitlines():
        found = parse_lspci_nn(line)
        if not found and (match := _PLAIN_LINE.match(line.strip())):
            found = [device] if (device := _plain(match, ids)) else []
        devices += found
    if text.strip() and not devices:
        raise ParseError("no line in `lspci` or `lspci -nn` form")
    return devices


def with_names(device: PciFacts, ids: PciIds | None) -> PciFacts:
    """Names from `ids` where it knows the device; otherwise the lspci ones.

    An `lspci -nn` description holds vendor and device together; when `ids`
    knows the vendor, its name is cut off the front of the description.
    """
    if ids is None:
        return device
    vendor = ids.vendor_name(device.vendor_id)
    name = ids.device_name(device.vendor_id, device.device_id)
    fallback = device.device_name
    if fallback and device.vendor_name is None and vendor and fallback.startswith(vendor + " "):
        fallback = fallback[len(vendor) + 1 :] or None
    return dataclasses.replace(
        device,
        vendor_name=vendor or device.vendor_name,
        device_name=name or fallback,
        class_name=(ids.class_name(device.class_id) if device.class_id else None)
        or device.class_name,
    )
