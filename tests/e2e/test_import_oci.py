"""A cluster built in OCI 42.2.5's own server, with OCI's own ocicli, imports into ours.

OCI's PHP server runs from its Debian packages against a MariaDB database of
this module's own (tests/helpers/oci_server.py). Machines arrive as OCI's agent
posts them; regions, locations, networks, the cluster, its options and the
machine-adds go through OCI's bash ocicli, so OCI itself assigns the host
names, addresses, the VIP and the passwords. Then `oci import-oci` copies it
into ours (each backend of the suite), and ours is read back through our API.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from oci.bmc.credentials import access_for
from oci.models import ClusterSecret, Machine
from oci.security.vault import Vault
from tests.helpers.api import Api
from tests.helpers.cli import base_env
from tests.helpers.commands import Command
from tests.helpers.database import Database
from tests.helpers.oci_server import (
    OciServer,
    agent_report,
    mariadb_reachable,
    missing_tools,
    running_oci,
)

# serial -> role (None: reported, never added to the cluster)
MACHINES: dict[str, str | None] = {
    "OCICTL1": "controller",
    "OCICTL2": "controller",
    "OCICTL3": "controller",
    "OCICMP1": "compute",
    "OCICMP2": "compute",
    "OCISWS1": "swiftstore",
    "OCISPARE": None,
}


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "OCI's server runs in a private mount namespace: needs root"
    missing = missing_tools()
    if missing:
        return f"missing {', '.join(missing)} (scripts/apt-packages installs them)"
    return mariadb_reachable()


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


def _build(oci: OciServer) -> None:
    c = oci.ocicli
    c("swift-region-create", "reg1")
    c("location-create", "loc1", "reg1")
    c("network-create", "mgmt1", "192.168.101.0", "24", "loc1", "no")
    c("network-create", "pub1", "203.0.113.0", "28", "loc1", "yes")
    c("cluster-create", "cl1", "example.com")
    c("network-add", "mgmt1", "cl1", "all", "eth0", "eth1")
    c("network-add", "pub1", "cl1", "all", "eth0", "eth1")
    # A narrowed range (hosts take addresses in it from OCI's machine-add on).
    c("network-set", "mgmt1", "--first-ip", "192.168.101.10", "--last-ip", "192.168.101.200")
    c(
        "cluster-set",
        "cl1",
        "--time-server-host",
        "ntp.example.com",
        "--swift-part-power",
        "12",
        "--cpu-mode",
        "custom",
        "--cpu-model",
        "EPYC-Rome",
    )
    for number, (serial, role) in enumerate(MACHINES.items()):
        macs = [f"b8:ca:3a:00:{number:02x}:01", f"b8:ca:3a:00:{number:02x}:02"]
        report = agent_report(serial, macs, memory_mb=65536 + 1024 * number)
        # OCI's first report of a new machine may answer 500 (an upstream bug);
        # the second stores everything, as OCI's agent keeps reporting.
        oci.report(report)
        status, _text = oci.report(report)
        assert status == 200, _text
        if role is not None:
            c("machine-add", serial, "cl1", role, "loc1")
    c(
        "machine-set",
        "OCICMP1",
        "--cpu-mode",
        "host-model",
        "--nested-virt",
        "yes",
        "--install-on-raid",
        "yes",
        "--raid-type",
        "1",
        "--use-gpu",
        "yes",
        "--gpu-name",
        "t4",
        "--gpu-vendor-id",
        "10de",
        "--gpu-produc-id",  # sic: OCI's spelling
        "1eb8",
        "--dc",
        "dc1",
        "--rack",
        "rk1",
        "--ustart",
        "10",
    )
    c("machine-set-ipmi", "OCICTL1", "yes", "10.9.0.10", "623", "ipmiadmin", "ipmi-s3cret")
    # An IPMI network for the machines booting from 192.168.100.0/24 (after the
    # reports: OCI would start setting their BMCs up from the next one).
    c("network-create", "ipmi1", "10.10.0.0", "24", "loc1", "no")
    c(
        "network-set",
        "ipmi1",
        "--role",
        "ipmi",
        "--ipmi-match-addr",
        "192.168.100.0",
        "--ipmi-match-cidr",
        "24",
    )


@pytest.fixture(scope="module")
def oci(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OciServer]:
    with running_oci(tmp_path_factory.mktemp("oci-server")) as server:
        _build(server)
        yield server


def _oci_passwords(oci: OciServer) -> dict[str, str]:
    """OCI's clear passwords of cl1, by our stored names (ssh pairs as two)."""
    found: dict[str, str] = {}
    for row in oci.query(
        "SELECT service, passtype, pass, passtxt1, passtxt2 FROM passwords p "
        "JOIN clusters c ON c.id = p.cluster WHERE c.name = %s",
        "cl1",
    ):
        name = f"{row['service']}/{row['passtype']}"
        if row["passtype"] == "ssh":  # PHP-serialized: s:LEN:"...";
            found[f"{row['service']}/ssh_pub"] = _unserialize(row["passtxt1"])
            found[f"{row['service']}/ssh_priv"] = _unserialize(row["passtxt2"])
        elif row["pass"]:
            found[name] = row["pass"]
        elif row["passtxt1"]:
            found[name] = row["passtxt1"]
    assert len(found) > 80, found.keys()  # all but the Ceph keys (no ceph-authtool here)
    return found


def _unserialize(text: str) -> str:
    length, _colon, rest = text.removeprefix("s:").partition(":")
    value = rest.removeprefix('"').removesuffix('";')
    assert len(value.encode()) == int(length)
    return value


def _oci_machines(oci: OciServer) -> dict[str, dict[str, Any]]:
    """serial -> what OCI's ocicli machine-list says (CSV, its own columns)."""
    lines = oci.ocicli("machine-list").strip().splitlines()
    header = lines[0].split(",")
    return {
        cells[0]: dict(zip(header, cells, strict=False))
        for cells in (line.split(",") for line in lines[1:])
    }


def _oci_networks(oci: OciServer) -> dict[str, dict[str, str]]:
    """name -> what OCI's ocicli network-list says (CSV, its own columns)."""
    lines = oci.ocicli("network-list").strip().splitlines()
    header = lines[0].split(",")
    return {
        cells[0]: dict(zip(header, cells, strict=True))
        for cells in (line.split(",") for line in lines[1:])
    }


def _oci_ips(oci: OciServer) -> dict[str, str]:
    lines = oci.ocicli("cluster-show-ips", "cl1").strip().splitlines()[1:]
    return dict(line.split(",", 1) for line in lines)


def _oci_admin(tmp_path: Path, database: Database) -> Command:
    """Our ``oci`` on ``database``, with the key file the ``api`` fixture's server reads."""
    env = base_env(tmp_path) | {
        "OCI_DATABASE_URL": database.url,
        "OCI_DATA_DIR": str(tmp_path),
    }
    return Command("oci", env)


def _counts(database: Database) -> tuple[int, int]:
    with database.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(Machine)) or 0,
            s.scalar(select(func.count()).select_from(ClusterSecret)) or 0,
        )


def test_oci_cluster_imports_with_same_machines_addresses_vip_and_passwords(
    oci: OciServer, database: Database, api: Api, tmp_path: Path
) -> None:
    oci_cmd = _oci_admin(tmp_path, database)

    dry = oci_cmd.run("import-oci", "--dry-run", oci.database_url)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would: create cluster cl1" in dry.stdout
    assert "would: create machine OCICTL1 (cl1-controller-1.example.com, controller)" in dry.stdout
    assert "nothing written" in dry.stdout
    assert _counts(database) == (0, 0), "a dry run wrote"

    done = oci_cmd.run("import-oci", oci.database_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "did: create machine OCICMP2" in done.stdout

    # Machines: same serials, roles, host names, statuses as OCI's machine-list.
    theirs = _oci_machines(oci)
    assert set(theirs) == set(MACHINES)
    page = api.get("/api/v1/clusters/cl1/machines?limit=100").get_json()
    ours = {m["serial"]: m for m in page["items"]}
    enrolled = {s for s, role in MACHINES.items() if role}
    assert set(ours) == enrolled
    oci_rows = {r["serial"]: r for r in oci.query("SELECT serial, hostname, role FROM machines")}
    for serial in enrolled:
        assert ours[serial]["hostname"] == theirs[serial]["hostname"]
        assert ours[serial]["role"] == oci_rows[serial]["role"] == MACHINES[serial]
    assert ours["OCICTL1"]["is_first_master"] is True
    spare = api.get("/api/v1/machines/OCISPARE").get_json()
    assert spare["hostname"] is None and spare["cluster"] is None
    assert spare["memory_bytes"] == (65536 + 1024 * 6) * 1024 * 1024

    # Addresses and the VIP: OCI's cluster-show-ips and its ips table.
    their_ips = _oci_ips(oci)
    ips = api.get("/api/v1/clusters/cl1/ips?limit=100").get_json()["items"]
    hosts = {ip["hostname"]: ip["address"] for ip in ips if ip["purpose"] == "host"}
    assert hosts == their_ips
    (vip,) = [ip for ip in ips if ip["purpose"] == "vip"]
    (their_vip,) = oci.query(
        "SELECT INET_NTOA(ip) AS address, vip_usage FROM ips WHERE usefor = 'vip'"
    )
    assert (vip["address"], vip["vip_usage"]) == (their_vip["address"], "api")
    assert vip["network"]["name"] == "pub1"

    # Network ranges and IPMI matching set with OCI's network-set, as its network-list
    # shows them; its whole-network bounds are ours' "whole network" (null).
    their_networks = _oci_networks(oci)
    ours_networks = {
        n["name"]: n for n in api.get("/api/v1/networks?limit=100").get_json()["items"]
    }
    mgmt = ours_networks["mgmt1"]
    assert (mgmt["first_ip"], mgmt["last_ip"]) == ("192.168.101.10", "192.168.101.200")
    assert (their_networks["mgmt1"]["first_ip"], their_networks["mgmt1"]["last_ip"]) == (
        mgmt["first_ip"],
        mgmt["last_ip"],
    )
    assert all(10 <= int(address.rsplit(".", 1)[1]) <= 200 for address in hosts.values()), (
        hosts
    )  # OCI assigned them within its range
    assert (their_networks["pub1"]["first_ip"], their_networks["pub1"]["last_ip"]) == (
        "203.0.113.2",
        "203.0.113.14",
    )
    assert (ours_networks["pub1"]["first_ip"], ours_networks["pub1"]["last_ip"]) == (None, None)
    ipmi = ours_networks["ipmi1"]
    assert (ipmi["role"], ipmi["cluster"]) == ("ipmi", None)
    assert (ipmi["ipmi_match_address"], str(ipmi["ipmi_match_prefix_length"])) == (
        their_networks["ipmi1"]["ipmi_match_addr"],
        their_networks["ipmi1"]["ipmi_match_cidr"],
    )
    assert ipmi["ipmi_match_address"] == "192.168.100.0"
    assert mgmt["ipmi_match_address"] is None  # OCI's 0.0.0.0/0: none

    # Hardware OCI's agent reported: CPU clock, Secure Boot, storage controllers and
    # the drives behind its RAID controller.
    (their_cpu,) = oci.query(
        "SELECT cpu_mhz, boot_uefi, secure_boot FROM machines WHERE serial = %s", "OCISPARE"
    )
    assert (their_cpu["cpu_mhz"], their_cpu["boot_uefi"], their_cpu["secure_boot"]) == (
        "2100.000",
        "yes",
        "no",
    )
    assert (spare["cpu_mhz"], spare["secure_boot"]) == (2100, False)
    their_controllers = oci.query(
        "SELECT b.vendor, b.product, b.ctrl_type, b.firmware_version FROM blkdev_ctrl b "
        "JOIN machines m ON m.id = b.machine_id WHERE m.serial = %s ORDER BY b.id",
        "OCISPARE",
    )
    assert [
        (c["name"], c["kind"], c["vendor"], c["model"], c["firmware_version"])
        for c in spare["storage_controllers"]
    ] == [
        (f"ctrl{n}", "megaraid", c["vendor"], c["product"], c["firmware_version"])
        for n, c in enumerate(their_controllers)
    ]
    assert [c["ctrl_type"] for c in their_controllers] == ["LSI-raid"]
    their_drives = oci.query(
        "SELECT d.slot, d.model, d.serial, d.size, d.state FROM physblockdevices d "
        "JOIN machines m ON m.id = d.machine_id WHERE m.serial = %s ORDER BY d.slot",
        "OCISPARE",
    )
    assert len(their_drives) == 2, their_drives
    assert [
        (d["position"], d["controller"], d["model"], d["serial"], d["size_bytes"], d["state"])
        for d in spare["raid_drives"]
    ] == [
        (str(d["slot"]), "ctrl0", d["model"], d["serial"], d["size"], d["state"])
        for d in their_drives
    ]
    assert "skipped: machines.boot_uefi: read for Secure Boot only" in done.stdout

    # Passwords: ours decrypted (the admin-only secrets view) equal OCI's clear ones.
    ours_secrets = api.get("/api/v1/clusters/cl1/secrets").get_json()["secrets"]
    compared = 0
    for name, value in _oci_passwords(oci).items():
        if name.startswith("bill/"):  # the billing Ceph cluster's: no role of ours reads them
            assert f"skipped: cluster cl1: secret {name} (no role of oci reads it)" in done.stdout
            continue
        assert ours_secrets[name] == value, name
        compared += 1
    assert compared >= 80
    assert "secret ceph/adminkey empty in OCI: oci makes its own, once" in done.stdout

    # Options set with OCI's cluster-set, and the BMC credentials of machine-set-ipmi.
    options = api.get("/api/v1/clusters/cl1").get_json()["options"]
    shown = dict(line.split(",", 1) for line in oci.ocicli("cluster-show", "cl1").splitlines()[1:])
    assert options["time_server_host"] == shown["Time server host:"] == "ntp.example.com"
    assert str(options["swift_part_power"]) == shown["Swift part power:"] == "12"
    assert options["cpu_mode"] == shown["CPU mode:"] == "custom"
    assert options["cpu_model"] == shown["CPU model:"] == "EPYC-Rome"
    assert options["region_name"] == shown["Region name:"]
    assert str(options["neutron_global_physnet_mtu"]) == shown["Neutron global_physnet_mtu:"]
    bmc = api.get("/api/v1/machines/OCICTL1").get_json()["bmc"]
    assert (bmc["ip_address"], bmc["firmware_version"]) == ("10.9.0.1", "7.00.00")
    vault = Vault.from_file(tmp_path / "secret.key")
    with database.sessions() as s:
        stored = s.scalar(select(Machine).where(Machine.serial == "OCICTL1"))
        assert stored is not None and stored.bmc is not None
        access = access_for(stored, vault, timeout=1)
        assert (access.address, access.port) == ("10.9.0.10", 623)
        assert (access.username, access.password) == ("ipmiadmin", "ipmi-s3cret")
        assert "ipmi-s3cret" not in (stored.bmc.ipmi_password or "")  # encrypted at rest

    # machine-set options, OCI's names onto ours.
    compute = api.get("/api/v1/machines/OCICMP1").get_json()
    assert compute["settings"] == {
        "cpu_mode": "host-model",
        "nested_virt": True,
        "install_on_raid": True,
        "raid_devices": ["sda", "sdb"],
        "gpus": [
            {
                "name": "t4",
                "vendor_id": "10de",
                "product_id": "1eb8",
                "device_type": "type-PCI",
                "vfio_ids": [],
            }
        ],
        "serial_console": "ttyS1",
    }
    assert (compute["datacenter"], compute["rack"], compute["u_position"]) == ("dc1", "rk1", 10)

    # The imported cluster is complete enough for our ENC to classify its nodes.
    for hostname in ("cl1-controller-1.example.com", "cl1-compute-1.example.com"):
        enc = api.get(f"/api/v1/enc/{hostname}")
        assert enc.status_code == 200, enc.get_data(as_text=True)[:500]
    # ... with OCI's passwords and VIP in it.
    document = api.get("/api/v1/enc/cl1-controller-1.example.com").get_data(as_text=True)
    their = _oci_passwords(oci)
    assert their["keystone/adminuser"] in document
    assert their["nova/db"] in document
    assert their_vip["address"] in document

    # Twice: nothing changes, and it says so.
    before = _counts(database)
    # (the URL from the environment this time: its password stays out of `ps`)
    again = oci_cmd.run("import-oci", env={"OCI_IMPORT_URL": oci.database_url})
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to do" in again.stdout
    assert "did:" not in again.stdout
    assert _counts(database) == before


def test_unmappable_oci_database_is_refused_and_nothing_written(
    oci: OciServer, database: Database, tmp_path: Path
) -> None:
    oci_cmd = _oci_admin(tmp_path, database)
    # A role ours does not have, a range ending outside its network (OCI's network-set
    # checks only its first_ip) and an IPMI match without its prefix: all refused.
    oci.query("UPDATE machines SET role = 'billosd' WHERE serial = 'OCICMP2'")
    oci.query("UPDATE networks SET last_ip = INET_ATON('192.168.102.9') WHERE name = 'mgmt1'")
    oci.query("UPDATE networks SET ipmi_match_cidr = 0 WHERE name = 'ipmi1'")
    try:
        result = oci_cmd.run("import-oci", oci.database_url)
    finally:
        oci.query("UPDATE machines SET role = 'compute' WHERE serial = 'OCICMP2'")
        oci.query("UPDATE networks SET last_ip = INET_ATON('192.168.101.200') WHERE name = 'mgmt1'")
        oci.query("UPDATE networks SET ipmi_match_cidr = 24 WHERE name = 'ipmi1'")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "network 'mgmt1': last_ip 192.168.102.9 is outside network 'mgmt1' (192.168.101.0/24)"
        in result.stderr
    )
    assert (
        "network 'ipmi1': ipmi_match_addr='192.168.100.0' ipmi_match_cidr=0: "
        "ipmi_match_address and ipmi_match_prefix_length go together" in result.stderr
    )
    assert "machine OCICMP2: role 'billosd' is not a role of oci" in result.stderr
    assert "nothing written" in result.stderr
    assert _counts(database) == (0, 0)
