"""machine-renew-ipmi-password and machine-apply-ipmi with real parts, as
test_bmc_setup.py: Debian's sshd plays the live system, whose ipmitool (through
the in-band stand-in) really configures OpenIPMI's simulated BMC, and Debian's
ipmitool checks the outcome over the (veth) network."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import func, select

from oci.models import Bmc, MachineEvent
from tests.e2e.test_bmc_setup import (  # noqa: F401  (live: the fixture, used by name)
    PATH,
    SERIAL,
    Live,
    _app_client,
    _enrol_live,
    live,
    pytestmark,
    report,
)
from tests.helpers import ipmisim
from tests.helpers.cli import clean_env
from tests.helpers.commands import BIN
from tests.helpers.database import Credentials, Database
from tests.helpers.server import serve
from tests.helpers.sshd import running_sshd


def _password(client: FlaskClient, headers: dict[str, str]) -> str:
    response = client.get(f"/api/v1/machines/{SERIAL}/ipmi/password", headers=headers)
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["password"])


def test_renew_the_password_then_apply_the_stored_settings_again(
    live: Live,  # noqa: F811
    admin: Credentials,
    database: Database,
) -> None:
    app, client = _app_client(live.settings)
    _enrol_live(client, admin.bearer, live)
    sim = live.bmc
    url = f"/api/v1/machines/{SERIAL}"

    # Without stored credentials there is nothing to renew or apply.
    for path in ("ipmi/renew-password", "ipmi/apply"):
        refused = client.post(f"{url}/{path}", json={}, headers=admin.bearer)
        assert refused.status_code == 409, refused.get_json()
        assert "has no stored BMC credentials" in refused.get_json()["error"]["message"]

    setup = client.post(f"{url}/ipmi/setup", json={}, headers=admin.bearer)
    assert setup.status_code == 200, setup.get_json()
    address, first = setup.get_json()["address"], _password(client, admin.bearer)

    # Renew: the BMC's user found in-band by name, the new password set through
    # ipmitool exec's stdin, saved, then a login over the network.
    renewed = client.post(f"{url}/ipmi/renew-password", json={}, headers=admin.bearer)
    assert renewed.status_code == 200, renewed.get_json()
    out = renewed.get_json()
    assert [s["step"] for s in out["steps"]] == ["ssh", "user id", "user password", "verify"]
    assert out["steps"][1]["detail"] == "oci is user 3"
    second = _password(client, admin.bearer)
    assert second != first and second not in renewed.get_data(as_text=True)
    assert sim.lanplus(address, "oci", second, "power", "status").returncode == 0
    assert sim.lanplus(address, "oci", first, "power", "status").returncode != 0
    ran = sim.argv_log.read_text()
    assert "user list 1" in ran and second not in ran and first not in ran
    with database.sessions() as s:
        kinds = s.scalars(select(MachineEvent.kind)).all()
    assert "bmc-password" in kinds

    # Someone changes the BMC behind oci's back: the stored login stops working...
    sim.inband("user", "set", "name", "3", "intruder")
    assert sim.lanplus(address, "oci", second, "power", "status").returncode != 0
    # ...a bad netmask is refused before anything runs...
    before = sim.argv_log.read_text()
    bad = client.post(f"{url}/ipmi/apply", json={"netmask": "255.0.999.0"}, headers=admin.bearer)
    assert bad.status_code == 422 and "not an IPv4 netmask" in bad.get_json()["error"]["message"]
    assert sim.argv_log.read_text() == before
    # ...and machine-apply-ipmi gives the BMC what oci stores again.
    applied = client.post(f"{url}/ipmi/apply", json={}, headers=admin.bearer)
    assert applied.status_code == 200, applied.get_json()
    out = applied.get_json()
    assert (out["address"], out["netmask"], out["gateway"]) == (
        address,
        "255.255.255.0",
        str(sim.gateway),
    )
    assert out["steps"][-1] == {
        "step": "verify",
        "command": f"log in to {address}:623 as oci",
        "ok": True,
        "detail": "power is off",
    }
    assert sim.lanplus(address, "oci", second, "power", "status").returncode == 0
    assert _password(client, admin.bearer) == second  # applied, not changed
    with database.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Bmc)) == 1
        assert s.scalar(select(MachineEvent).where(MachineEvent.kind == "bmc-applied"))
    app.extensions["oci_engine"].dispose()


def test_ocis_set_ipmi_with_do_ipmitool_cmds_through_ocicli(
    database: Database, admin: Credentials, tmp_path: Path
) -> None:
    """OCI's `machine-set-ipmi --do-ipmitool-cmds ... SERIAL yes ADDR PORT USER`,
    the password from stdin: stored, then given to the BMC in-band."""
    if database.backend != "sqlite":
        pytest.skip("the API test covers every database; one served run is enough")
    quirks = tmp_path / "quirks.yaml"
    ran_here = tmp_path / "vendor-step-ran"  # a vendor command (racadm, say) leaves this
    quirks.write_text(
        "version: 1\nvendors:\n  - {name: default, user_id: 3, settle_seconds: 5, "
        f"extra_commands: [[touch, '{ran_here}']]}}\n"
    )
    with ipmisim.simulated_bmc(tmp_path / "bmc") as sim:
        sshd_dir, workdir = tmp_path / "sshd", tmp_path / "server"
        sshd_dir.mkdir()
        workdir.mkdir()
        key = workdir / "ssh" / "id_ed25519"
        with (
            running_sshd(sshd_dir, key, path=f"{sim.bin_dir}:{PATH}") as (port, host_key),
            serve(
                database,
                workdir,
                {
                    "OCI_LIVE_SSH_PORT": str(port),
                    "OCI_BMC_QUIRKS_FILE": str(quirks),
                    "OCI_BMC_TIMEOUT": "3",
                },
            ) as server,
        ):
            env = clean_env(tmp_path) | {"OCI_API_URL": server.url, "OCI_API_TOKEN": admin.token}
            uploaded = requests.post(
                server.url + "/api/v1/discovery/reports",
                data=report(host_key),
                headers={"Content-Type": "application/gzip"},
                timeout=30,
            )
            assert uploaded.status_code == 201, uploaded.text
            address = str(list(sim.network.hosts())[1])
            argv = [str(BIN / "ocicli"), "machine-set-ipmi", "--do-ipmitool-cmds",
                    "--ipmi-netmask", "255.255.255.0", "--ipmi-defgw", str(sim.gateway),
                    SERIAL, "yes", address, "623", "operator", "--password-file", "-",
                    "-f", "json"]  # fmt: skip
            chosen = "Op3rator-Pass_1"
            done = subprocess.run(
                argv, input=chosen + "\n", env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stderr
            shown = json.loads(done.stdout)
            assert (shown["address"], shown["username"], shown["netmask"]) == (
                address,
                "operator",
                "255.255.255.0",
            )
            progress = done.stderr.splitlines()
            assert progress[0].startswith("applying the stored BMC settings of")
            assert progress[1].startswith("ok   ssh")
            assert progress[-1].startswith(f"ok   verify  log in to {address}:623 as operator")
            assert f"ok   vendor 1  touch {ran_here}" in progress and ran_here.exists()
            assert chosen not in done.stdout + done.stderr
            assert chosen not in sim.argv_log.read_text()
            outside = sim.lanplus(address, "operator", chosen, "power", "status")
            assert outside.returncode == 0 and "Chassis Power is off" in outside.stdout
