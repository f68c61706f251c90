"""OCI's BMC commands on oci (issue 23): machine-set-ipmi in OCI's positional form,
machine-ipmi-cmd and check-all-ipmi, with Debian's ipmitool and pyghmi against the
simulated BMC (pyghmi's server side)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from oci.api.app import create_app
from oci.cli import bmc as cli_bmc
from oci.cli.main import main
from oci.config import Settings
from oci.models import Bmc
from tests.e2e.test_bmc import PASSWORD, Sim, simulated_bmc
from tests.helpers.commands import BIN, Command
from tests.helpers.database import Credentials, Database
from tests.helpers.factories import machine
from tests.helpers.server import LiveServer, free_port


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with simulated_bmc(tmp_path) as running:
        yield running


def _stored(database: Database) -> list[tuple[str | None, ...]]:
    with database.sessions() as s:
        return [
            tuple(r)
            for r in s.execute(select(Bmc.ipmi_address, Bmc.ipmi_username, Bmc.ipmi_password))
        ]


def test_oci_form_of_machine_set_ipmi_then_ipmi_cmd_and_check_all(
    token_cli: Command, sim: Sim, live_server: LiveServer
) -> None:
    cli = token_cli
    with live_server.database.sessions() as session, session.begin():
        machine(session, "OCI1", hostname="cl1-compute-1.example.com", rack="r3")
        machine(session, "OCI2")
    port = str(sim.port)

    # OCI's six positionals: the last is a password, refused, nothing stored.
    refused = cli.run("machine-set-ipmi", "OCI1", "yes", "127.0.0.1", port, "admin", PASSWORD)
    assert refused.returncode == 2
    assert "password on the command line is refused" in refused.stderr
    assert "--password-file" in refused.stderr and "stdin" in refused.stderr
    # A password that looks like an option is refused too, and never echoed.
    dashed = cli.run("machine-set-ipmi", "OCI1", "yes", "127.0.0.1", port, "admin", "-Xy1z")
    assert dashed.returncode == 2 and "-Xy1z" not in dashed.stderr
    off = cli.run("machine-set-ipmi", "OCI1", "no", "127.0.0.1", port, "admin")
    assert off.returncode == 2 and "no per-machine IPMI off switch" in off.stderr
    bad_port = cli.run("machine-set-ipmi", "OCI1", "yes", "127.0.0.1", "x623", "admin")
    assert bad_port.returncode == 2 and "not a UDP port" in bad_port.stderr
    assert _stored(live_server.database) == []

    # OCI's form without the password, the password on stdin.
    fed = subprocess.run(
        [str(BIN / "ocicli"), "machine-set-ipmi", "OCI1", "yes", "127.0.0.1", port, "admin",
         "--password-file", "-", "-f", "json"],
        input=PASSWORD + "\n", env=cli.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert fed.returncode == 0, fed.stderr
    assert '"password_set": true' in fed.stdout and PASSWORD not in fed.stdout
    assert [(a, u) for a, u, _ in _stored(live_server.database)] == [("127.0.0.1", "admin")]
    # With OCI's --do-ipmitool-cmds, a machine not in its live system: stored, not applied.
    applied = subprocess.run(
        [str(BIN / "ocicli"), "machine-set-ipmi", "--do-ipmitool-cmds", "OCI1", "yes",
         "127.0.0.1", port, "admin", "--password-file", "-"],
        input=PASSWORD + "\n", env=cli.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert applied.returncode == 1
    assert "are stored, but giving them to the BMC failed" in applied.stderr
    assert "once fixed: ocicli machine-apply-ipmi OCI1" in applied.stderr

    # machine-ipmi-cmd: Debian's ipmitool, the answer as ipmitool prints it.
    assert cli("machine-ipmi-cmd", "OCI1", "chassis power status").strip() == (
        "Chassis Power is off"
    )
    assert "Chassis Power Control: Up/On" in cli("machine-ipmi-cmd", "OCI1", "power", "on")
    assert cli("machine-ipmi-cmd", "OCI1", "power status").strip() == "Chassis Power is on"
    for words, why in (
        (("exec /etc/shadow",), "'exec' is not one of"),
        (("-H 10.0.0.1 power status",), "looks like an option"),
        (("sol activate",), "use ocicli machine-console"),
        (("user set password 2 x",), "use ocicli machine-renew-ipmi-password"),
        (("power 'status",), "cannot split it into words"),
    ):
        assert why in cli.fails("machine-ipmi-cmd", "OCI1", *words)
    assert "has no BMC credentials" in cli.fails("machine-ipmi-cmd", "OCI2", "power status")

    # check-all-ipmi: the BMC with credentials answers; the other has none.
    rows = cli.json("check-all-ipmi")
    assert [(r["serial"], r["ok"], r["power"]) for r in rows] == [
        ("OCI1", True, "on"),
        ("OCI2", False, None),
    ]
    assert rows[0]["hostname"] == "cl1-compute-1.example.com" and rows[0]["rack"] == "r3"
    assert "no BMC credentials" in rows[1]["error"]
    only = cli.json("check-all-ipmi", "serial=OCI2")
    assert [r["serial"] for r in only] == ["OCI2"]
    assert [r["serial"] for r in cli.json("check-all-ipmi", "serial='OCI1'")] == ["OCI1"]
    sql = cli.run("check-all-ipmi", "serial LIKE 'OCI%'")
    assert sql.returncode == 2 and "OCI's SQL conditions are not taken" in sql.stderr


def test_check_all_ipmi_bounds_a_dead_bmc_and_refuses_bad_commands_early(
    settings: Settings, database: Database, admin: Credentials, sim: Sim
) -> None:
    app = create_app(settings.model_copy(update={"bmc_timeout": 3.0}))
    client = app.test_client()
    dead = free_port()
    with database.sessions() as session, session.begin():
        machine(session, "LIVE1", bmc=Bmc(ip_address="127.0.0.1"))
        machine(session, "DEAD1", bmc=Bmc(ip_address="127.0.0.1"))
    password = sim.password_file
    for serial, port in (("LIVE1", sim.port), ("DEAD1", dead)):
        body = {"username": "admin", "password": password.read_text().strip(), "port": port}
        response = client.put(f"/api/v1/machines/{serial}/ipmi", json=body, headers=admin.bearer)
        assert response.status_code == 200, response.get_json()

    response = client.get("/api/v1/ipmi-checks", headers=admin.bearer)
    assert response.status_code == 200, response.get_json()
    items = {i["serial"]: i for i in response.get_json()["items"]}
    assert items["LIVE1"]["ok"] is True and items["LIVE1"]["power"] == "off"
    assert items["DEAD1"]["ok"] is False and "did not answer" in items["DEAD1"]["error"]
    filtered = client.get("/api/v1/ipmi-checks?status=installed", headers=admin.bearer)
    assert filtered.get_json()["items"] == []
    for query in ("where=1", "status=bogus"):
        unknown = client.get(f"/api/v1/ipmi-checks?{query}", headers=admin.bearer)
        assert unknown.status_code == 400, unknown.get_json()

    # A refused command is a 400 before any BMC is asked, even a dead one.
    refused = client.post(
        "/api/v1/machines/DEAD1/ipmi/command", json={"command": "shell"}, headers=admin.bearer
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["fields"]["command"].startswith("'shell'")
    with database.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Bmc)) == 2
    app.extensions["oci_engine"].dispose()


def test_check_all_ipmi_is_for_admins_and_ends_within_its_deadline(
    settings: Settings,
    database: Database,
    admin: Credentials,
    reader: Credentials,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found in review: a read-only user made the server decrypt every BMC password
    and log in to every BMC; and a thousand dead BMCs held the request for hours."""
    from oci.api import bmc as bmc_api

    app = create_app(settings.model_copy(update={"bmc_timeout": 1.0}))
    client = app.test_client()
    with database.sessions() as session, session.begin():
        for serial in ("DEAD1", "DEAD2", "DEAD3"):
            machine(session, serial, bmc=Bmc(ip_address="127.0.0.1"))
    for serial in ("DEAD1", "DEAD2", "DEAD3"):
        body = {"username": "admin", "password": "pw", "port": free_port()}
        response = client.put(f"/api/v1/machines/{serial}/ipmi", json=body, headers=admin.bearer)
        assert response.status_code == 200, response.get_json()

    asked: list[object] = []
    monkeypatch.setattr("oci.bmc.ipmi.power_state", lambda access: asked.append(access))
    forbidden = client.get("/api/v1/ipmi-checks", headers=reader.bearer)
    assert forbidden.status_code == 403, forbidden.get_json()
    assert asked == []
    monkeypatch.undo()

    # One BMC at a time, 1 s each, a 1.5 s deadline: the first answers (dead), the
    # second is still waiting, the third never started.
    monkeypatch.setattr(bmc_api, "CHECK_WORKERS", 1)
    monkeypatch.setattr(bmc_api, "CHECK_DEADLINE", 1.5)
    started = time.monotonic()
    response = client.get("/api/v1/ipmi-checks", headers=admin.bearer)
    assert time.monotonic() - started < 2.5
    assert response.status_code == 200, response.get_json()
    items = {i["serial"]: i for i in response.get_json()["items"]}
    assert "did not answer" in items["DEAD1"]["error"]
    assert [items[s]["error"] for s in ("DEAD2", "DEAD3")] == [bmc_api.NOT_CHECKED] * 2
    assert not any(i["ok"] for i in items.values())

    # ocicli says which were not checked, on stderr, and exits 1.
    class Api:
        timeout = 30.0

        def get(self, path: str, **params: str) -> object:
            return response.get_json()

    monkeypatch.setattr(cli_bmc, "client_from", lambda ctx: Api())
    said = CliRunner().invoke(main, ["check-all-ipmi"])
    assert said.exit_code == 1
    assert "2 BMC(s) not checked: the server's time limit" in said.stderr
    assert "DEAD2, DEAD3" in said.stderr
    app.extensions["oci_engine"].dispose()
