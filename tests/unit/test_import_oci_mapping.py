"""OCI rows -> our plan (oci.importer.mapping): pure, on hand-made OCI snapshots."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from oci.enrolment import secrets as cluster_secrets
from oci.importer.mapping import Unmappable, map_snapshot, php_string
from oci.importer.read import OciSnapshot, OciTable
from oci.models.role import BUILTIN_ROLES
from oci.models.status import MachineStatus

ROLES = tuple(BUILTIN_ROLES)


def _ip(text: str) -> int:
    return int(ipaddress.ip_address(text))


def _table(rows: list[dict[str, Any]], defaults: dict[str, str | None]) -> OciTable:
    return OciTable(rows=rows, defaults=defaults)


CLUSTER_DEFAULTS: dict[str, str | None] = {
    "id": None,
    "name": "",
    "domain": "",
    "first_master_machine_id": None,
    "first_sql_machine_id": None,
    "time_server_host": "0.debian.pool.ntp.org",
    "swift_part_power": "19",
    "vip_hostname": "",
    "self_signed_api_cert": "yes",
    "haproxy_custom_url": "",
}
MACHINE_DEFAULTS: dict[str, str | None] = {
    "id": None,
    "serial": "",
    "memory": "0",
    "hostname": "",
    "role": "",
    "cluster": None,
    "location_id": None,
    "status": "None",
    "puppet_status": "notrun",
    "installed": "no",
    "dhcp_ip": "0.0.0.0",
    "notes": "",
    "serial_console_dev": "ttyS1",
    "install_on_raid": "no",
    "raid_type": "1",
    "raid_dev0": "sda",
    "raid_dev1": "sdb",
    "use_gpu": "no",
    "nested_virt": "cluster_value",
    "cpu_allocation_ratio": "16",
    "ipmi_username": "",
    "ipmi_password": "",
    "ipmi_addr": "",
    "ipmi_port": "623",
    "ipmi_detected_ip": "",
    "cpu_mhz": "0",
    "boot_uefi": "no",
    "secure_boot": "no",
    "dest_blk": "none",
    "ipmi_netmask": "255.255.255.0",
    "ipmi_default_gw": "",
    "ipmi_vlan": "off",
    "frobnicate": "no",  # a column of some later OCI that ours does not know
}
NETWORK_DEFAULTS: dict[str, str | None] = {
    "id": None,
    "name": "",
    "ip": "",
    "cidr": "24",
    "first_ip": "0",
    "last_ip": "0",
    "is_public": "no",
    "cluster": None,
    "role": None,
    "iface1": None,
    "iface2": None,
    "bridgename": None,
    "vlan": None,
    "mtu": "0",
    "location_id": None,
    "ipmi_match_addr": "0.0.0.0",
    "ipmi_match_cidr": "0",
}
RAID_DRIVE_DEFAULTS: dict[str, str | None] = {
    "id": None,
    "machine_id": "0",
    "slot": "0",
    "model": "",
    "serial": "",
    "size": "0",
    "state": "no-state",
}
CONTROLLER_DEFAULTS: dict[str, str | None] = {
    "id": None,
    "machine_id": "0",
    "hwid": "none",
    "vendor": "none",
    "product": "none",
    "ctrl_type": "none",
    "firmware_version": "0.0.0",
}


def _machine(id_: int, serial: str, **more: Any) -> dict[str, Any]:
    row: dict[str, Any] = {k: v for k, v in MACHINE_DEFAULTS.items() if k != "id"}
    row |= {"id": id_, "serial": serial, "memory": 32768, "status": "live", "ipmi_port": 623}
    row |= more
    return row


def _snapshot(**changes: list[dict[str, Any]]) -> OciSnapshot:
    serialized_pub = 's:7:"AAAAB3N";'
    private = "-----BEGIN OPENSSH PRIVATE KEY-----\nxyz\n-----END OPENSSH PRIVATE KEY-----\n"
    passwords = [
        {"cluster": 1, "service": "nova", "passtype": "db", "pass": "n0va", "passtxt1": None},
        {"cluster": 1, "service": "ceph", "passtype": "adminkey", "pass": "", "passtxt1": None},
        {"cluster": 1, "service": "bill", "passtype": "fsid", "pass": "x", "passtxt1": None},
        {
            "cluster": 1,
            "service": "designate",
            "passtype": "rndckey",
            "pass": "",
            "passtxt1": "cm5kYw==",
        },
        {
            "cluster": 1,
            "service": "nova",
            "passtype": "ssh",
            "pass": "",
            "passtxt1": serialized_pub,
            "passtxt2": f's:{len(private)}:"{private}";',
        },
    ]
    mgmt = {
        "id": 1,
        "name": "mgmt1",
        "ip": "192.168.101.0",
        "cidr": 24,
        "first_ip": _ip("192.168.101.2"),
        "last_ip": _ip("192.168.101.254"),
        "is_public": "no",
        "cluster": 1,
        "role": "all",
        "iface1": "eth0",
        "iface2": "eth1",
        "bridgename": None,
        "vlan": None,
        "mtu": 0,
        "location_id": 1,
        "ipmi_match_addr": "0.0.0.0",
        "ipmi_match_cidr": 0,
    }
    public = mgmt | {"id": 2, "name": "pub1", "ip": "203.0.113.0", "cidr": 28, "is_public": "yes"}
    public |= {"first_ip": 0, "last_ip": 0}
    tables = {
        "swiftregions": _table([{"id": 1, "name": "reg1"}], {"id": None, "name": ""}),
        "locations": _table([{"id": 1, "name": "loc1", "swiftregion": "reg1"}], {}),
        "roles": _table([{"id": 1, "name": "controller"}, {"id": 2, "name": "compute"}], {}),
        "rolecounts": _table([{"cluster": 1, "role": 1, "count": 1}], {}),
        "clusters": _table(
            [
                dict(CLUSTER_DEFAULTS)
                | {
                    "id": 1,
                    "name": "cl1",
                    "domain": "example.com",
                    "first_master_machine_id": 1,
                    "first_sql_machine_id": None,
                    "time_server_host": "ntp.example.com",
                    "swift_part_power": 19,
                }
            ],
            CLUSTER_DEFAULTS,
        ),
        "networks": _table([mgmt, public], NETWORK_DEFAULTS),
        "machines": _table(
            [
                _machine(
                    1,
                    "SER1",
                    hostname="cl1-controller-1.example.com",
                    role="controller",
                    cluster=1,
                    location_id=1,
                    status="installed",
                    puppet_status="success",
                    ipmi_username="admin",
                    ipmi_password="pw",
                    ipmi_addr="10.9.0.10",
                    ipmi_detected_ip="10.9.0.1",
                    cpu_allocation_ratio=4.0,
                    dhcp_ip="192.168.100.20",
                ),
                _machine(2, "SER2", serial_console_dev="ttyS0"),
            ],
            MACHINE_DEFAULTS,
        ),
        "ifnames": _table(
            [
                {
                    "machine_id": 1,
                    "name": "eth0",
                    "macaddr": "B8:CA:3A:00:00:01",
                    "max_speed": 10000,
                    "switch_hostname": "dc1-a1-1",
                    "switchport_name": "Ethernet1",
                    "firmware_version": "0.0.0",
                    "driver": "none",
                }
            ],
            {},
        ),
        "blockdevices": _table([{"machine_id": 1, "name": "nvme0n1", "size_mb": 1024}], {}),
        "blkdev_ctrl": _table(
            [
                {
                    "id": 1,
                    "machine_id": 1,
                    "hwid": "raid",
                    "vendor": "Broadcom / LSI",
                    "product": "MegaRAID SAS-3 3108 [Invader]",
                    "ctrl_type": "LSI-raid",
                    "firmware_version": "4.680.00-8527",
                }
            ],
            CONTROLLER_DEFAULTS,
        ),
        "physblockdevices": _table([], RAID_DRIVE_DEFAULTS),
        "ips": _table(
            [
                {"id": 1, "network": 2, "ip": _ip("203.0.113.2"), "type": "4", "machine": 0}
                | {"usefor": "vip", "vip_usage": "api"},
                {"id": 2, "network": 1, "ip": _ip("192.168.101.2"), "type": "4", "machine": 1}
                | {"usefor": "machine", "vip_usage": "api"},
            ],
            {},
        ),
        "passwords": _table(passwords, {}),
        "sshkeypairs": _table([], {}),
    }
    for name, rows in changes.items():
        tables[name] = _table(rows, tables[name].defaults)
    return OciSnapshot(tables)


def test_a_cluster_maps_onto_our_records() -> None:
    plan = map_snapshot(_snapshot(), ROLES)

    assert plan.regions == ["reg1"]
    assert plan.locations == {"loc1": "reg1"}
    (cluster,) = plan.clusters
    # Only what differs from our defaults is stored.
    assert cluster.options == {"time_server_host": "ntp.example.com"}
    assert cluster.role_counters == {"controller": 2}
    assert cluster.secrets["nova/db"] == "n0va"
    assert cluster.secrets["designate/rndckey"] == "cm5kYw=="
    assert cluster.secrets["nova/ssh_pub"] == "AAAAB3N"
    assert cluster.secrets["nova/ssh_priv"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert "ceph/adminkey" in cluster.generate  # empty in OCI
    assert "glance/ssh" in cluster.generate  # absent from OCI
    assert set(cluster.generate) | {"nova/db", "designate/rndckey", "nova/ssh"} == set(
        cluster_secrets.OCI_SECRETS
    )

    mgmt, public = plan.networks
    assert (mgmt.address, mgmt.prefix_length, mgmt.role, mgmt.cluster) == (
        "192.168.101.0",
        24,
        "all",
        "cl1",
    )
    assert (public.is_public, public.mtu) == (True, None)
    (vip,) = plan.vips["cl1"]
    assert (vip.network, vip.address, vip.vip_usage) == ("pub1", "203.0.113.2", "api")

    ctl, spare = plan.machines
    assert (ctl.hostname, ctl.role, ctl.cluster, ctl.location) == (
        "cl1-controller-1.example.com",
        "controller",
        "cl1",
        "loc1",
    )
    assert ctl.is_first_master
    assert ctl.columns["status"] == MachineStatus.PUPPET_SUCCESS
    assert ctl.columns["memory_bytes"] == 32768 * 1024 * 1024
    assert ctl.settings == {"cpu_allocation_ratio": 4.0, "serial_console": "ttyS1"}
    assert [(a.network, a.address, a.purpose) for a in ctl.addresses] == [
        ("mgmt1", "192.168.101.2", "host")
    ]
    assert ctl.bmc is not None
    assert (ctl.bmc.ipmi_address, ctl.bmc.ipmi_username, ctl.bmc.ipmi_password) == (
        "10.9.0.10",
        "admin",
        "pw",
    )
    (nic,) = ctl.nics
    assert (nic.mac, nic.identity_mac, nic.driver, nic.firmware_version) == (
        "b8:ca:3a:00:00:01",
        "b8:ca:3a:00:00:01",
        None,
        None,
    )
    assert [(x.switch_name, x.port_id) for x in ctl.lldp] == [("dc1-a1-1", "Ethernet1")]
    assert [(d.name, d.kind, d.size_bytes) for d in ctl.disks] == [("nvme0n1", "nvme", 1024**3)]
    # A machine in no cluster: hardware only, and its machine-set options (OCI's ttyS0
    # is our default, so nothing to store).
    assert (spare.cluster, spare.hostname, spare.role, spare.settings) == (None, None, None, {})
    assert spare.columns["status"] == MachineStatus.LIVE

    assert "cluster cl1: secret bill/fsid (no role of oci reads it)" in plan.skipped
    assert any(s.startswith("machines.dhcp_ip: OCI-only state") for s in plan.skipped)


def test_everything_unmappable_is_named_at_once() -> None:
    snapshot = _snapshot()
    machines = snapshot.rows("machines")
    machines[0]["role"] = "billosd"
    machines[1]["frobnicate"] = "yes"
    machines[1]["nested_virt"] = "maybe"
    snapshot.rows("networks")[0]["first_ip"] = _ip("10.0.0.1")
    snapshot.rows("networks")[1]["ipmi_match_addr"] = "10.0.0.0"
    snapshot.rows("clusters")[0]["haproxy_custom_url"] = "not a url"

    with pytest.raises(Unmappable) as raised:
        map_snapshot(snapshot, ROLES)

    problems = "\n".join(raised.value.problems)
    assert "machine SER1: role 'billosd' is not a role of oci" in problems
    assert "machines 'SER2': frobnicate='yes' has no equivalent in oci" in problems
    assert "machine SER2: option nested_virt='maybe' is not valid in oci" in problems
    assert "network 'mgmt1': first_ip 10.0.0.1 is outside" in problems
    assert (
        "network 'pub1': ipmi_match_addr='10.0.0.0' ipmi_match_cidr=0: ipmi_match_address "
        "and ipmi_match_prefix_length go together"
    ) in problems
    assert "cluster cl1: option haproxy_custom_url='not a url' is not valid" in problems


def test_duplicate_host_names_and_orphan_addresses_are_refused() -> None:
    snapshot = _snapshot()
    snapshot.rows("machines")[1] |= {
        "hostname": "cl1-controller-1.example.com",
        "role": "controller",
        "cluster": 1,
        "location_id": 1,
    }
    snapshot.rows("ips").append(
        {"id": 3, "network": 9, "ip": _ip("10.0.0.1"), "type": "4", "machine": 2}
        | {"usefor": "machine", "vip_usage": "api"}
    )
    with pytest.raises(Unmappable) as raised:
        map_snapshot(snapshot, ROLES)
    problems = "\n".join(raised.value.problems)
    assert "host name cl1-controller-1.example.com is also SER1's" in problems
    assert "address id 3: its network 9 does not exist" in problems


@pytest.mark.parametrize(
    ("status", "puppet", "ours"),
    [
        ("live", "notrun", MachineStatus.LIVE),
        ("bootinglive", "notrun", MachineStatus.LIVE),
        ("installing", "notrun", MachineStatus.INSTALLING),
        ("installed", "notrun", MachineStatus.INSTALLED),
        ("firstboot", "running", MachineStatus.PUPPET_RUNNING),
        ("installed", "failure", MachineStatus.PUPPET_FAILURE),
    ],
)
def test_oci_status_and_puppet_status_become_one_state(
    status: str, puppet: str, ours: MachineStatus
) -> None:
    snapshot = _snapshot()
    snapshot.rows("machines")[1] |= {"status": status, "puppet_status": puppet}
    assert map_snapshot(snapshot, ROLES).machines[1].columns["status"] == ours


def test_php_serialized_strings() -> None:
    assert php_string('s:3:"abc";') == "abc"
    assert php_string('s:4:"a\nbc";') == "a\nbc"
    assert php_string('s:9:"abc";') == 's:9:"abc";'  # length mismatch: kept as is
    assert php_string("plain") == "plain"
    assert php_string("") is None
    assert php_string(None) is None


def test_role_counters_go_past_the_host_names_in_use() -> None:
    """OCI's rolecounts lagging behind (or absent): the next machine-add must not
    take cl1-controller-1 again."""
    plan = map_snapshot(_snapshot(rolecounts=[]), ROLES)
    assert plan.clusters[0].role_counters == {"controller": 2}


def test_root_key_pairs_and_raid_members() -> None:
    """OCI's per-host root key pair (PHP-serialized, as its ENC writes it) and the
    RAID members its machine-set names, as many as the level uses."""
    private = "-----BEGIN OPENSSH PRIVATE KEY-----\nroot\n-----END OPENSSH PRIVATE KEY-----\n"
    pairs = [
        {
            "clusterid": 1,
            "hostname": "cl1-controller-1.example.com",
            "username": "root",
            "pubkey": 's:8:"AAAAroot";',
            "privatekey": f's:{len(private)}:"{private}";',
        }
    ]
    snapshot = _snapshot(sshkeypairs=pairs)
    snapshot.rows("machines")[0] |= {
        "install_on_raid": "yes",
        "raid_type": "1",
        "raid_dev0": "sdc",
        "raid_dev1": "sdd",
    }
    ctl = map_snapshot(snapshot, ROLES).machines[0]
    assert ctl.root_key == (private, "AAAAroot")
    assert ctl.settings["install_on_raid"] is True
    assert ctl.settings["raid_devices"] == ["sdc", "sdd"]


def test_network_ranges_and_ipmi_match_map_onto_ours() -> None:
    """network-set --first-ip/--last-ip narrow the range hosts take addresses in;
    --ipmi-match-addr/--ipmi-match-cidr say which DHCP network's machines take their
    BMC address in this one. OCI's own whole-network bounds (and 0) are ours' NULL."""
    snapshot = _snapshot()
    mgmt, public = snapshot.rows("networks")
    mgmt |= {"first_ip": _ip("192.168.101.10"), "last_ip": _ip("192.168.101.200")}
    public |= {"role": "ipmi", "ipmi_match_addr": "192.168.100.0", "ipmi_match_cidr": 24}
    small = public | {"id": 3, "name": "p30", "ip": "198.51.100.0", "cidr": 30}
    small |= {"first_ip": _ip("198.51.100.1"), "last_ip": _ip("198.51.100.2")}  # network-create's
    small |= {"ipmi_match_addr": "0.0.0.0", "ipmi_match_cidr": 0}
    snapshot.rows("networks").append(small)

    ours = {n.name: n for n in map_snapshot(snapshot, ROLES).networks}

    assert (ours["mgmt1"].first_ip, ours["mgmt1"].last_ip) == ("192.168.101.10", "192.168.101.200")
    assert (ours["mgmt1"].ipmi_match_address, ours["mgmt1"].ipmi_match_prefix_length) == (
        None,
        None,
    )
    assert (ours["pub1"].first_ip, ours["pub1"].last_ip) == (None, None)
    assert (ours["pub1"].ipmi_match_address, ours["pub1"].ipmi_match_prefix_length) == (
        "192.168.100.0",
        24,
    )
    assert (ours["p30"].first_ip, ours["p30"].last_ip) == (None, None)
    # OCI's derived 192.168.101.2-.254 of the default snapshot: the whole network.
    plain = map_snapshot(_snapshot(), ROLES).networks[0]
    assert (plain.first_ip, plain.last_ip) == (None, None)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (
            {"first_ip": _ip("192.168.102.10")},
            "network 'mgmt1': first_ip 192.168.102.10 is outside network 'mgmt1' "
            "(192.168.101.0/24); set the range again with OCI's network-set",
        ),
        (
            {"first_ip": _ip("192.168.101.200"), "last_ip": _ip("192.168.101.10")},
            "first_ip 192.168.101.200 comes after last_ip 192.168.101.10",
        ),
        (
            {"first_ip": -5},
            "network 'mgmt1': first_ip=-5 is not an address",
        ),
        (
            {"ipmi_match_addr": "192.168.100.5", "ipmi_match_cidr": 24},
            "network 'mgmt1': ipmi_match_addr='192.168.100.5' ipmi_match_cidr=24: "
            "192.168.100.5/24 has host bits set",
        ),
        (
            {"ipmi_match_addr": "192.168.100.0"},
            "ipmi_match_address and ipmi_match_prefix_length go together",
        ),
        (
            {"ipmi_match_addr": "ipmi.example.com", "ipmi_match_cidr": 24},
            "'ipmi.example.com' is not an IPv4 or IPv6 address",
        ),
        (
            {"ipmi_match_addr": "192.168.100.0", "ipmi_match_cidr": 40},
            "prefix length 40 is out of range for IPv4",
        ),
    ],
)
def test_network_ranges_ours_refuses_are_refused_naming_them(
    changes: dict[str, Any], named: str
) -> None:
    snapshot = _snapshot()
    snapshot.rows("networks")[0].update(changes)
    with pytest.raises(Unmappable) as raised:
        map_snapshot(snapshot, ROLES)
    assert named in "\n".join(raised.value.problems)


def test_machine_facts_cpu_clock_secure_boot_and_storage_controllers() -> None:
    snapshot = _snapshot()
    ctl, spare = snapshot.rows("machines")
    ctl |= {"cpu_mhz": "2100.000", "boot_uefi": "yes", "secure_boot": "yes"}
    spare |= {"cpu_mhz": "3000", "boot_uefi": "no", "secure_boot": "yes"}
    snapshot.rows("physblockdevices").extend(
        [
            {"id": 1, "machine_id": 1, "slot": 0, "model": "MZ7LH960", "serial": "S45N"}
            | {"size": 960 * 10**9, "state": "Online, Spun Up"},
            {"id": 2, "machine_id": 1, "slot": 1, "model": "", "serial": ""}
            | {"size": 0, "state": "no-state"},
        ]
    )
    snapshot.rows("blkdev_ctrl").append(
        {
            "id": 2,
            "machine_id": 1,
            "hwid": "storage",
            "vendor": "Intel Corporation",
            "product": "C620 Series Chipset Family SATA Controller [AHCI mode]",
            "ctrl_type": "none",
            "firmware_version": "0.0.0",
        }
    )

    plan = map_snapshot(snapshot, ROLES)
    ours_ctl, ours_spare = plan.machines

    assert (ours_ctl.columns["cpu_mhz"], ours_ctl.columns["secure_boot"]) == (2100, True)
    # Secure Boot only under UEFI, as our ingest of OCI's agent reads it.
    assert (ours_spare.columns["cpu_mhz"], ours_spare.columns["secure_boot"]) == (3000, False)
    assert [
        (c.name, c.kind, c.vendor, c.model, c.firmware_version) for c in ours_ctl.controllers
    ] == [
        ("ctrl0", "megaraid", "Broadcom / LSI", "MegaRAID SAS-3 3108 [Invader]", "4.680.00-8527"),
        (
            "ctrl1",
            "ahci",
            "Intel Corporation",
            "C620 Series Chipset Family SATA Controller [AHCI mode]",
            None,
        ),
    ]
    assert ours_spare.controllers == ()
    assert [
        (d.position, d.controller, d.size_bytes, d.state, d.model, d.serial)
        for d in ours_ctl.raid_drives
    ] == [
        ("0", "ctrl0", 960 * 10**9, "Online, Spun Up", "MZ7LH960", "S45N"),
        ("1", "ctrl0", None, None, None, None),  # OCI's defaults: nothing known
    ]
    assert any(s.startswith("machines.boot_uefi: read for Secure Boot only") for s in plan.skipped)
    assert not any(s.startswith(("machines.cpu_mhz", "machines.secure_boot")) for s in plan.skipped)
    # OCI's defaults ('0', 'no'): nothing known.
    default = map_snapshot(_snapshot(), ROLES).machines[1]
    assert (default.columns["cpu_mhz"], default.columns["secure_boot"]) == (None, False)


def test_the_install_disk_maps_and_oci_none_leaves_it_to_the_installer() -> None:
    snapshot = _snapshot()
    snapshot.rows("machines")[0]["dest_blk"] = "sdc"
    chosen, default = map_snapshot(snapshot, ROLES).machines[:2]
    assert chosen.settings["dest_blk"] == "sdc"
    assert "dest_blk" not in default.settings  # OCI's 'none' is our default


def test_the_bmc_lan_maps_onto_the_machine_options_and_ocis_defaults_are_unset() -> None:
    snapshot = _snapshot()
    snapshot.rows("machines")[0].update(
        ipmi_netmask="255.255.254.0", ipmi_default_gw="10.0.1.254", ipmi_vlan="12"
    )
    chosen, default = map_snapshot(snapshot, ROLES).machines[:2]
    assert {k: v for k, v in chosen.settings.items() if k.startswith("ipmi_")} == {
        "ipmi_netmask": "255.255.254.0",
        "ipmi_default_gw": "10.0.1.254",
        "ipmi_vlan": 12,
    }
    # OCI's '255.255.255.0', '' and 'off': unset, the ipmi network's.
    assert not [k for k in default.settings if k.startswith("ipmi_")]
    plan = map_snapshot(snapshot, ROLES)
    assert not [line for line in plan.skipped if "ipmi_netmask" in line or "ipmi_vlan" in line]
    for column, value in (("ipmi_netmask", "255.0.255.0"), ("ipmi_vlan", "4095")):
        bad = _snapshot()
        bad.rows("machines")[0][column] = value
        with pytest.raises(Unmappable) as raised:
            map_snapshot(bad, ROLES)
        assert f"option {column}={value!r} is not valid in oci" in "\n".join(raised.value.problems)


@pytest.mark.parametrize(
    ("table", "column", "value", "named"),
    [
        ("machines", "cpu_mhz", "fast", "machine SER2: cpu_mhz='fast' is not a clock in MHz"),
        ("machines", "cpu_mhz", "1e9", "machine SER2: cpu_mhz='1e9' is not a clock in MHz"),
        (
            "machines",
            "cpu_mhz",
            "99999999999",
            "machine SER2: cpu_mhz='99999999999' is beyond any CPU clock",
        ),
        # OCI's machine-set --dest-blk takes a disk name; a path is not one.
        ("machines", "dest_blk", "/dev/sdc", "dest_blk"),
        (
            "physblockdevices",
            "size",
            str(10**19),
            "machine SER1: physblockdevices (its agent's phys-blockdevices): "
            "phys-blockdevices[0].size: 10000000000000000000 is above 9223372036854775807",
        ),
        # A controller column of some later OCI.
        (
            "blkdev_ctrl",
            "cache_mb",
            "2048",
            "blkdev_ctrl 1: cache_mb='2048' has no equivalent in oci; set it back to OCI's "
            "default ('0') in OCI, or leave this blkdev_ctrl out",
        ),
    ],
)
def test_machine_facts_ours_refuses_are_refused_naming_them(
    table: str, column: str, value: str, named: str
) -> None:
    snapshot = _snapshot()
    snapshot.rows("physblockdevices").append(
        {"id": 1, "machine_id": 1, "slot": 3, "model": "", "serial": "", "size": 0, "state": ""}
    )
    known = snapshot.tables[table]
    snapshot.tables[table] = OciTable(known.rows, dict(known.defaults))
    snapshot.tables[table].defaults.setdefault(column, "0")
    snapshot.rows(table)[-1][column] = value
    with pytest.raises(Unmappable) as raised:
        map_snapshot(snapshot, ROLES)
    assert named in "\n".join(raised.value.problems)


def test_a_raid_slot_listed_twice_is_refused() -> None:
    snapshot = _snapshot()
    drive = {"machine_id": 1, "slot": 3, "model": "", "serial": "", "size": 0, "state": ""}
    snapshot.rows("physblockdevices").extend([drive | {"id": 1}, drive | {"id": 2}])
    with pytest.raises(Unmappable) as raised:
        map_snapshot(snapshot, ROLES)
    assert "machine SER1: physblockdevices lists slot 3 twice" in raised.value.problems[0]


def test_an_oci_without_blkdev_ctrl_and_physblockdevices_imports_without_them() -> None:
    snapshot = _snapshot()
    del snapshot.tables["blkdev_ctrl"]
    del snapshot.tables["physblockdevices"]
    plan = map_snapshot(snapshot, ROLES)
    assert [(m.controllers, m.raid_drives) for m in plan.machines] == [((), ()), ((), ())]


def test_a_secret_valued_option_is_never_printed_in_a_refusal() -> None:
    """import-oci prints its refusals and skipped lines: a password in them would
    land in a terminal's scrollback and the logs of whatever ran it."""
    snapshot = _snapshot()
    clusters, machines = snapshot.defaults("clusters"), snapshot.defaults("machines")
    assert isinstance(clusters, dict) and isinstance(machines, dict)
    clusters["extswift_password"] = ""
    machines.update(vendor_api_key="", idrac_secret="")
    # Not valid in oci (a space), so refused, naming the option but not the value.
    snapshot.rows("clusters")[0]["extswift_password"] = "hunter2 leaked"
    snapshot.rows("machines")[1]["vendor_api_key"] = "k3y-leaked"
    snapshot.rows("machines")[1]["idrac_secret"] = "s3cret-leaked"
    snapshot.rows("machines")[1]["frobnicate"] = "shown"
    with pytest.raises(Unmappable) as raised:
        map_snapshot(snapshot, ROLES)
    problems = "\n".join(raised.value.problems)
    assert "leaked" not in problems
    assert "cluster cl1: option extswift_password=(a secret, not shown) is not valid" in problems
    assert "machines 'SER2': vendor_api_key=(a secret, not shown) has no equivalent" in problems
    assert "machines 'SER2': idrac_secret=(a secret, not shown) has no equivalent" in problems
    assert "machines 'SER2': frobnicate='shown' has no equivalent" in problems
