"""swift-calculate-ring, swift-ring-show and swift-publish-ring through the installed
ocicli against oci serve, with Debian's swift-ring-builder, as OCI's README runs them."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.orm import Session

from tests.helpers import factories
from tests.helpers.commands import Command

pytestmark = pytest.mark.skipif(
    shutil.which("swift-ring-builder") is None,
    reason="needs Debian's swift-ring-builder (package swift, scripts/apt-packages)",
)

SETUP = [
    ("swift-region-create", "region1"),
    ("location-create", "zone-1", "region1"),
    ("location-create", "zone-2", "region1"),
    ("network-create", "zone-1-net", "192.168.101.0", "24", "zone-1", "no"),
    ("network-create", "zone-2-net", "192.168.102.0", "24", "zone-2", "no"),
    ("cluster-create", "swift01", "example.com"),
    ("cluster-set", "swift01", "--swift-part-power", "8"),
    ("network-add", "zone-1-net", "swift01", "all", "eth0"),
    ("network-add", "zone-2-net", "swift01", "all", "eth0"),
    ("machine-add", "S1", "swift01", "swiftstore", "zone-1"),
    ("machine-add", "S2", "swift01", "swiftstore", "zone-1"),
    ("machine-add", "S3", "swift01", "swiftstore", "zone-2"),
]


def test_an_operator_builds_shows_and_publishes_the_rings(
    token_cli: Command, session: Session
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("one backend is enough: the rings read the inventory as the ENC does")
    for n in (1, 2, 3):
        factories.machine(session, f"S{n}")  # sda, sdb 480 GB; nvme0n1 3.84 TB
    session.commit()
    for command in SETUP:
        token_cli(*command)

    assert token_cli.fails("swift-calculate-ring", "swift01", "--ec-only", "yes") == (
        "cluster swift01 has no erasure-coded policy (swift_ec_enable is off): "
        "there is no EC ring to build"
    )
    built = token_cli(
        "swift-calculate-ring", "swift01", "-f", "csv", "-c", "ring", "-c", "device_count",
        "-c", "partitions", "-c", "replicas", "-c", "zones", "-c", "added",
    )  # fmt: skip
    assert built.splitlines() == [
        "ring,device_count,partitions,replicas,zones,added",
        "account,6,256,3.0,2,6",
        "container,6,256,3.0,2,6",
        "object,6,256,3.0,2,6",
    ]
    rings = token_cli.json("swift-ring-show", "swift01")
    objects = next(r for r in rings if r["ring"] == "object")
    assert objects["balance"] < 5
    # Each data disk once, weighing its size in GB; one object port per disk (sorted by
    # name); a zone per location: the two stores of zone-1 share one.
    devices = {(d["ip"], d["port"], d["device"], d["weight"]) for d in objects["devices"]}
    assert devices == {
        (ip, port, device, weight)
        for ip in ("192.168.101.2", "192.168.101.3", "192.168.102.2")
        for port, device, weight in ((6200, "nvme0n1", 3840.76), (6201, "sdb", 480.1))
    }
    zones = {d["ip"]: d["zone"] for d in objects["devices"]}
    assert zones["192.168.101.2"] == zones["192.168.101.3"] != zones["192.168.102.2"]

    # No node has reported its SSH host keys: the rings go nowhere, and it says so.
    result = token_cli.run(
        "swift-publish-ring", "swift01", "-f", "value", "-c", "hostname", "-c", "sent"
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"swift01-swiftstore-{n}.example.com no" for n in (1, 2, 3)
    ]

    # The server builds in the background; a refusal met there still reaches the
    # operator as the command's error, and the kept rings stay.
    token_cli("cluster-set", "swift01", "--swift-part-power", "9")
    assert "has part power 8 and the cluster's swift_part_power is 9" in token_cli.fails(
        "swift-calculate-ring", "swift01"
    )
    kept = token_cli("swift-ring-show", "swift01", "-f", "value", "-c", "ring", "-c", "partitions")
    assert kept.splitlines() == ["account 256", "container 256", "object 256"]
    token_cli("cluster-set", "swift01", "--swift-part-power", "8")
    started = token_cli("swift-calculate-ring", "swift01", "--no-wait")
    assert started.startswith("calculating the Swift rings of swift01 since ")
