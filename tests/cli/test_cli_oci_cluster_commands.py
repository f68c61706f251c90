"""OCI's cluster-wide commands through the installed ocicli against oci serve:
network-set's OCI flags, cluster-rolecounts-*, filebeat-output-host-*, role-create
and -delete, cluster-install (a cluster with nothing live) and cluster-reset's
confirmation, each with OCI's argument order and our -f/-c output."""

from __future__ import annotations

import subprocess

from sqlalchemy.orm import Session

from oci.models import MachineStatus
from tests.helpers import factories
from tests.helpers.cli import table_rows
from tests.helpers.commands import BIN, Command

SETUP = [
    ("swift-region-create", "region1"),
    ("location-create", "zone-1", "region1"),
    ("network-create", "mgmt", "192.168.101.0", "24", "zone-1", "no"),
    ("cluster-create", "cl1", "example.com"),
    ("network-add", "mgmt", "cl1", "all", "eth0"),
    ("machine-add", "K1", "cl1", "controller", "zone-1"),
    ("machine-add", "K2", "cl1", "compute", "zone-1"),
]


def test_oci_cluster_commands(token_cli: Command, session: Session) -> None:
    for serial in ("K1", "K2"):
        factories.machine(session, serial, status=MachineStatus.INSTALLED)
    session.commit()
    for command in SETUP:
        token_cli(*command)

    # network-set with OCI's flags; -f value -c for a script
    token_cli(
        "network-set", "mgmt", "--first-ip", "192.168.101.50", "--last-ip", "192.168.101.99",
        "--mtu", "9000", "--vlan", "101",
    )  # fmt: skip
    shown = token_cli("network-show", "mgmt", "-f", "value", "-c", "first_ip", "-c", "last_ip")
    assert shown.split() == ["192.168.101.50", "192.168.101.99"]
    error = token_cli.fails("network-set", "mgmt", "--cidr", "30")
    assert "addresses in use would fall outside it" in error

    # role counters, in OCI's argument order: CLUSTER ROLE COUNT
    assert table_rows(token_cli("cluster-rolecounts-list", "cl1")) == [
        ["role", "count"],
        ["compute", "1"],
        ["controller", "1"],
    ]
    token_cli("cluster-rolecounts-set", "cl1", "compute", "7")
    assert token_cli("cluster-rolecounts-list", "cl1", "-f", "csv") == (
        "role,count\ncompute,7\ncontroller,1\n"
    )

    # Filebeat output hosts: CLUSTER HOST PORT
    token_cli("filebeat-output-host-create", "cl1", "logs.example.com", "5044")
    listed = token_cli("filebeat-output-host-list", "cl1", "-f", "csv")
    assert listed == "cluster,hostname,port\ncl1,logs.example.com,5044\n"
    token_cli("filebeat-output-host-delete", "cl1", "logs.example.com", "5044")
    assert token_cli("filebeat-output-host-list", "cl1", "-f", "json") == "[]\n"

    # roles
    token_cli("role-create", "billmon")
    assert "billmon" in token_cli("role-list", "-f", "value", "-c", "name").split()
    assert token_cli("role-delete", "billmon") == "deleted role billmon\n"
    assert "oci's own roles" in token_cli.fails("role-delete", "compute")

    # cluster-install: nothing is live, so nothing is started; OCI's order is kept
    out = token_cli("cluster-install", "cl1", "--no-wait")
    assert out.splitlines() == [
        "Installing cluster cl1...",
        "controller: K1 is installed: left as it is",
        "other: K2 is installed: left as it is",
    ]

    # cluster-reset asks for an uppercase YES, as OCI's
    declined = subprocess.run(
        [str(BIN / "ocicli"), "cluster-reset", "cl1"],
        env=token_cli.env,
        input="yes\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Declining is a failure, said on stderr: a script going on after it would be wrong.
    assert declined.returncode == 1, declined
    assert "Didn't confirm: exiting..." in declined.stderr
    assert "Didn't confirm" not in declined.stdout
