"""What changed between what we knew of a machine and a new report (pure).

Works on anything with the component attributes, so the old side can be the
database rows and the new side the parsed facts: `Disk` and `DiskFacts` share
their field names by design. Only changes an operator acts on become events:
disks, NICs, GPUs, memory and CPU, the drives behind a RAID controller and
their state; a PCI bridge renumbered is not news.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from oci.ingest.summary import binary_size, decimal_size, is_gpu

__all__ = ["Change", "fingerprint", "hardware_changes", "host_key_changes"]


@dataclass(frozen=True)
class Change:
    kind: str  # disk-added, disk-removed, disk-replaced, nic-added, gpu-removed, memory-changed
    message: str


def _disk(disk: Any) -> str:
    text = f"{disk.name} {decimal_size(disk.size_bytes)} {disk.kind}"
    extra = ", ".join(str(v) for v in (disk.model, disk.serial and f"serial {disk.serial}") if v)
    return f"{text} ({extra})" if extra else text


def _nic(nic: Any) -> str:
    product = f", {nic.product_name}" if nic.product_name else ""
    return f"{nic.name} {nic.mac}{product}"


def _gpu(device: Any) -> str:
    name = device.device_name or "unknown GPU"
    return f"{name} ({device.vendor_id}:{device.device_id}) at {device.address}"


def _raid_drive(drive: Any) -> str:
    size = f" {decimal_size(drive.size_bytes)}" if drive.size_bytes else ""
    extra = ", ".join(str(v) for v in (drive.model, drive.serial and f"serial {drive.serial}") if v)
    return f"slot {drive.position}{size}" + (f" ({extra})" if extra else "")


def _drive_states(old: Iterable[Any], new: Iterable[Any]) -> list[Change]:
    """A drive behind a RAID controller going Online -> Failed is the news a
    RAID controller gives: its disk never changes in the system's eyes."""
    before = {d.position: d for d in old}
    changes = []
    for drive in sorted(new, key=lambda d: str(d.position)):
        known = before.get(drive.position)
        if known is None or known.serial != drive.serial or known.state == drive.state:
            continue  # added or replaced (said above), or the same
        changes.append(
            Change(
                "raid-drive-state",
                f"RAID drive {_raid_drive(drive)} state: {known.state or '?'} -> "
                f"{drive.state or '?'}",
            )
        )
    return changes


def _keyed(
    component: str,
    old: Iterable[Any],
    new: Iterable[Any],
    key: Callable[[Any], Any],
    same: Callable[[Any], Any],
    describe: Callable[[Any], str],
) -> list[Change]:
    """Added/removed by key; same key but a different `same` value: replaced."""
    before = {key(item): item for item in old}
    after = {key(item): item for item in new}
    changes = []
    for k in sorted(before.keys() - after.keys(), key=str):
        message = f"{component} removed: {describe(before[k])}"
        changes.append(Change(f"{component}-removed", message))
    for k in sorted(after.keys() - before.keys(), key=str):
        changes.append(Change(f"{component}-added", f"{component} added: {describe(after[k])}"))
    for k in sorted(before.keys() & after.keys(), key=str):
        if same(before[k]) != same(after[k]):
            changes.append(
                Change(
                    f"{component}-replaced",
                    f"{component} replaced: {describe(before[k])} -> {describe(after[k])}",
                )
            )
    return changes


def hardware_changes(old: Any, new: Any) -> list[Change]:
    """Changes from `old` to `new`; each has disks, nics, pci_devices, memory_bytes
    and cpu_model attributes, and may have raid_drives (a `Machine`, or `FactsView`
    over `Facts`)."""
    changes = _keyed(
        "disk",
        old.disks,
        new.disks,
        key=lambda d: d.name,
        same=lambda d: (d.serial, d.size_bytes, d.model),
        describe=_disk,
    )
    changes += _keyed(
        "nic",
        old.nics,
        new.nics,
        key=lambda n: n.mac,
        same=lambda n: (n.vendor_id, n.device_id),
        describe=_nic,
    )
    changes += _keyed(
        "gpu",
        (d for d in old.pci_devices if is_gpu(d)),
        (d for d in new.pci_devices if is_gpu(d)),
        key=lambda d: d.address,
        same=lambda d: (d.vendor_id, d.device_id),
        describe=_gpu,
    )
    old_drives, new_drives = getattr(old, "raid_drives", ()), getattr(new, "raid_drives", ())
    changes += _keyed(
        "raid-drive",
        old_drives,
        new_drives,
        key=lambda d: d.position,
        same=lambda d: (d.serial, d.size_bytes, d.model),
        describe=_raid_drive,
    )
    changes += _drive_states(old_drives, new_drives)
    if old.memory_bytes and new.memory_bytes and old.memory_bytes != new.memory_bytes:
        changes.append(
            Change(
                "memory-changed",
                f"memory changed: {binary_size(old.memory_bytes)} -> "
                f"{binary_size(new.memory_bytes)}",
            )
        )
    if old.cpu_model and new.cpu_model and old.cpu_model != new.cpu_model:
        changes.append(Change("cpu-changed", f"CPU changed: {old.cpu_model} -> {new.cpu_model}"))
    return changes


def fingerprint(public_key: str) -> str:
    """'ssh-ed25519 AAAA... c' -> 'SHA256:...', as ssh-keygen -l prints it."""
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (IndexError, ValueError):
        return "unreadable key"
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def host_key_changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """One change when the keys differ (key type -> public key line; comments aside):
    the keys SSH pins for the machine's live system."""
    before = {kind: fingerprint(line) for kind, line in old.items()}
    after = {kind: fingerprint(line) for kind, line in new.items()}
    if before == after:
        return []
    parts = []
    for kind in sorted(before.keys() | after.keys()):
        if kind not in after:
            parts.append(f"{kind} {before[kind]} removed")
        elif kind not in before:
            parts.append(f"{kind} {after[kind]} added")
        elif before[kind] != after[kind]:
            parts.append(f"{kind} {before[kind]} -> {after[kind]}")
    return [Change("host-keys-changed", "SSH host keys changed: " + "; ".join(parts))]
