"""The Swift ring plan: which disks become devices, where, and how heavy (pure)."""

from __future__ import annotations

import pytest

from oci.enrolment.options import MachineSettings
from oci.errors import Invalid
from oci.swift import builder
from oci.swift.plan import RingPlan, plan, publish_targets
from tests.helpers.swift import cluster, set_store


def devices(rings: RingPlan, name: str) -> list[tuple[str, int, str, int, int, float]]:
    ring = next(r for r in rings.rings if r.name == name)
    return [(d.ip, d.port, d.device, d.region, d.zone, d.weight) for d in ring.devices]


def test_every_data_disk_of_every_store_is_a_device_in_its_zone_weighing_its_size() -> None:
    view, hardware = cluster()
    rings = plan(view, hardware)
    assert [(r.name, r.part_power, r.replicas, r.min_part_hours) for r in rings.rings] == [
        ("account", 8, 3.0, 1),
        ("container", 8, 3.0, 1),
        ("object", 8, 3.0, 1),
    ]
    # No system disk (sda), nothing of the proxy whose only disk is its system's; one
    # object server port per disk, 6200 up, as puppet-module-oci's servers_per_port.
    assert devices(rings, "object") == [
        ("192.168.10.3", 6200, "sdb", 1, 1, 4000.0),
        ("192.168.10.3", 6201, "sdc", 1, 1, 4000.0),
        ("192.168.10.4", 6200, "sdb", 1, 1, 4000.0),
        ("192.168.10.4", 6201, "sdc", 1, 1, 4000.0),
        ("192.168.10.4", 6202, "sdd", 1, 1, 4000.0),
        ("192.168.10.5", 6200, "sdb", 1, 2, 8000.0),
        ("192.168.10.5", 6201, "sdc", 1, 2, 8000.0),
    ]
    assert {d[1] for d in devices(rings, "account")} == {6002}
    assert {d[1] for d in devices(rings, "container")} == {6001}
    first = rings.rings[0].devices[0]
    assert first.meta == "swift1-swiftstore-1.example.com rack=rack1"
    assert rings.problems == ()


def test_store_options_and_fixed_weights_decide_the_rings() -> None:
    view, hardware = cluster()
    view = set_store(
        view,
        3,
        settings=MachineSettings.model_validate(
            {"swift_store_account": False, "servers_per_port": 0}
        ),
    )
    rings = plan(view, hardware, weights={"object": 100.0})
    assert [d[0] for d in devices(rings, "account")].count("192.168.10.5") == 0
    object_devices = devices(rings, "object")
    assert {d[5] for d in object_devices} == {100.0}  # OCI's initial weight
    assert [d[1] for d in object_devices if d[0] == "192.168.10.5"] == [6200, 6200]
    assert {d[5] for d in devices(rings, "container")} == {4000.0, 8000.0}


def test_an_erasure_coded_policy_adds_its_object_ring() -> None:
    view, hardware = cluster(
        swift_ec_enable=True,
        swift_ec_policy_index=2,
        swift_ec_num_data_fragments=4,
        swift_ec_num_parity_fragments=2,
    )
    rings = plan(view, hardware)
    assert [r.name for r in rings.rings] == ["account", "container", "object", "object-2"]
    ec = rings.rings[-1]
    assert (ec.replicas, ec.builder_file, ec.ring_file) == (
        6.0,
        "object-2.builder",
        "object-2.ring.gz",
    )
    assert ec.devices == rings.rings[2].devices
    assert [r.name for r in plan(view, hardware, ec_only=True).rings] == ["object-2"]
    plain, plain_hardware = cluster()
    with pytest.raises(Invalid, match="no erasure-coded policy"):
        plan(plain, plain_hardware, ec_only=True)


def test_a_store_without_a_place_is_left_out_and_said_so() -> None:
    view, hardware = cluster()
    view = set_store(view, 2, location_id=None, swift_region_id=None)
    view = set_store(view, 3, addresses={})
    rings = plan(view, hardware)
    assert {d[0] for d in devices(rings, "object")} == {"192.168.10.3"}
    assert rings.problems == (
        "swift1-swiftstore-2.example.com left out: no location",
        "swift1-swiftstore-3.example.com left out: no management address",
    )
    with pytest.raises(Invalid, match="no Swift store with a data disk"):
        plan(view, {})


def test_the_rings_go_to_stores_proxies_and_controllers() -> None:
    view, _ = cluster()
    assert [(m.hostname.split(".")[0], ip) for m, ip in publish_targets(view)] == [
        ("swift1-swiftstore-1", "192.168.10.3"),
        ("swift1-swiftstore-2", "192.168.10.4"),
        ("swift1-swiftstore-3", "192.168.10.5"),
        ("swift1-swiftproxy-1", "192.168.10.2"),
        ("swift1-controller-1", "192.168.10.1"),
    ]


_DEVICES = [
    "  0  1  1    10.0.0.1:6200    10.0.0.1:6200  sdb 4000.00  256   0.00       st-1 rack=b1",
    "  1  1  2  [fd00::2]:6201  [fd00::2]:6201  sdc 4000.00  256   1.56   DEL ",
    "  2  1  2    10.0.0.3:6200    10.0.0.3:6200  sdd 4000.00  256  -1.56       ",
]
LISTING = f"""\
object.builder, build version 7, id bd802b1357cc4921b87e22dec425f9fa
256 partitions, 3.000000 replicas, 1 regions, 2 zones, 3 devices, 1.56 balance, 0.00 dispersion
The minimum number of hours before a partition can be reassigned is 1 (0:59:58 remaining)
The overload factor is 0.00% (0.000000)
Ring file object.ring.gz is up-to-date
Devices:   id region zone ip address:port replication ip:port  name  weight partitions balance
{chr(10).join(_DEVICES)}
"""


def test_the_builders_listing_is_read_back() -> None:
    listing = builder.parse_listing(LISTING)
    assert (listing.part_power, listing.replicas, listing.zones, listing.balance) == (
        8,
        3.0,
        2,
        1.56,
    )
    assert listing.ring_up_to_date and listing.min_part_hours == 1
    assert [(d.id, d.ip, d.port, d.device, d.meta, d.removing) for d in listing.devices] == [
        (0, "10.0.0.1", 6200, "sdb", "st-1 rack=b1", False),
        (1, "fd00::2", 6201, "sdc", "", True),
        (2, "10.0.0.3", 6200, "sdd", "", False),
    ]
