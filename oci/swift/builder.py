"""Debian's swift-ring-builder, run with argument lists (never a shell), and its listing read.

Its exit statuses: 0 done, 1 a warning (nothing to rebalance, balance or
dispersion worth a look), 2 an error.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from oci.errors import OciError
from oci.swift.plan import Device, RingSpec

__all__ = ["BuilderError", "ListedDevice", "Listing", "Result", "parse_listing", "run"]

BUILDER = "swift-ring-builder"
EXIT_ERROR = 2
TIMEOUT = 600  # a rebalance of part power 22 takes minutes
# The builder resolves no names, and eventlet's DNS module is half its start-up time.
_ENV = {**os.environ, "EVENTLET_NO_GREENDNS": "yes", "LC_ALL": "C.UTF-8"}


class BuilderError(OciError):
    status = 500
    code = "swift_ring_builder_failed"


@dataclass(frozen=True)
class Result:
    status: int
    output: str


def run(directory: Path, ring: str, *args: str, builder: str = BUILDER) -> Result:
    """``swift-ring-builder RING.builder ARGS...`` in ``directory``; an error raises."""
    command = [builder, f"{ring}.builder", *args]
    try:
        done = subprocess.run(
            command,
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env=_ENV,
        )
    except FileNotFoundError:
        raise BuilderError(
            f"{builder} is not installed on the oci server (Debian package swift)"
        ) from None
    output = (done.stdout + done.stderr).strip()
    if done.returncode >= EXIT_ERROR or done.returncode < 0:
        last = output.splitlines()[-1] if output else f"exit status {done.returncode}"
        raise BuilderError(
            f"swift-ring-builder {ring}.builder {' '.join(args[:1])} failed: {last}",
            {"command": command[1:], "output": output},
        )
    return Result(done.returncode, output)


def device_arg(device: Device) -> str:
    """A device as ``add`` takes several at once: rRzZ-IP:PORT/NAME_META."""
    ip = f"[{device.ip}]" if ":" in device.ip else device.ip
    meta = f"_{device.meta}" if device.meta else ""
    return f"r{device.region}z{device.zone}-{ip}:{device.port}/{device.device}{meta}"


def add_args(devices: Sequence[Device]) -> list[str]:
    args: list[str] = []
    for device in devices:
        args += [device_arg(device), f"{device.weight:.2f}"]
    return args


def create_args(spec: RingSpec) -> list[str]:
    return ["create", str(spec.part_power), f"{spec.replicas:g}", str(spec.min_part_hours)]


@dataclass(frozen=True)
class ListedDevice:
    id: int
    region: int
    zone: int
    ip: str
    port: int
    device: str
    weight: float
    partitions: int
    balance: float
    meta: str
    removing: bool = False  # marked for removal at the next rebalance

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.ip, self.port, self.device)


@dataclass(frozen=True)
class Listing:
    """What ``swift-ring-builder RING.builder`` says of a ring."""

    partitions: int
    replicas: float
    regions: int
    zones: int
    balance: float
    dispersion: float
    min_part_hours: int
    ring_up_to_date: bool
    devices: tuple[ListedDevice, ...]

    @property
    def part_power(self) -> int:
        return self.partitions.bit_length() - 1


_SUMMARY = re.compile(
    r"^(?P<partitions>\d+) partitions, (?P<replicas>[\d.]+) replicas, (?P<regions>\d+) "
    r"regions, (?P<zones>\d+) zones, \d+ devices, (?P<balance>\S+) balance, "
    r"(?P<dispersion>\S+) dispersion",
    re.M,
)
_MIN_PART_HOURS = re.compile(r"can be reassigned is (\d+)")
_ADDRESS = re.compile(r"^\[?(?P<ip>[^\]]+?)\]?:(?P<port>\d+)$")


def parse_listing(text: str) -> Listing:
    """The ring's summary and its devices, from the builder's default listing."""
    summary = _SUMMARY.search(text)
    if summary is None:
        raise BuilderError("swift-ring-builder's listing has no summary line", {"output": text})
    hours = _MIN_PART_HOURS.search(text)
    _, _, table = text.partition("\nDevices:")
    devices = tuple(_device(line) for line in table.splitlines()[1:] if line.strip())
    return Listing(
        partitions=int(summary["partitions"]),
        replicas=float(summary["replicas"]),
        regions=int(summary["regions"]),
        zones=int(summary["zones"]),
        balance=float(summary["balance"]),
        dispersion=float(summary["dispersion"]),
        min_part_hours=int(hours[1]) if hours else 0,
        ring_up_to_date="is up-to-date" in text,
        devices=devices,
    )


def _device(line: str) -> ListedDevice:
    # id region zone ip:port replication-ip:port name weight partitions balance [DEL] meta
    fields = line.split(None, 9)
    rest = fields[9] if len(fields) > 9 else ""
    removing = rest.startswith("DEL")
    meta = rest.removeprefix("DEL").strip() if removing else rest.strip()
    address = _ADDRESS.match(fields[3])
    if address is None:
        raise BuilderError(f"cannot read a device line of swift-ring-builder: {line.strip()}")
    return ListedDevice(
        id=int(fields[0]),
        region=int(fields[1]),
        zone=int(fields[2]),
        ip=address["ip"],
        port=int(address["port"]),
        device=fields[5],
        weight=float(fields[6]),
        partitions=int(fields[7]),
        balance=float(fields[8]),
        meta=meta,
        removing=removing,
    )
