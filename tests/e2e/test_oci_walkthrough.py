"""OCI's README walkthrough, run unchanged against oci (issue 23's "Done when").

The commands are those of OCI 42.2.5's README (lines ~525-960: Swift regions,
locations, networks, the cluster, real API certificate, enrolment, the Swift
ring, installing, encryption, the initial cluster setup flag, the IPMI network),
in its order, with its arguments, run by the installed ``ocicli`` against
``oci serve``. Where the README itself cannot run, the change is one line,
marked ``# README:`` with what it says:

- ``cluster-set z ...`` (three times): the README's cluster is swift01, ``z`` a
  slip of its author; OCI would answer "cluster not found" too.
- ``network-create pubnet1 ... public yes`` and ``network-create ipmi ...
  zone-1 no`` name locations the README never creates (OCI refuses an unknown
  location too): ``location-create`` adds them just before.
- ``swift-calculate-ring swift01`` at OCI's default part power (19) takes
  minutes here ("it may take a very long time", says the README): a
  ``cluster-set --swift-part-power 10`` just before keeps the test short.

Machines C1..CC are discovered first, as the README's ``machine-list`` shows
them: a discovery report each (a real Dell R740's outputs, our serials, two
480 GB SSDs, NICs eth0/eth1, a BMC in 192.168.200.0/24 for C1..C3), posted as
the agent posts it. The live systems are not there: the server's SSH port for
them is one nothing listens on, so ``machine-install-os`` gets the server's
clear answer that it cannot log in, and the machine is install-failed (a real
install over SSH is tests/e2e/test_install_api.py's and test_install_qemu.py's).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from oci.models import IpAddress, Machine, MachineStatus, Network
from tests.helpers.cli import admin_env, table_rows
from tests.helpers.commands import Command
from tests.helpers.database import Credentials, Database
from tests.helpers.reports import TWO_SSDS, archive, fixture_files, ip_link, machine_files
from tests.helpers.server import LiveServer, free_port, serve

pytestmark = pytest.mark.skipif(
    shutil.which("swift-ring-builder") is None,
    reason="needs Debian's swift-ring-builder (package swift, scripts/apt-packages)",
)

# The host key every live system reports (the test never logs in: nothing listens).
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExQoN+Q3Bwj3b9eICOnO/o6TofHy38CvHwA0TYYDB9V"
SERIALS = ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "CA", "CB", "CC")

# Copied from OCI 42.2.5's README (/usr/share/doc/openstack-cluster-installer/README.md),
# in its order; "# README:" marks the lines changed or added, and why (module docstring).
README_COMMANDS: list[str] = [
    "ocicli swift-region-create datacenter-1",
    "ocicli swift-region-create datacenter-2",
    "ocicli location-create dc1-zone1 datacenter-1",
    "ocicli location-create dc1-zone2 datacenter-1",
    "ocicli location-create dc2-zone1 datacenter-2",
    "ocicli network-create dc1-net1 192.168.101.0 24 dc1-zone1 no",
    "ocicli network-create dc1-net2 192.168.102.0 24 dc1-zone2 no",
    "ocicli network-create dc2-net1 192.168.103.0 24 dc2-zone1 no",
    "ocicli location-create public datacenter-1",  # README: added (location "public")
    "ocicli network-create pubnet1 203.0.113.0 28 public yes",
    "ocicli cluster-create swift01 example.com",
    "ocicli network-add dc1-net1 swift01 all eth0",
    "ocicli network-add dc1-net2 swift01 all eth0",
    "ocicli network-add dc2-net1 swift01 all eth0",
    "ocicli network-add pubnet1 swift01 all eth0",
    "ocicli cluster-set swift01 --vip-hostname cloud-api.example.com",  # README: cluster z
    "ocicli cluster-set swift01 --self-signed-api-cert no",  # README: cluster z
    "ocicli machine-list",
    "ocicli machine-add C1 swift01 controller dc1-zone1",
    "ocicli machine-add C2 swift01 controller dc1-zone2",
    "ocicli machine-add C3 swift01 controller dc2-zone1",
    "ocicli machine-add C4 swift01 swiftproxy dc1-zone1",
    "ocicli machine-add C5 swift01 swiftproxy dc1-zone2",
    "ocicli machine-add C6 swift01 swiftproxy dc2-zone1",
    "ocicli machine-add C7 swift01 swiftstore dc1-zone1",
    "ocicli machine-add C8 swift01 swiftstore dc1-zone2",
    "ocicli machine-add C9 swift01 swiftstore dc2-zone1",
    "ocicli machine-add CA swift01 swiftstore dc1-zone1",
    "ocicli machine-add CB swift01 swiftstore dc1-zone2",
    "ocicli machine-add CC swift01 swiftstore dc2-zone1",
    "ocicli machine-list",
    "ocicli cluster-set swift01 --swift-part-power 10",  # README: added (time, see above)
    "ocicli swift-calculate-ring swift01",
    "ocicli machine-install-os C1",
    "ocicli machine-install-os C2",
    "ocicli machine-install-os C3",
    "ocicli machine-install-log C1",
    "ocicli cluster-set swift01 --swift-encryption-key-id 6ba8dd62-d752-4144-b803-b32012d707d0 "
    "--swift-disable-encryption no",
    "ocicli cluster-set swift01 --initial-cluster-setup no",  # README: cluster z
    "ocicli location-create zone-1 datacenter-1",  # README: added (location "zone-1")
    "ocicli network-create ipmi 192.168.200.0 24 zone-1 no",
    "ocicli network-set ipmi --role ipmi --ipmi-match-addr 192.168.100.0 --ipmi-match-cidr 24",
    "ocicli ipmi-assign-check",
]

# The commands that need the machines' live systems: the server's answer when
# it cannot reach them (exit status 1, one line naming where it tried).
UNREACHABLE = {
    "machine-install-os": "cannot log in to root@127.0.0.1:",
    "machine-install-log": "root@127.0.0.1:",
}


@pytest.fixture
def server(migrated: Database, database: Database, tmp_path: Path) -> Iterator[LiveServer]:
    """oci serve whose live systems' SSH port is one nothing listens on."""
    if migrated.backend != "sqlite":
        pytest.skip("one backend is enough: each command is tested on every backend elsewhere")
    workdir = tmp_path / "server"
    workdir.mkdir()
    closed = str(free_port())
    with serve(migrated, workdir, {"OCI_LIVE_SSH_PORT": closed}) as live:
        yield live


def discover(server: LiveServer, number: int, serial: str) -> None:
    """The report of machine ``serial`` as its live system's agent posts it."""
    macs = (f"00:1b:21:23:00:{2 * number:02x}", f"00:1b:21:23:00:{2 * number + 1:02x}")
    files = machine_files(
        serial,
        uuid=f"4c4c4544-0023-1000-8000-{number:012d}",
        macs=macs,
        extra={"lsblk.json": TWO_SSDS},
    )
    files["ip-link.json"] = ip_link([("eth0", macs[0]), ("eth1", macs[1])])
    files["ssh-host-keys.txt"] = HOST_KEY + "\n"
    if serial in ("C1", "C2", "C3"):  # BMCs already on the IPMI network
        lan = fixture_files("ipmi-sim")
        files["ipmitool-lan.txt"] = (
            lan["ipmitool-lan.txt"]
            .replace("10.20.30.41", f"192.168.200.{10 + number}")
            .replace("0c:c4:7a:3e:91:a2", f"0c:c4:7a:3e:91:{number:02x}")
        )
        files["ipmitool-mc-info.txt"] = lan["ipmitool-mc-info.txt"]
    response = requests.post(
        server.url + "/api/v1/discovery/reports",
        data=archive(files),
        headers={"Content-Type": "application/gzip"},
        timeout=30,
    )
    assert response.status_code == 201, response.text


def test_oci_readme_walkthrough_runs_unchanged(
    server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    for number, serial in enumerate(SERIALS, start=1):
        discover(server, number, serial)
    cli = Command("ocicli", admin_env(tmp_path, server, admin))

    printed: dict[int, str] = {}
    for index, line in enumerate(README_COMMANDS):
        words = line.split()[1:]
        result = cli.run(*words)
        expected = UNREACHABLE.get(words[0])
        if expected is None:
            assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"
            printed[index] = result.stdout
        else:
            assert result.returncode == 1, f"{line}\n{result.stdout}{result.stderr}"
            assert expected in result.stderr, f"{line}\n{result.stderr}"
            assert "Traceback" not in result.stderr

    # machine-list, before and after the machine-adds: the README's columns.
    first = README_COMMANDS.index("ocicli machine-list")
    listed = table_rows(printed[first])
    assert sorted(row[listed[0].index("serial")] for row in listed[1:]) == sorted(SERIALS)
    after = table_rows(printed[README_COMMANDS.index("ocicli machine-list", first + 1)])
    hostnames = {row[after[0].index("serial")]: row[after[0].index("hostname")] for row in after}
    assert hostnames["C1"] == "swift01-controller-1.example.com"
    assert hostnames["C6"] == "swift01-swiftproxy-3.example.com"
    assert hostnames["CC"] == "swift01-swiftstore-6.example.com"

    options = cli.json("cluster-show", "swift01")["options"]
    assert options["vip_hostname"] == "cloud-api.example.com"
    assert options["self_signed_api_cert"] is False
    assert options["swift_encryption_key_id"] == "6ba8dd62-d752-4144-b803-b32012d707d0"
    assert options["swift_disable_encryption"] is False
    assert options["initial_cluster_setup"] is False

    rings = printed[README_COMMANDS.index("ocicli swift-calculate-ring swift01")]
    for ring in ("account", "container", "object"):
        assert ring in rings

    ipmi = cli.json("network-show", "ipmi")
    assert (ipmi["role"], ipmi["ipmi_match_address"], ipmi["ipmi_match_prefix_length"]) == (
        "ipmi",
        "192.168.100.0",
        24,
    )
    check = printed[README_COMMANDS.index("ocicli ipmi-assign-check")]
    assert check.splitlines() == [
        f"Recorded IPMI addr 192.168.200.{10 + n} for machine with serial C{n}." for n in (1, 2, 3)
    ]
    with server.database.sessions() as session:
        recorded = session.execute(
            select(Machine.serial, IpAddress.address)
            .join(IpAddress, IpAddress.machine_id == Machine.id)
            .join(Network, IpAddress.network_id == Network.id)
            .where(Network.name == "ipmi", IpAddress.purpose == "bmc")
            .order_by(Machine.serial)
        ).all()
        assert [tuple(r) for r in recorded] == [
            ("C1", "192.168.200.11"),
            ("C2", "192.168.200.12"),
            ("C3", "192.168.200.13"),
        ]
        rows = session.execute(
            select(Machine.serial, Machine.status).where(Machine.serial.in_(("C1", "C4")))
        )
        statuses = {serial: status for serial, status in rows}
        assert statuses == {"C1": MachineStatus.INSTALL_FAILED, "C4": MachineStatus.LIVE}
    # Run again: every address is recorded already.
    assert cli("ipmi-assign-check") == "All checked: done nothing.\n"
