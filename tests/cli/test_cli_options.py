"""cluster-set and machine-set: every option of the table, with OCI's names and
spellings, typed, with --help made from the table."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from oci.choices import CLUSTER_OPTION_SPECS, MACHINE_OPTION_SPECS
from oci.models import Machine
from tests.helpers.commands import Command
from tests.helpers.database import Database


def test_cluster_set_takes_ocis_options(token_cli: Command) -> None:
    cli = token_cli
    cli("cluster-create", "cl1", "example.com")
    options = yaml.safe_load(
        cli(
            "cluster-set",
            "cl1",
            "--time-server-host",
            "ntp.example.com",
            "--neutron-use-dvr",
            "no",
            "--nameserver-v4-primary",  # OCI's ocicli spelling of --nameserver-v4-prim
            "192.0.2.53",
            "--haproxy-timeout-client",
            "2m",
            "--cpu-model",
            "EPYC-Rome",
            "-f",
            "yaml",
        )
    )
    assert (options["time_server_host"], options["neutron_use_dvr"]) == ("ntp.example.com", False)
    assert (options["nameserver_v4_prim"], options["haproxy_timeout_client"]) == (
        "192.0.2.53",
        "2m",
    )
    assert (options["cpu_mode"], options["cpu_model"]) == ("custom", "EPYC-Rome")
    # cluster-show shows every option in effect, OCI's defaults for the rest
    shown = cli.json("cluster-show", "cl1")["options"]
    assert set(shown) == {spec.name for spec in CLUSTER_OPTION_SPECS}
    assert (shown["region_name"], shown["swift_part_power"]) == ("RegionOne", 19)
    assert cli("cluster-set", "cl1", "--reset", "neutron_use_dvr", "-f", "value", "-c",
               "neutron_use_dvr") == "yes\n"  # fmt: skip

    bad = cli.run("cluster-set", "cl1", "--neutron-path-mtu", "99999")
    assert bad.returncode == 2 and "576<=x<=9216" in bad.stderr
    bad = cli.run("cluster-set", "cl1", "--install-designate", "maybe")
    assert bad.returncode == 2 and "'yes', 'no'" in bad.stderr
    assert cli.fails("cluster-set", "cl1", "--nameserver-v6-prim", "192.0.2.1").startswith(
        "invalid request body: nameserver_v6_prim:"
    )
    unknown = cli.run("cluster-set", "cl1", "--time-sever-host", "x")
    assert unknown.returncode == 2 and "--time-server-host" in unknown.stderr

    helped = cli("cluster-set", "--help")
    assert "--time-server-host, --time-server HOST" in helped
    assert "0.debian.pool.ntp.org]" in helped
    for spec in CLUSTER_OPTION_SPECS:
        assert "--" + spec.name.replace("_", "-") in helped


def test_machine_set_takes_ocis_options(token_cli: Command, database: Database) -> None:
    cli = token_cli
    with database.sessions() as s, s.begin():
        s.add(Machine(serial="S1", last_seen=datetime.now(UTC), discovery_count=1))
    settings = cli.json(
        "machine-set",
        "S1",
        "--swift-store-account",
        "no",
        "--use-ceph",  # our older spelling; OCI's is --use_ceph_if_available
        "yes",
        "--nested-virt",
        "yes",
        "--cpu-mode",
        "cluster_value",
        "--cpu-allocation-ratio",
        "2.5",
        "--kernel-from-backports",
        "yes",
    )
    assert (settings["swift_store_account"], settings["use_ceph_if_available"]) == (False, True)
    assert (settings["nested_virt"], settings["cpu_mode"]) == (True, "cluster_value")
    assert (settings["cpu_allocation_ratio"], settings["kernel_from_backports"]) == (2.5, True)
    assert settings["servers_per_port"] == 1  # OCI's default
    assert cli.json("machine-set", "S1", "--nested-virt", "cluster_value")["nested_virt"] == (
        "cluster_value"
    )
    shown = cli.json("machine-show", "S1")
    assert shown["settings"]["swift_store_account"] is False  # as set
    assert shown["options"]["swift_store_container"] is True  # in effect
    assert set(shown["options"]) == {spec.name for spec in MACHINE_OPTION_SPECS}

    bad = cli.run("machine-set", "S1", "--cpu-mode", "fast")
    assert bad.returncode == 2 and "'cluster_value'" in bad.stderr
    helped = cli("machine-set", "--help")
    assert "[default: cluster_value: the" in helped  # wrapped by click
    assert "--use_ceph_if_available" in helped and "--compute-is-cephosd" in helped
