"""``ocicli`` as operators run it: the installed console script against a live ``oci serve``.

Every test drives the real executable in a subprocess, so what is checked is
what a shell user sees: stdout, stderr and the exit status. Setup that is not
under test goes straight to the API (requests) or the database, which is
quicker than another subprocess.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from oci.models import Disk, Machine, Nic
from tests.helpers.cli import admin_env, clean_env, completions, ocicli, table_rows
from tests.helpers.commands import Command
from tests.helpers.database import Credentials, Database
from tests.helpers.server import LiveServer, free_port

OCICLI = Path(sys.executable).parent / "ocicli"
SERIAL = "CZ2041XYZ7"
# The post fixture: create a resource through the API, get its JSON back.
Post = Callable[[str, dict[str, Any]], dict[str, Any]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def cli(live_server: LiveServer, admin: Credentials, home: Path) -> Command:
    """ocicli as the admin, by login and password."""
    env = admin_env(home, live_server, admin)
    return ocicli(env)


@pytest.fixture
def post(live_server: LiveServer, admin: Credentials) -> Post:
    """Create through the API directly: setup that is not what a test checks."""

    def create(resource: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(
            f"{live_server.url}/api/v1/{resource}", json=body, headers=admin.bearer, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()

    return create


# -- resources, create to delete ---------------------------------------------------------


def test_swift_region_and_location_lifecycle(cli: Command) -> None:
    table = table_rows(cli("swift-region-create", "region1"))
    assert table[0] == ["Field", "Value"] and ["name", "region1"] in table

    assert "already exists" in cli.fails("swift-region-create", "region1")
    assert cli("swift-region-list", "-f", "value", "-c", "name") == "region1\n"
    shown = cli.json("swift-region-show", "region1")
    assert shown["name"] == "region1" and {"id", "created_at"} <= shown.keys()

    error = cli.fails("location-create", "zone1", "nowhere")
    assert error == "no Swift region named 'nowhere'"
    created = cli.json("location-create", "zone1", "region1")
    assert created["name"] == "zone1"
    assert created["swift_region"]["name"] == "region1"

    # A reference prints as the name it refers to, not as a dict.
    assert table_rows(cli("location-list")) == [["name", "swift_region"], ["zone1", "region1"]]
    assert [loc["name"] for loc in cli.json("location-list")] == ["zone1"]

    assert "still has locations" in cli.fails("swift-region-delete", "region1")
    assert cli("location-delete", "zone1") == "deleted location zone1\n"
    assert cli("swift-region-delete", "region1") == "deleted Swift region region1\n"
    assert cli.json("swift-region-list") == []
    assert cli.fails("swift-region-show", "region1") == "no Swift region named 'region1'"


def test_network_lifecycle_ipv4_and_ipv6(cli: Command, post: Post) -> None:
    post("swift-regions", {"name": "region1"})
    post("locations", {"name": "zone1", "swift_region": "region1"})

    v4 = cli.json("network-create", "mgmt", "192.168.101.0", "24", "zone1", "no")
    assert v4["cidr"] == "192.168.101.0/24"
    assert v4["ip_version"] == 4
    assert v4["is_public"] is False
    assert v4["location"]["name"] == "zone1"
    v6 = yaml.safe_load(
        cli("network-create", "v6", "2001:db8:1::", "64", "zone1", "yes", "-f", "yaml")
    )
    assert (v6["cidr"], v6["ip_version"], v6["is_public"]) == ("2001:db8:1::/64", 6, True)

    error = cli.fails("network-create", "bad", "192.168.102.1", "24", "zone1", "no")
    assert "host bits set" in error and "192.168.102.0" in error
    assert cli.fails("network-create", "x", "10.9.0.0", "16", "nowhere", "no") == (
        "no location named 'nowhere'"
    )
    assert "already exists" in cli.fails("network-create", "mgmt", "10.8.0.0", "16", "zone1", "no")
    assert "overlaps network 'mgmt'" in cli.fails(
        "network-create", "inner", "192.168.101.128", "25", "zone1", "no"
    )
    # PUBLIC is checked before anything is sent.
    refused = cli.run("network-create", "n", "10.0.0.0", "8", "zone1", "maybe")
    assert refused.returncode == 2 and "'maybe' is not one of 'yes', 'no'" in refused.stderr

    assert table_rows(cli("network-list")) == [
        ["name", "cidr", "location", "is_public", "cluster", "role", "vlan", "mtu"],
        ["mgmt", "192.168.101.0/24", "zone1", "no", "", "", "", ""],
        ["v6", "2001:db8:1::/64", "zone1", "yes", "", "", "", ""],
    ]
    assert cli("network-list", "-f", "csv", "-c", "name", "-c", "cidr") == (
        "name,cidr\nmgmt,192.168.101.0/24\nv6,2001:db8:1::/64\n"
    )
    assert cli("network-show", "v6", "-f", "value", "-c", "cidr", "-c", "is_public") == (
        "2001:db8:1::/64\nyes\n"
    )

    assert cli("network-delete", "mgmt") == "deleted network mgmt\n"
    assert cli("network-list", "-f", "value", "-c", "name") == "v6\n"
    assert cli.fails("network-show", "mgmt") == "no network named 'mgmt'"


def test_cluster_lifecycle_and_completion(cli: Command) -> None:
    table = table_rows(cli("cluster-create", "cl1", "example.com"))
    assert ["name", "cl1"] in table and ["domain", "example.com"] in table
    assert cli("cluster-create", "cl2", "example.org", "-f", "value", "-c", "name") == "cl2\n"
    assert "already exists" in cli.fails("cluster-create", "cl1", "example.net")
    error = cli.fails("cluster-create", "Not_A_Label", "example.net")
    assert error.startswith("invalid request body: name:")

    clusters = cli.json("cluster-list")
    assert [(c["name"], c["domain"]) for c in clusters] == [
        ("cl1", "example.com"),
        ("cl2", "example.org"),
    ]
    shown = yaml.safe_load(cli("cluster-show", "cl1", "-f", "yaml"))
    assert (shown["name"], shown["domain"]) == ("cl1", "example.com")
    assert shown["options"]["vip_hostname"] == "cl1-api.example.com"

    # `-f value -c name` is made for $(...).
    script = f'name=$("{OCICLI}" cluster-show cl1 -f value -c name); echo "[$name]"'
    shell = subprocess.run(
        ["bash", "-c", script], env=cli.env, capture_output=True, text=True, timeout=60
    )
    assert (shell.returncode, shell.stdout, shell.stderr) == (0, "[cl1]\n", "")

    assert completions(cli, "ocicli cluster-show ") == [("plain", "cl1"), ("plain", "cl2")]
    assert completions(cli, "ocicli cluster-delete cl2") == [("plain", "cl2")]

    assert cli("cluster-delete", "cl2") == "deleted cluster cl2\n"
    assert cli.fails("cluster-show", "cl2") == "no cluster named 'cl2'"
    assert cli("cluster-list", "-f", "value", "-c", "name") == "cl1\n"


# -- output formats -----------------------------------------------------------------------


def test_every_output_format(cli: Command) -> None:
    """The seeded roles, in each format; -c picks API field names, in the order given."""
    table = table_rows(cli("role-list"))
    assert table[0] == ["name", "description"]
    assert ["compute", "Nova compute hypervisor"] in table

    roles = cli.json("role-list")
    names = [role["name"] for role in roles]
    assert {"compute", "controller", "cephosd", "swiftstore"} <= set(names)
    assert {"name", "description"} <= roles[0].keys()

    assert yaml.safe_load(cli("role-list", "-f", "yaml")) == roles
    assert cli("role-list", "-f", "value", "-c", "name").splitlines() == names

    rows = list(
        csv.reader(io.StringIO(cli("role-list", "-f", "csv", "-c", "description", "-c", "name")))
    )
    assert rows[0] == ["description", "name"]
    assert [row[1] for row in rows[1:]] == names
    assert ["Nova compute hypervisor", "compute"] in rows

    picked = cli.json("role-list", "-c", "name", "-c", "description")
    assert [list(role) for role in picked] == [["name", "description"]] * len(names)

    # One object: table of fields, and the same formats.
    show = table_rows(cli("role-show", "compute"))
    assert show[0] == ["Field", "Value"]
    assert ["name", "compute"] in show
    assert cli.json("role-show", "compute", "-c", "name") == {"name": "compute"}
    assert cli("role-show", "compute", "-f", "csv", "-c", "name") == "name\ncompute\n"
    assert cli("role-show", "compute", "-f", "yaml", "-c", "name") == "name: compute\n"

    unknown = cli.run("role-list", "-c", "name", "-c", "nmae")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "unknown column(s) nmae; available: " in unknown.stderr
    assert "description" in unknown.stderr
    unknown_one = cli.run("role-show", "compute", "-c", "colour")
    assert unknown_one.returncode == 2 and "unknown column(s) colour" in unknown_one.stderr
    bad_format = cli.run("role-list", "-f", "xml")
    assert bad_format.returncode == 2 and "'xml' is not one of" in bad_format.stderr


# -- machines --------------------------------------------------------------------------------


def add_machine(database: Database) -> None:
    with database.sessions() as s, s.begin():
        machine = Machine(
            serial=SERIAL,
            system_uuid="4c4c4544-0042-3610-8057-b4c04f595a33",
            manufacturer="Dell Inc.",
            product_name="PowerEdge R640",
            cpu_model="Intel(R) Xeon(R) Gold 6230",
            cpu_threads=80,
            memory_bytes=512 * 2**30,
            last_seen=datetime.now(UTC),
            discovery_count=1,
        )
        machine.disks = [
            Disk(name="sda", size_bytes=480_000_000_000, kind="ssd", model="SSDSC2KB480G8"),
            Disk(name="sdb", size_bytes=480_000_000_000, kind="ssd", model="SSDSC2KB480G8"),
            Disk(name="nvme0n1", size_bytes=3_840_000_000_000, kind="nvme"),
        ]
        machine.nics = [
            Nic(
                name="eno1",
                mac="B0-26-28-AA-00-01",
                identity_mac="b0:26:28:aa:00:01",
                physical=True,
                speed_mbps=25000,
            ),
            Nic(
                name="eno2",
                mac="b0:26:28:aa:00:02",
                identity_mac="b0:26:28:aa:00:02",
                physical=True,
                speed_mbps=25000,
            ),
            # The BMC's USB NIC: not physical, not in the summary.
            Nic(name="usb0", mac="0a:94:ef:00:00:01", speed_mbps=None),
        ]
        s.add(machine)


def test_machine_list_and_show(cli: Command, database: Database) -> None:
    assert cli.json("machine-list") == []
    [header] = table_rows(cli("machine-list"))  # the header and no row
    assert header[0] == "serial"
    # With no machine yet, -c is still checked, against the API's schema.
    assert cli("machine-list", "-f", "value", "-c", "serial", "-c", "gpus") == ""
    result = cli.run("machine-list", "-c", "serail")
    assert result.returncode == 2
    assert "unknown column(s) serail" in result.stderr
    assert "serial" in result.stderr  # the available ones are listed

    add_machine(database)
    [machine] = cli.json("machine-list")
    assert machine["serial"] == SERIAL
    assert machine["product_name"] == "PowerEdge R640"
    assert machine["ram"] == "512GiB"
    assert machine["disks"] == "2x480G ssd, 1x3.8T nvme"
    assert machine["nics"] == "2x25G"
    assert machine["status"] == "live"
    header, row = table_rows(cli("machine-list"))
    assert header[:6] == ["serial", "product_name", "cpu_model", "ram", "disks", "nics"]
    assert row[:6] == [
        SERIAL,
        "PowerEdge R640",
        "Intel(R) Xeon(R) Gold 6230",
        "512GiB",
        "2x480G ssd, 1x3.8T nvme",
        "2x25G",
    ]
    assert cli("machine-list", "-f", "value", "-c", "serial", "-c", "ram") == f"{SERIAL} 512GiB\n"
    assert cli.json("machine-list", "--status", "installing") == []

    shown = cli.json("machine-show", SERIAL)
    assert [d["name"] for d in shown["disk_list"]] == ["nvme0n1", "sda", "sdb"]
    nics = {n["name"]: (n["mac"], n["is_physical"]) for n in shown["nic_list"]}
    assert nics == {
        "eno1": ("b0:26:28:aa:00:01", True),
        "eno2": ("b0:26:28:aa:00:02", True),
        "usb0": ("0a:94:ef:00:00:01", False),
    }
    # The UUID finds it too.
    assert cli("machine-show", shown["system_uuid"], "-f", "value", "-c", "serial") == f"{SERIAL}\n"
    assert cli.fails("machine-show", "NOSUCH") == (
        "no machine with serial, host name, UUID or id 'NOSUCH'"
    )
    assert completions(cli, "ocicli machine-show ") == [("plain", SERIAL)]


# -- errors an operator meets --------------------------------------------------------------


def test_authentication_and_connection_errors(
    cli: Command, live_server: LiveServer, admin: Credentials
) -> None:
    error = cli.fails("cluster-list", env={"OCI_PASSWORD": "not-the-password"})
    assert error.startswith("wrong login or password")
    assert "OCI_LOGIN" in error

    anonymous = {k: v for k, v in cli.env.items() if k not in ("OCI_LOGIN", "OCI_PASSWORD")}
    error = ocicli(anonymous).fails("cluster-list")
    assert error.startswith("authentication required")
    assert error.count("OCI_API_TOKEN") == 1  # the hint, once

    # A token instead of a password.
    assert ocicli(anonymous | {"OCI_API_TOKEN": admin.token}).json("cluster-list") == []
    error = ocicli(anonymous | {"OCI_API_TOKEN": "oci_revoked"}).fails("cluster-list")
    assert error.startswith("unknown or revoked API token")

    nobody = f"http://127.0.0.1:{free_port()}"
    error = cli.fails("cluster-list", env={"OCI_API_URL": nobody})
    assert error.startswith(f"cannot reach the oci server at {nobody}")
    # Completion never errors: with no server it offers nothing.
    assert completions(ocicli(cli.env | {"OCI_API_URL": nobody}), "ocicli cluster-show ") == []


def test_read_only_user_can_list_but_not_create(
    live_server: LiveServer, reader: Credentials, home: Path
) -> None:
    cli = ocicli(
        clean_env(home)
        | {
            "OCI_API_URL": live_server.url,
            "OCI_LOGIN": reader.login,
            "OCI_PASSWORD": reader.password,
        }
    )
    assert cli.json("cluster-list") == []
    assert "compute" in cli("role-list", "-f", "value", "-c", "name").split()
    error = cli.fails("cluster-create", "cl1", "example.com")
    assert error == (
        "user 'reader' may only read; this needs an admin (oci user add LOGIN --admin)"
    )


def test_credentials_on_the_command_line_beat_a_token_in_the_environment(
    live_server: LiveServer, admin: Credentials, reader: Credentials, home: Path
) -> None:
    # An admin token left in the environment must not act for a user who
    # typed another login: the command runs as the reader, and is refused.
    cli = ocicli(clean_env(home) | {"OCI_API_URL": live_server.url, "OCI_API_TOKEN": admin.token})
    error = cli.fails(
        "--login",
        reader.login,
        "--password",
        reader.password,
        "cluster-create",
        "clx",
        "example.com",
    )
    assert "may only read" in error
    assert cli.json("cluster-list") == []
    # A token and a password from the same place are ambiguous: refused, not guessed.
    both = cli.run("cluster-list", env={"OCI_LOGIN": "admin", "OCI_PASSWORD": admin.password})
    assert both.returncode == 2
    assert "both a token and a password" in both.stderr


def test_unusable_server_urls_are_one_line(home: Path) -> None:
    cli = ocicli(clean_env(home) | {"OCI_API_URL": "127.0.0.1:9", "OCI_API_TOKEN": "x"})
    assert "cannot use the server URL" in cli.fails("cluster-list")
    assert cli.run("--timeout", "-1", "cluster-list").returncode == 2


# -- configuration file ------------------------------------------------------------------------


def test_credentials_from_config_file(
    live_server: LiveServer, admin: Credentials, home: Path, tmp_path: Path
) -> None:
    config = tmp_path / "ocicli.toml"
    config.write_text(
        f'api_url = "{live_server.url}"\nlogin = "{admin.login}"\npassword = "{admin.password}"\n'
    )
    cli = ocicli(clean_env(home))
    assert cli.json("--config", str(config), "cluster-list") == []
    via_env = cli("role-list", "-f", "value", "-c", "name", env={"OCI_CLI_CONFIG": str(config)})
    assert "compute" in via_env.split()
    # The environment wins over the file.
    error = cli.fails(
        "--config", str(config), "cluster-list", env={"OCI_PASSWORD": "not-the-password"}
    )
    assert error.startswith("wrong login or password")

    # The default place, ~/.config/oci/ocicli.toml.
    (home / ".config" / "oci").mkdir(parents=True)
    (home / ".config" / "oci" / "ocicli.toml").write_text(config.read_text())
    assert cli.json("cluster-list") == []

    typo = tmp_path / "typo.toml"
    typo.write_text(config.read_text() + 'pasword = "x"\n')
    error = cli.fails("--config", str(typo), "cluster-list")
    assert error.startswith(f"{typo}: unknown key(s) pasword; known: api_url")
    missing = tmp_path / "missing.toml"
    assert cli.fails("--config", str(missing), "cluster-list") == (
        f"configuration file {missing} does not exist"
    )


# -- help and completion scripts -----------------------------------------------------------


def test_help_and_completion_script(home: Path) -> None:
    """Needs no server."""
    cli = ocicli(clean_env(home))
    usage = cli("--help")
    for command in ("cluster-create", "machine-list", "network-create", "swift-region-list"):
        assert command in usage
    script = cli("completion", "bash")
    assert "_OCICLI_COMPLETE=bash_complete" in script
    assert "complete -o nosort -F _ocicli_completion ocicli" in script
    assert "compdef _ocicli_completion ocicli" in cli("completion", "zsh")
