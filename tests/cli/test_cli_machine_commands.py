"""OCI's remaining machine commands through the installed ``ocicli`` against ``oci
serve``: OCI's names and argument order, -f/-c output, one-line errors that leave
everything as it was."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from oci.models import Machine, MachineStatus
from tests.helpers import factories
from tests.helpers.cli import admin_env, ocicli
from tests.helpers.commands import BIN, Command
from tests.helpers.database import Credentials, Database
from tests.helpers.server import LiveServer

FAST = ("--interval", "0.1")


@pytest.fixture
def cli(live_server: LiveServer, admin: Credentials, tmp_path: Path) -> Command:
    return ocicli(admin_env(tmp_path, live_server, admin))


@pytest.fixture
def cluster(cli: Command, session: Session) -> Command:
    """cl1 with a management network for every role and a storage one for cephosd;
    S1 a controller, S2..S4 discovered only."""
    for n in range(1, 5):
        factories.machine(session, f"S{n}")
    session.commit()
    for command in (
        ("swift-region-create", "region1"),
        ("location-create", "zone1", "region1"),
        ("network-create", "mgmt", "192.168.101.0", "24", "zone1", "no"),
        ("network-create", "storage", "10.20.0.0", "24", "zone1", "no"),
        ("cluster-create", "cl1", "example.com"),
        ("network-add", "mgmt", "cl1", "all", "eno1"),
        ("network-add", "storage", "cl1", "cephosd", "eno1"),
        ("machine-add", "S1", "cl1", "controller", "zone1"),
    ):
        cli(*command)
    return cli


def ip_rows(cli: Command, machine: str) -> list[str]:
    return cli("machine-ip-list", machine, "-f", "csv").splitlines()


def test_machine_ip_add_list_remove(cluster: Command) -> None:
    assert ip_rows(cluster, "S1") == ["network,address,purpose", "mgmt,192.168.101.2,host"]
    shown = cluster("machine-ip-add", "S1", "storage", "10.20.0.15", "-f", "value", "-c", "address")
    assert shown.strip() == "10.20.0.15"
    assert ip_rows(cluster, "cl1-controller-1.example.com") == [
        "network,address,purpose",
        "mgmt,192.168.101.2,host",
        "storage,10.20.0.15,host",
    ]
    refused = {
        ("S1", "storage", "10.20.0.16"): "already has 10.20.0.15 on network 'storage'",
        ("S1", "storage", "10.20.1.5"): "not in network 'storage' (10.20.0.0/24)",
        ("S1", "nowhere", "10.20.0.5"): "no network named 'nowhere'",
        ("S2", "storage", "10.20.0.5"): "machine S2 is in no cluster: machine-add it first",
        ("S1", "storage", "x"): "'x' is not an IP address",
    }
    for args, says in refused.items():
        assert says in cluster.fails("machine-ip-add", *args)
    assert len(ip_rows(cluster, "S1")) == 3

    assert (
        cluster("machine-ip-remove", "S1", "10.20.0.15") == "removed 10.20.0.15 from machine S1\n"
    )
    assert "holds no address 10.20.0.15" in cluster.fails("machine-ip-remove", "S1", "10.20.0.15")
    assert len(ip_rows(cluster, "S1")) == 2


def test_machine_add_fixed_ip(cluster: Command) -> None:
    says = cluster.fails("machine-add", "--fixed-ip", "10.9.9.9", "S2", "cl1", "compute", "zone1")
    assert "--fixed-ip 10.9.9.9: no network of cluster 'cl1'" in says
    added = cluster(
        "machine-add", "--fixed-ip", "192.168.101.77", "S2", "cl1", "compute", "zone1", "-f", "json"
    )
    assert '"address": "192.168.101.77"' in added
    assert "cl1-compute-1.example.com" in added  # the refusal took no number


def test_show_from_hostname_blk_and_counter(cluster: Command, session: Session) -> None:
    serial = cluster(
        "machine-show-from-hostname", "cl1-controller-1.example.com", "-f", "value", "-c", "serial"
    )
    assert serial == "S1\n"
    assert "no machine has the host name 'nope.example.com'" in cluster.fails(
        "machine-show-from-hostname", "nope.example.com"
    )
    assert cluster("machine-blk", "S1", "-f", "value", "-c", "name").split() == [
        "nvme0n1",
        "sda",
        "sdb",
    ]
    assert "unknown column(s) size_mb" in cluster.run("machine-blk", "S1", "-c", "size_mb").stderr

    session.execute(update(Machine).where(Machine.serial == "S2").values(discovery_count=9))
    session.commit()
    assert (
        cluster("machine-report-counter-reset", "S2") == "report counter of machine S2 reset to 0\n"
    )
    assert cluster("machine-show", "S2", "-f", "value", "-c", "discovery_count") == "0\n"
    assert "no machine" in cluster.fails("machine-report-counter-reset", "NOPE")


def test_root_password(cluster: Command) -> None:
    password = cluster("machine-gen-root-pass", "S1", "-f", "value", "-c", "root_password").strip()
    assert len(password) >= 20
    assert password not in cluster("machine-show", "S1", "-f", "json")
    assert cluster("machine-forget-root-pass", "S1") == "forgot the root password of machine S1\n"
    assert "has no root password" in cluster.fails("machine-forget-root-pass", "S1")
    assert "machine-add it first" in cluster.fails("machine-gen-root-pass", "S2")
    helped = cluster("machine-gen-root-pass", "--help")
    assert "this once" in helped and "ps" in helped


def test_replace_and_auto_add(cluster: Command) -> None:
    assert "are the same machine" in cluster.fails("machine-replace", "S1", "S1")
    replaced = cluster(
        "machine-replace", "S1", "S3", "-f", "value", "-c", "serial", "-c", "hostname"
    )
    assert replaced.split() == ["S3", "cl1-controller-1.example.com"]
    assert "no machine" in cluster.fails("machine-show", "S1")
    assert ip_rows(cluster, "S3") == ["network,address,purpose", "mgmt,192.168.101.2,host"]
    assert "in no cluster" in cluster.fails("machine-replace", "S2", "S4")
    assert "not added: no hardware profile matches" in cluster.fails("machine-auto-add", "S2")


def test_dns_and_monitoring_need_a_hook(cluster: Command) -> None:
    # The live server's hooks_dir has no hook: said, exit 1, nothing pretended.
    for command in ("machine-to-dns", "machine-out-of-dns", "machine-to-monitoring"):
        assert "nothing ran" in cluster.fails(command, "S1")
    assert "hooks.d" in cluster.fails("machine-out-of-monitoring", "S1", "-d")
    assert "to-dns" in cluster("machine-to-dns", "--help")


def test_display_install_cmd_refuses_as_install_would(cluster: Command) -> None:
    assert "machine-add it first" in cluster.fails("machine-display-install-cmd", "S2")


def _set_status(database: Database, serial: str, status: MachineStatus) -> None:
    """What the node's status reports do (tests/api test those)."""
    with database.sessions() as session:
        session.execute(update(Machine).where(Machine.serial == serial).values(status=status))
        session.commit()


def test_wait_for_install_and_puppet(cluster: Command, database: Database) -> None:
    # It polls: the state changes once it has printed its first dot.
    waiting = subprocess.Popen(
        [str(BIN / "ocicli"), "machine-wait-for-install", "S1", *FAST, "--timeout", "30"],
        env=cluster.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert waiting.stdout is not None
    seen = ""
    while not seen.endswith("."):
        char = waiting.stdout.read(1)
        assert char, seen
        seen += char
    _set_status(database, "S1", MachineStatus.INSTALLED)
    rest, errors = waiting.communicate(timeout=30)
    assert (waiting.returncode, errors) == (0, "")
    assert seen.startswith("Waiting for S1 to be installed:.") and rest.endswith(" ok.\n")

    _set_status(database, "S1", MachineStatus.PUPPET_FAILURE)
    failed = cluster.run("machine-wait-for-puppet", "S1", *FAST, "--timeout", "20")
    assert failed.returncode == 1
    assert failed.stdout.endswith(" failed.\n")
    assert "machine S1 is puppet-failure" in failed.stderr

    timed = cluster.run("machine-wait-for-install", "S2", *FAST, "--timeout", "0.3")
    assert timed.returncode == 1 and timed.stdout.endswith(" timed out.\n")
    assert "timed out after 0.3 s: machine S2 is still live" in timed.stderr

    _set_status(database, "S1", MachineStatus.PUPPET_SUCCESS)
    ok = cluster("machine-wait-for-puppet", "cl1-controller-1.example.com", *FAST)
    assert ok.endswith(" ok.\n")
    assert "no machine" in cluster.run("machine-wait-for-install", "NOPE").stderr
