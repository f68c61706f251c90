"""What the largest report the server accepts costs, against a normal one.

A report under the 1 MiB body limit can list 150,000 DIMMs; the server refuses
more than `oci.ingest.checks.Bounds` of each component. This posts, through the
real Flask app (on a SQLite file, or the database of --url):
  normal:  a real server's report (Dell R740: 24 DIMMs), first and changed re-report
  worst:   a report at every bound of Bounds (DIMMs, disks, NICs, PCI
           devices, LLDP neighbours), first and changed (every row replaced)
  refused: 150,000 DIMMs, refused with a 422
and prints each one's time per report as a ratio of the normal first report,
with the milliseconds. Run: .venv/bin/python bench/report_bounds.py [--url URL] [N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oci import migrate
from oci.api.app import create_app
from oci.config import Settings
from oci.ingest.checks import Bounds
from tests.helpers.reports import TWO_SSDS, archive, ip_link, lldpctl_json, machine_files

HEADERS = {"Content-Type": "application/gzip"}
BOUNDS = Bounds()


def dimms(count: int, part: str) -> str:
    """dmidecode type 17 records: `count` populated 16 GiB modules."""
    block = (
        "Handle 0x{h:04X}, DMI type 17, 84 bytes\nMemory Device\n\tSize: 16 GB\n"
        "\tLocator: DIMM{n}\n\tType: DDR4\n\tSpeed: 3200 MT/s\n\tManufacturer: Hynix\n"
        "\tSerial Number: {part}{n}\n\tPart Number: {part}\n\n"
    )
    return "".join(block.format(h=0x1100 + n % 0xE000, n=n, part=part) for n in range(count))


def lsblk(count: int, tag: str) -> str:
    devices = [
        {"name": f"sd{n}", "kname": f"sd{n}", "size": 480103981056, "rota": False}
        | {"type": "disk", "tran": "sata", "model": "MZ7KH480", "serial": f"{tag}{n}"}
        for n in range(count)
    ]
    return json.dumps({"blockdevices": devices})


def lspci(count: int) -> str:
    return "".join(
        f'0000:{n >> 8 & 0xFF:02x}:{n >> 3 & 0x1F:02x}.{n & 7} "Ethernet controller [0200]" '
        '"Mellanox Technologies [15b3]" "MT27800 Family [ConnectX-5] [1017]"\n'
        for n in range(count)
    )


def uuid(n: int) -> str:
    return f"4c4c4544-0000-1000-8000-{n:012x}"


def normal(n: int, extra: dict[str, str] | None = None) -> bytes:
    return archive(machine_files(f"N{n}", uuid(n), (f"00:1b:21:00:{n:02x}:01",), extra=extra))


def worst(n: int, tag: str) -> dict[str, str]:
    mac = f"00:1b:21:ff:{n:02x}:01"
    files = machine_files(f"W{n}", uuid(1000 + n), (mac,))
    nics = [
        (f"eth{n}", f"02:00:00:{n >> 8 & 0xFF:02x}:{n & 0xFF:02x}:{len(tag):02x}")
        for n in range(BOUNDS.nics)
    ]
    files["dmidecode.txt"] += dimms(BOUNDS.dimms - 6, tag)  # the R740 has 6 modules
    files["lsblk.json"] = lsblk(BOUNDS.disks, tag)
    files["ip-link.json"] = ip_link([*nics[:-1], ("eno1", mac)])
    files["lspci-nnmm.txt"] = lspci(BOUNDS.pci_devices)
    files["lldpctl.json"] = lldpctl_json(
        [(f"eth{n}", f"tor-{tag}", f"swp{n}") for n in range(BOUNDS.lldp)]
    )
    return files


def timed(client: Any, bodies: list[bytes], expect: int) -> float:
    start = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/discovery/reports", data=body, headers=HEADERS)
        assert response.status_code == expect, response.get_json()
    return (time.perf_counter() - start) / len(bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=5)
    parser.add_argument("--url", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    count = args.count
    first = [normal(n) for n in range(count)]
    changed = [normal(n, {"lsblk.json": TWO_SSDS}) for n in range(count)]
    big = [archive(worst(n, "a")) for n in range(count)]
    big_changed = [archive(worst(n, "b")) for n in range(count)]
    flood = machine_files("R0", uuid(2000), ("00:1b:21:fe:00:01",))
    # Bare records (size and slot): as many as fit in the 1 MiB body.
    flood["dmidecode.txt"] += "".join(
        f"Handle 0x{n % 0xE000:04X}, DMI type 17, 84 bytes\nMemory Device\n"
        f"\tSize: 16 GB\n\tLocator: D{n}\n\n"
        for n in range(150_000)
    )
    refused = archive(flood)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        app = create_app(Settings(data_dir=Path(tmp), database_url=url, log_level="WARNING"))
        client = app.test_client()
        times = {
            "normal first": timed(client, first, 201),
            "normal changed": timed(client, changed, 200),
            "worst first": timed(client, big, 201),
            "worst changed": timed(client, big_changed, 200),
            "150k DIMMs refused": timed(client, [refused], 422),
        }
    sizes = f"bodies: worst {len(big[0]) // 1024} KiB, refused {len(refused) // 1024} KiB"
    print(f"{count} reports each, {url.partition(':')[0]}, one process; {sizes}")
    base = times["normal first"]
    for name, value in times.items():
        print(f"  {name:19} {value / base:6.2f}x the normal first report ({value * 1000:7.1f} ms)")


if __name__ == "__main__":
    main()
