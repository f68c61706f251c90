"""OCI's last machine-set flags through the installed ocicli against oci serve:
--dest-blk, --ustart/--uend, --use-gpu and --gpu-*, --ipmi-*, --hostname."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Machine
from tests.helpers import factories
from tests.helpers.commands import Command
from tests.helpers.database import Database


def _machines(session: Session) -> None:
    factories.machine(session, "S1")  # sda, sdb, nvme0n1
    factories.machine(session, "S2", hostname="cl1-compute-1.example.com")
    session.commit()


def _settings(database: Database, serial: str) -> tuple[object, object]:
    with database.sessions() as s:
        row = s.execute(
            select(Machine.settings, Machine.u_position).where(Machine.serial == serial)
        ).one()
    return row.settings, row.u_position


def test_dest_blk_and_the_rack_units(
    token_cli: Command, session: Session, database: Database, tmp_path: Path
) -> None:
    cli = token_cli
    _machines(session)
    assert cli("machine-set", "S1", "--dest-blk", "nvme0n1", "-f", "value", "-c", "dest_blk") == (
        "nvme0n1\n"
    )
    assert cli.json("machine-show", "S1")["options"]["dest_blk"] == "nvme0n1"
    before = _settings(database, "S1")
    error = cli.fails("machine-set", "S1", "--dest-blk", "sdz")
    assert "dest_blk 'sdz' is not a disk of this machine (its disks: nvme0n1, sda, sdb)" in error
    assert _settings(database, "S1") == before
    # OCI's none: no disk named
    assert cli.json("machine-set", "S1", "--dest-blk", "none")["dest_blk"] is None

    shown = cli.json("machine-set", "S1", "--dc", "dc1", "--rack", "r5", "--ustart", "12",
                     "--uend", "13")  # fmt: skip
    assert (shown["datacenter"], shown["rack"], shown["u_position"]) == ("dc1", "r5", 12)
    assert cli.json("machine-set", "S1", "--uend", "14")["u_position"] == 12  # checked only
    before = _settings(database, "S1")
    low = cli.run("machine-set", "S1", "--ustart", "20", "--uend", "19")
    assert low.returncode == 2 and "--uend 19 is below the machine's lowest U, 20" in low.stderr
    assert _settings(database, "S1") == before
    # The racking rules give the product's height (OCI's productnames num-u):
    # --uend must end the machine there.
    rules = tmp_path / "racking.yaml"
    rules.write_text("switches:\n  products:\n    PowerEdge R650: 2\n")
    cli("profile-import", str(rules))
    assert cli.json("machine-set", "S1", "--ustart", "20", "--uend", "21")["u_position"] == 20
    tall = cli.run("machine-set", "S1", "--ustart", "22", "--uend", "22")
    assert tall.returncode == 2 and "2U high in the racking rules" in tall.stderr
    assert "ends at U23" in tall.stderr


def test_ocis_gpu_flags_set_the_one_gpu_type(token_cli: Command, session: Session) -> None:
    cli = token_cli
    _machines(session)
    shown = cli.json(
        "machine-set", "S1", "--use-gpu", "yes", "--gpu-name", "t4,a100",
        "--gpu-vendor-id", "10de,10de", "--gpu-produc-id", "1eb8,20b0",
        "--gpu-device-type", "type-PF", "--vfio-ids", "10de:1eb8,10de:20b0",
    )  # fmt: skip
    assert [(g["name"], g["product_id"], g["device_type"]) for g in shown["gpus"]] == [
        ("t4", "1eb8", "type-PF"),
        ("a100", "20b0", "type-PF"),
    ]
    assert all(g["vfio_ids"] == ["10de:1eb8", "10de:20b0"] for g in shown["gpus"])
    # One part alone: the rest of the type stays.
    renamed = cli.json("machine-set", "S1", "--gpu-name", "l4,h100")["gpus"]
    assert [(g["name"], g["vendor_id"], g["product_id"]) for g in renamed] == [
        ("l4", "10de", "1eb8"),
        ("h100", "10de", "20b0"),
    ]
    odd = cli.run("machine-set", "S1", "--gpu-vendor-id", "10de")
    assert odd.returncode == 2 and "give 2 name(s), 1 vendor ID(s)" in odd.stderr
    bad = cli.run("machine-set", "S1", "--gpu-device-type", "type-X")
    assert bad.returncode == 2 and "'type-PCI'" in bad.stderr
    assert cli.json("machine-set", "S1", "--use-gpu", "no")["gpus"] == []
    alone = cli.run("machine-set", "S1", "--use-gpu", "yes")
    assert alone.returncode == 2 and "has no GPU type yet" in alone.stderr


def test_ocis_ipmi_flags_and_hostname(token_cli: Command, session: Session) -> None:
    cli = token_cli
    _machines(session)
    secret = "Hunter2-on-the-line"
    refused = cli.run("machine-set", "S1", "--ipmi-password", secret)
    assert refused.returncode == 2
    assert "--ipmi-password is refused" in refused.stderr
    assert "machine-set-ipmi SERIAL --username USER --password-file FILE" in refused.stderr
    assert secret not in refused.stderr + refused.stdout

    shown = cli.json(
        "machine-set", "S1", "--ipmi-use", "yes", "--ipmi-addr", "192.168.100.12",
        "--ipmi-username", "oci", "--ipmi-port", "6230", "--ipmi-call-chassis-bootdev", "yes",
    )  # fmt: skip
    assert shown["ipmi"] == {
        "address": "192.168.100.12",
        "port": 6230,
        "username": "oci",
        "password_set": False,
        "discovered_address": None,
    }
    ipmi = cli.json("machine-ipmi-show", "S1")
    assert (ipmi["address"], ipmi["username"], ipmi["port"]) == ("192.168.100.12", "oci", 6230)
    # The BMC's LAN: machine options (the ipmi network's when unset).
    lan = cli.json(
        "machine-set", "S1", "--ipmi-netmask", "255.255.254.0",
        "--ipmi-default-gw", "192.168.100.254", "--ipmi-vlan", "5",
    )  # fmt: skip
    assert (lan["ipmi_netmask"], lan["ipmi_default_gw"], lan["ipmi_vlan"]) == (
        "255.255.254.0",
        "192.168.100.254",
        5,
    )
    vlan = cli.run("machine-set", "S1", "--ipmi-vlan", "4095", "--notes", "x")
    assert vlan.returncode == 2 and "--ipmi-vlan" in vlan.stderr
    assert cli.json("machine-show", "S1")["settings"].get("notes") is None  # nothing written
    mask = cli.run("machine-set", "S1", "--ipmi-netmask", "255.0.255.0")
    assert mask.returncode == 2 and "--ipmi-netmask" in mask.stderr
    assert "'255.0.255.0' is not an IPv4 netmask" in mask.stderr
    reset = cli.json("machine-set", "S1", "--reset", "ipmi_vlan")
    assert reset["ipmi_vlan"] is None and reset["ipmi_netmask"] == "255.255.254.0"
    off = cli.run("machine-set", "S1", "--ipmi-use", "no")
    assert off.returncode == 2 and "no per-machine IPMI off switch" in off.stderr

    # --hostname: its current name is taken (a script's no-op), another refused.
    same = cli.json("machine-set", "S2", "--hostname", "cl1-compute-1.example.com")
    assert same["hostname"] == "cl1-compute-1.example.com"
    rename = cli.run("machine-set", "S2", "--hostname", "db1.example.com")
    assert rename.returncode == 2 and "oci does not rename a machine" in rename.stderr
    assert "machine-replace S2 NEW_SERIAL" in rename.stderr

    helped = cli("machine-set", "--help")
    for flag in ("--ustart", "--uend", "--use-gpu", "--gpu-produc-id", "--vfio-ids",
                 "--ipmi-default-gw", "--ipmi-netmask", "--ipmi-vlan", "--dest-blk",
                 "--hostname"):  # fmt: skip
        assert flag in helped
