"""`nvidia-smi -q -x`: NVIDIA GPUs by PCI address, with the driver's name for them.

nvidia-smi knows boards that an old pci.ids leaves as "Device [20b9]", so
report.py uses `product_name` for a GPU that pci.ids cannot name.

Parsed with the standard library: `defusedxml` is not a dependency. The
document's DOCTYPE names an external DTD, which expat never fetches, and
expat (>= 2.4) limits entity amplification; uploads are size-checked before.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from oci.ingest.values import ParseError, hex4, normalise_pci_address

__all__ = ["NvidiaGpu", "parse_nvidia_smi"]


@dataclass(frozen=True)
class NvidiaGpu:
    pci_address: str  # 0000:3b:00.0
    product_name: str | None = None  # "NVIDIA A100-PCIE-40GB"
    vendor_id: str | None = None
    device_id: str | None = None
    serial: str | None = None
    uuid: str | None = None  # GPU-xxxxxxxx-...
    vbios_version: str | None = None


def _text(element: ElementTree.Element, path: str) -> str | None:
    found = element.find(path)
    value = (found.text or "").strip() if found is not None else ""
    return None if value in ("", "N/A") else value


def parse_nvidia_smi(text: str) -> list[NvidiaGpu]:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise ParseError(f"not XML ({error})") from None
    if root.tag != "nvidia_smi_log":
        raise ParseError(f"root element is <{root.tag}>, not <nvidia_smi_log>")
    gpus = []
    for gpu in root.iter("gpu"):
        address = normalise_pci_address(_text(gpu, "pci/pci_bus_id") or gpu.get("id"))
        if address is None:
            continue
        # pci_device_id is device then vendor: "20F110DE".
        combined = _text(gpu, "pci/pci_device_id") or ""
        gpus.append(
            NvidiaGpu(
                pci_address=address,
                product_name=_text(gpu, "product_name"),
                vendor_id=hex4(combined[4:8]) if len(combined) == 8 else None,
                device_id=hex4(combined[0:4]) if len(combined) == 8 else None,
                serial=_text(gpu, "serial"),
                uuid=_text(gpu, "uuid"),
                vbios_version=_text(gpu, "vbios_version"),
            )
        )
    return gpus
