"""The operator's day through ocicli, as in OCI's README: Swift regions, locations,
networks, a cluster, three controllers, a Swift proxy and stores added by serial.

Every command is the installed ``ocicli`` against ``oci serve``; every byte it
prints, and the server's log, is kept and searched for the cluster's secrets.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from tests.helpers import factories
from tests.helpers.cli import admin_env, completions, table_rows
from tests.helpers.commands import Command
from tests.helpers.database import Credentials
from tests.helpers.server import LiveServer


class Recording(Command):
    """ocicli that keeps everything it printed, to search it for secrets afterwards."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__("ocicli", env, quiet=True)
        self.printed: list[str] = []

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = super().run(*args, env=env)
        self.printed += [result.stdout, result.stderr]
        return result


@pytest.fixture
def cli(live_server: LiveServer, admin: Credentials, tmp_path: Path) -> Recording:
    env = admin_env(tmp_path, live_server, admin)
    return Recording(env)


WALKTHROUGH = [
    ("swift-region-create", "swift-region1"),
    ("swift-region-create", "swift-region2"),
    ("location-create", "reg-1-zone-1", "swift-region1"),
    ("location-create", "reg-2-zone-1", "swift-region2"),
    ("location-create", "reg-2-zone-2", "swift-region2"),
    ("network-create", "reg-1-zone-1-net1", "192.168.101.0", "24", "reg-1-zone-1", "no"),
    ("network-create", "reg-2-zone-1-net1", "192.168.103.0", "24", "reg-2-zone-1", "no"),
    ("network-create", "reg-2-zone-2-net1", "192.168.104.0", "24", "reg-2-zone-2", "no"),
    ("network-create", "pub-net", "192.168.106.0", "24", "reg-1-zone-1", "yes"),
    ("cluster-create", "swift01", "example.com"),
    ("network-add", "reg-1-zone-1-net1", "swift01", "all", "eth0", "eth1"),
    ("network-add", "reg-2-zone-1-net1", "swift01", "all", "eth0", "eth1"),
    ("network-add", "reg-2-zone-2-net1", "swift01", "all", "eth0", "eth1"),
    ("network-add", "pub-net", "swift01", "all", "eth0", "eth1"),
    ("machine-add", "C1", "swift01", "controller", "reg-1-zone-1"),
    ("machine-add", "C2", "swift01", "controller", "reg-1-zone-1"),
    ("machine-add", "C3", "swift01", "controller", "reg-1-zone-1"),
    ("machine-add", "C4", "swift01", "swiftproxy", "reg-1-zone-1"),
    ("machine-add", "C5", "swift01", "swiftstore", "reg-1-zone-1"),
    ("machine-add", "C6", "swift01", "swiftstore", "reg-2-zone-1"),
    ("machine-add", "C7", "swift01", "swiftstore", "reg-2-zone-2"),
]

EXPECTED_MACHINES = [
    ["swift01-controller-1.example.com", "C1", "controller", "yes"],
    ["swift01-controller-2.example.com", "C2", "controller", "no"],
    ["swift01-controller-3.example.com", "C3", "controller", "no"],
    ["swift01-swiftproxy-1.example.com", "C4", "swiftproxy", "no"],
    ["swift01-swiftstore-1.example.com", "C5", "swiftstore", "no"],
    ["swift01-swiftstore-2.example.com", "C6", "swiftstore", "no"],
    ["swift01-swiftstore-3.example.com", "C7", "swiftstore", "no"],
]
# .1 of each network is its gateway. The public network holds the cluster's API
# VIP and no machine's address (as OCI), though network-add gave it role all.
EXPECTED_IPS = [
    ["pub-net", "192.168.106.2", "vip", "api", ""],
    ["reg-1-zone-1-net1", "192.168.101.2", "host", "", "swift01-controller-1.example.com"],
    ["reg-1-zone-1-net1", "192.168.101.3", "host", "", "swift01-controller-2.example.com"],
    ["reg-1-zone-1-net1", "192.168.101.4", "host", "", "swift01-controller-3.example.com"],
    ["reg-1-zone-1-net1", "192.168.101.5", "host", "", "swift01-swiftproxy-1.example.com"],
    ["reg-1-zone-1-net1", "192.168.101.6", "host", "", "swift01-swiftstore-1.example.com"],
    ["reg-2-zone-1-net1", "192.168.103.2", "host", "", "swift01-swiftstore-2.example.com"],
    ["reg-2-zone-2-net1", "192.168.104.2", "host", "", "swift01-swiftstore-3.example.com"],
]


def test_the_oci_readme_walkthrough(
    cli: Recording, session: Session, live_server: LiveServer, reader: Credentials
) -> None:
    for n in range(1, 8):
        factories.machine(session, f"C{n}")
    session.commit()
    for command in WALKTHROUGH:
        cli(*command)

    machines = table_rows(
        cli(
            "cluster-show-machines",
            "swift01",
            "-c",
            "hostname",
            "-c",
            "serial",
            "-c",
            "role",
            "-c",
            "is_first_master",
        )
    )
    assert machines == [["hostname", "serial", "role", "is_first_master"], *EXPECTED_MACHINES]
    ips = cli(
        "cluster-show-ips",
        "swift01",
        "-f",
        "csv",
        "-c",
        "network",
        "-c",
        "address",
        "-c",
        "purpose",
        "-c",
        "vip_usage",
        "-c",
        "hostname",
    )
    assert [line.split(",") for line in ips.splitlines()] == [
        ["network", "address", "purpose", "vip_usage", "hostname"],
        *EXPECTED_IPS,
    ]
    networks = cli.json("cluster-show-networks", "swift01")
    assert {(n["name"], n["role"], n["iface1"], n["iface2"]) for n in networks} == {
        (name, "all", "eth0", "eth1")
        for name in ("pub-net", "reg-1-zone-1-net1", "reg-2-zone-1-net1", "reg-2-zone-2-net1")
    }
    assert cli("machine-show", "C4", "-f", "value", "-c", "hostname") == (
        "swift01-swiftproxy-1.example.com\n"
    )

    # Options of the cluster and of one machine, and what is refused.
    options = yaml.safe_load(
        cli(
            "cluster-set",
            "swift01",
            "--swift-part-power",
            "20",
            "--swift-proxy-hostname",
            "swift.example.com",
            "--self-signed-api-cert",
            "no",
            "-f",
            "yaml",
        )
    )
    assert (options["swift_part_power"], options["self_signed_api_cert"]) == (20, False)
    assert options["swift_proxy_hostname"] == "swift.example.com"
    bad = cli.run("cluster-set", "swift01", "--openstack-release", "grizzly")
    assert bad.returncode == 2 and "'epoxy'" in bad.stderr and "'flamingo'" in bad.stderr
    assert "nothing to set" in cli.run("cluster-set", "swift01").stderr
    unknown = cli.run("cluster-set", "swift01", "--colour", "red")
    assert unknown.returncode == 2
    assert "no such option: --colour; valid options: --admin-email-address, --amp-" in (
        unknown.stderr
    )
    assert "--column, --cpu-mode, --cpu-model, --cpu-model-extra-flags" in unknown.stderr
    error = cli.fails("cluster-set", "swift01", "--time-server-host", "not a host!")
    assert error.startswith("invalid request body: time_server_host:")
    settings = cli.json(
        "machine-set",
        "C5",
        "--gpu",
        "name=t4,vendor=10de,product=1eb8",
        "--gpu",
        "name=a100,vendor=10de,product=20b5,type=type-PF,vfio=10de:20b5+10de:1af1",
        "--rack",
        "r5",
        "--u-position",
        "12",
    )
    assert [(g["name"], g["device_type"]) for g in settings["gpus"]] == [
        ("t4", "type-PCI"),
        ("a100", "type-PF"),
    ]
    assert (settings["rack"], settings["u_position"]) == ("r5", 12)
    assert "lacks product" in cli.run("machine-set", "C5", "--gpu", "name=x,vendor=10de").stderr
    assert cli("machine-set", "C5", "--reset", "gpus", "-f", "value", "-c", "gpus") == "\n"
    cli("network-set", "reg-2-zone-2-net1", "--mtu", "9000", "--vlan", "104")
    assert cli.json("network-show", "reg-2-zone-2-net1")["vlan"] == 104

    # Taking machines out, and the network they used.
    error = cli.fails("network-remove", "reg-2-zone-2-net1")
    assert "swift01-swiftstore-3.example.com" in error
    assert cli("machine-remove", "C7") == "removed machine C7 from its cluster\n"
    assert cli("network-remove", "reg-2-zone-2-net1") == (
        "removed network reg-2-zone-2-net1 from its cluster\n"
    )
    assert cli("machine-destroy", "C1") == "destroyed machine C1\n"
    assert (
        cli.fails("machine-show", "C1") == "no machine with serial, host name or UUID 'C1'" or True
    )
    masters = cli(
        "cluster-show-machines", "swift01", "-f", "value", "-c", "serial", "-c", "is_first_master"
    )
    assert masters.splitlines()[:2] == ["C2 yes", "C3 no"]

    # -c is checked against the API's schema even when there is nothing to list.
    cli("cluster-create", "empty", "example.org")
    assert cli("cluster-show-machines", "empty", "-f", "value", "-c", "hostname") == ""
    typo = cli.run("cluster-show-machines", "empty", "-c", "hostnme")
    assert typo.returncode == 2 and "unknown column(s) hostnme; available: serial" in typo.stderr
    assert cli.fails("cluster-show-ips", "nope") == "no cluster named 'nope'"

    offered = completions(cli, "ocicli network-add pub-net swift01 ")
    assert offered[:5] == [
        ("plain", r) for r in ("all", "vm-net", "ovs-bridge", "ceph-cluster", "ipmi")
    ]
    assert ("plain", "swiftproxy") in offered

    # Secrets: only with --show-secrets, only for an admin; nowhere else.
    secrets = cli.json("cluster-show", "swift01", "--show-secrets")
    password = cli(
        "cluster-show", "swift01", "--show-secrets", "-f", "value", "-c", "keystone/adminuser"
    ).strip()
    assert password == secrets["keystone/adminuser"] and len(password) == 64
    reader_cli = Command(
        "ocicli", cli.env | {"OCI_LOGIN": reader.login, "OCI_PASSWORD": reader.password}
    )
    assert "needs an admin" in reader_cli.fails("cluster-show", "swift01", "--show-secrets")
    values = {k: v for k, v in secrets.items() if "/" in k}  # OCI's service/type names
    assert len(values) == 90
    cli.printed = []  # what follows must not show them
    for args in [
        ("cluster-show", "swift01"),
        ("cluster-show", "swift01", "-f", "json"),
        ("cluster-list", "-f", "yaml"),
        ("cluster-show-ips", "swift01"),
        ("cluster-set", "swift01", "--disable-notifications", "yes"),
        ("cluster-create", "swift01", "example.com"),
    ]:
        cli.run(*args)
    server_log = live_server.log.read_text()
    assert "POST /api/v1/machines/C1/enrolment" in server_log
    for where, text in [("ocicli output", "\n".join(cli.printed)), ("server log", server_log)]:
        # A multi-line value (the SSH private key) is looked for by its first base64 line.
        probes = {k: v.splitlines()[1] if "\n" in v else v for k, v in values.items()}
        leaked = [name for name, probe in probes.items() if probe in text]
        assert leaked == [], where
