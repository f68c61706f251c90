"""Hardware RAID and HPE iLO commands in the live system, over a real SSH (Debian's
sshd, the host key pinned by the machine's report). The vendor tools cannot run
here: stand-ins on the session's PATH keep a controller's state as storcli would
(`/c0 show J` answers from it) and log every argv, so the test sees exactly what
oci ran, in order, and the read-back after a build."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import select

from oci.api.app import create_app
from oci.config import Settings
from oci.models import Machine, MachineEvent
from oci.models.status import MachineStatus
from oci.models.types import utcnow
from tests.e2e.test_bmc_setup import SERIAL, report
from tests.helpers.cli import clean_env, ocicli
from tests.helpers.database import Credentials, Database
from tests.helpers.paths import TESTS
from tests.helpers.server import serve
from tests.helpers.sshd import SSHD, running_sshd

pytestmark = pytest.mark.skipif(not os.path.exists(SSHD), reason="needs openssh-server")

PROFILE = "volume-with-raid-10-sdb-on-perc"  # RAID 1 of 2 SSDs, RAID 10 of 2-8 HDDs
GB_SSD, TB_HDD = "223.062 GB", "1.090 TB"

# A storcli stand-in: its controller in a JSON file, every argv in a log.
STORCLI = r"""#!{python}
import json, os, shlex, sys
STATE, LOG, FAIL = {state!r}, {log!r}, {fail!r}
args = sys.argv[1:]
with open(LOG, "a") as log:
    log.write(shlex.join(args) + "\n")
with open(STATE) as f:
    state = json.load(f)
def reply(data):
    status = {{"Controller": 0, "Status": "Success", "Description": "None"}}
    print(json.dumps({{"Controllers": [{{"Command Status": status, "Response Data": data}}]}}))
def drive(path):
    e, s = path.split("/")[2:4]
    return next(d for d in state["pds"] if d["EID:Slt"] == e[1:] + ":" + s[1:])
if args == ["/c0", "show", "J"]:
    reply({{"Product Name": "Stand-in", "VD LIST": state["vds"], "PD LIST": state["pds"]}})
elif args == ["/c0/fall", "delete"]:
    reply({{}})
elif args == ["/c0/vall", "delete", "force"]:
    state["vds"] = []
    for d in state["pds"]:
        if d["DG"] != "-":
            d["DG"], d["State"] = "-", "UGood"
    reply({{}})
elif args[1:] == ["set", "good", "force"]:
    d = drive(args[0])
    d["DG"], d["State"] = "-", "UGood"
    reply({{}})
elif args[1:] == ["set", "jbod"]:
    drive(args[0])["State"] = "JBOD"
    reply({{}})
elif args[:3] == ["/c0", "add", "vd"]:
    if os.path.exists(FAIL):
        print("Controller 0: add VD failed: drives in use")
        sys.exit(1)
    words = dict(w.split("=", 1) for w in args[3:] if "=" in w)
    group = len(state["vds"])
    for address in words["drives"].split(","):
        d = next(d for d in state["pds"] if d["EID:Slt"] == address)
        d["DG"], d["State"] = group, "Onln"
    state["vds"].append({{"DG/VD": f"{{group}}/{{group}}", "TYPE": words["type"].upper(),
                          "State": "Optl", "Size": "1 TB"}})
    reply({{}})
else:
    print("unknown command", file=sys.stderr)
    sys.exit(2)
with open(STATE, "w") as f:
    json.dump(state, f)
"""

HPONCFG = r"""#!/bin/sh
echo "hponcfg $*" >> {log}
[ "$1" = "-f" ] && cat "$2" >> {log}
echo "Firmware Revision = 2.72 Device type = iLO 5 Driver name = hpilo"
echo "Script succeeded"
"""


@dataclass
class Live:
    client: FlaskClient
    headers: dict[str, str]
    state: Path
    log: Path
    fail: Path
    hpe_log: Path
    database: Database

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1/machines/{SERIAL}/{path}", json=body or {}, headers=self.headers
        )

    def ran(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def events(self, kind: str) -> list[MachineEvent]:
        with self.database.sessions() as s:
            return list(s.scalars(select(MachineEvent).where(MachineEvent.kind == kind)))


def _pd(slot: int, size: str, media: str, state: str = "UGood", group: Any = "-") -> dict[str, Any]:
    return {"EID:Slt": f"32:{slot}", "DID": slot, "State": state, "DG": group, "Size": size,
            "Intf": "SAS", "Med": media, "Model": "stand-in"}  # fmt: skip


def _controller(state: Path) -> None:
    """Two SSDs, four HDDs; an old RAID 0 on the first HDD that the build must clear."""
    pds = [_pd(0, GB_SSD, "SSD"), _pd(1, GB_SSD, "SSD"), _pd(2, TB_HDD, "HDD", "Onln", 0)]
    pds += [_pd(n, TB_HDD, "HDD") for n in (3, 4, 5)]
    vds = [{"DG/VD": "0/0", "TYPE": "RAID0", "State": "Optl", "Size": "1 TB"}]
    state.write_text(json.dumps({"pds": pds, "vds": vds}))


def _quirks(tmp_path: Path, **fields: str) -> Path:
    extra = "".join(f", {k}: {v}" for k, v in fields.items())
    path = tmp_path / "quirks.yaml"
    path.write_text(
        "version: 1\nvendors:\n"
        f"  - {{name: gigabyte, match: {{manufacturer: GIGABYTE}}, user_id: 3{extra}}}\n"
        "  - {name: default, user_id: 3}\n"
    )
    return path


@pytest.fixture
def live(
    settings: Settings, database: Database, admin: Credentials, tmp_path: Path
) -> Iterator[Live]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    state, log, fail = tmp_path / "controller.json", tmp_path / "storcli.log", tmp_path / "fail"
    hpe_log = tmp_path / "hponcfg.log"
    _controller(state)
    storcli = bin_dir / "storcli64"
    storcli.write_text(
        STORCLI.format(python=sys.executable, state=str(state), log=str(log), fail=str(fail))
    )
    hponcfg = bin_dir / "hponcfg"
    hponcfg.write_text(HPONCFG.format(log=hpe_log))
    for tool in (storcli, hponcfg):
        tool.chmod(0o755)
    sshd_dir = tmp_path / "sshd"
    sshd_dir.mkdir()
    path = f"{bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin"
    with running_sshd(sshd_dir, settings.ssh_key_file, path=path) as (port, host_key):
        quirks = _quirks(tmp_path, hponcfg="true", ilo_license_file=str(tmp_path / "License.xml"))
        tuned = settings.model_copy(update={"live_ssh_port": port, "bmc_quirks_file": quirks})
        app = create_app(tuned)
        client = app.test_client()
        gz = {"Content-Type": "application/gzip"}
        posted = client.post("/api/v1/discovery/reports", data=report(host_key), headers=gz)
        assert posted.status_code in (200, 201), posted.get_json()
        text = (TESTS / "fixtures" / "oci-42.2.5" / "hardware-profiles.json").read_text()
        body = {"text": text, "source": "hardware-profiles.json", "format": "oci"}
        imported = client.post("/api/v1/profiles/import", json=body, headers=admin.bearer)
        assert imported.status_code == 200, imported.get_json()
        yield Live(client, admin.bearer, state, log, fail, hpe_log, database)
        app.extensions["oci_engine"].dispose()


def test_raid_built_from_ocis_profile_read_back_and_cleared(live: Live) -> None:
    # The controller has an old RAID 0: it does not fit the profile.
    checked = live.post("raid/check", {"profile": PROFILE})
    assert checked.status_code == 200, checked.get_json()
    out = checked.get_json()
    assert (out["tool"], out["status"], out["applied"]) == ("storcli64", "checked", False)
    assert "volume 0/0 (RAID 0) is not in the profile" in out["reasons"]
    assert live.ran() == ["/c0 show J"]

    # OCI's -d: the commands, none run.
    planned = live.post("raid/apply", {"profile": PROFILE, "dry_run": True}).get_json()
    assert planned["status"] == "planned" and live.ran() == ["/c0 show J"] * 2
    assert planned["planned"] == [
        "storcli64 /c0/fall delete",
        "storcli64 /c0/vall delete force",
        *(f"storcli64 /c0/e32/s{n} set good force" for n in range(6)),
        "storcli64 /c0 add vd type=raid1 drives=32:0,32:1 wb ra direct",
        "storcli64 /c0 add vd type=raid10 drives=32:2,32:3,32:4,32:5 pdperarray=2 wt nora direct",
    ]

    # The build: each command in order, then the controller read back.
    built = live.post("raid/apply", {"profile": PROFILE})
    assert built.status_code == 200, built.get_json()
    out = built.get_json()
    assert (out["status"], out["applied"], out["reasons"]) == ("applied", True, [])
    commands = [line.removeprefix("storcli64 ") for line in planned["planned"]]
    assert live.ran()[2:] == ["/c0 show J", *commands, "/c0 show J"]
    assert [r["exit_status"] for r in out["ran"]] == [0] * (len(commands) + 2)
    (event,) = live.events("raid-applied")
    assert f"from profile {PROFILE!r}" in event.message and "reads as the profile says" in (
        event.message
    )
    assert [r["command"] for r in event.details["ran"]][1:-1] == planned["planned"]

    # Built already: nothing more runs (OCI's "Already applied.").
    again = live.post("raid/apply", {"profile": PROFILE}).get_json()
    assert again["status"] == "already-applied" and live.ran()[-1] == "/c0 show J"
    assert len(live.ran()) == len(commands) + 5
    assert live.post("raid/check", {"profile": PROFILE}).get_json()["applied"] is True

    # Reset: foreign configurations, the volumes, each drive back to good.
    cleared = live.post("raid/reset").get_json()
    assert cleared["status"] == "reset" and cleared["planned"] == planned["planned"][:8]
    assert json.loads(live.state.read_text())["vds"] == []
    assert len(live.events("raid-reset")) == 1


def test_a_failing_command_stops_the_build_and_is_recorded(live: Live) -> None:
    live.fail.touch()
    failed = live.post("raid/apply", {"profile": PROFILE})
    assert failed.status_code == 502
    error = failed.get_json()["error"]
    assert error["code"] == "raid_failed"
    assert (
        "add vd type=raid1 drives=32:0,32:1 wb ra direct: exit 1: Controller 0: add VD "
        "failed: drives in use; the commands after it were not run" in error["message"]
    )
    ran = error["details"]["ran"]
    assert ran[-1]["exit_status"] == 1 and "raid10" not in json.dumps(ran)
    assert not any("raid10" in line for line in live.ran())
    (event,) = live.events("raid-applied")
    assert event.message.startswith("RAID apply of machine") and "exit 1" in event.message
    with live.database.sessions() as s:  # the run is over, failed: the next may start
        assert s.scalars(select(Machine.bmc_setup_until)).all() == [None]


def test_one_run_at_a_time_on_a_machine(live: Live) -> None:
    # Another run (a RAID build, a BMC set-up) holds the machine for a while.
    with live.database.sessions() as s, s.begin():
        s.scalar(select(Machine)).bmc_setup_until = utcnow() + timedelta(minutes=5)
    for path, body in (("raid/apply", {"profile": PROFILE}), ("raid/reset", {})):
        busy = live.post(path, body)
        assert busy.status_code == 409
        assert "is already going on" in busy.get_json()["error"]["message"]
    assert live.ran() == []
    # Reading, or planning only, changes nothing: allowed meanwhile.
    planned = live.post("raid/apply", {"profile": PROFILE, "dry_run": True})
    assert planned.status_code == 200 and planned.get_json()["status"] == "planned"
    # A mark from the past (a server that died mid-run) blocks nobody.
    with live.database.sessions() as s, s.begin():
        s.scalar(select(Machine)).bmc_setup_until = utcnow() - timedelta(seconds=1)
    assert live.post("raid/apply", {"profile": PROFILE}).status_code == 200
    with live.database.sessions() as s:
        assert s.scalars(select(Machine.bmc_setup_until)).all() == [None]


def test_refusals_say_what_to_do_and_run_nothing(live: Live, tmp_path: Path) -> None:
    no_profile = live.post("raid/apply")
    assert no_profile.status_code == 409
    assert (
        "has no hardware profile applied and matches none: name one"
        in (no_profile.get_json()["error"]["message"])
    )
    unknown = live.post("raid/apply", {"profile": "nope"})
    assert unknown.status_code == 404
    soft = live.post("raid/apply", {"profile": "compute-over-ceph-with-soft-raid"})
    assert (
        soft.status_code == 409
        and "asks for no hardware RAID" in soft.get_json()["error"]["message"]
    )
    bad = live.post("raid/apply", {"profile": PROFILE, "dry_run": "yes"})
    assert bad.status_code == 422
    # Too few drives for the RAID 10: refused before any change.
    state = json.loads(live.state.read_text())
    state["pds"] = state["pds"][:4]
    live.state.write_text(json.dumps(state))
    few = live.post("raid/apply", {"profile": PROFILE})
    assert few.status_code == 409
    assert "hdd.layout.1: RAID 10 needs 4 drive(s)" in few.get_json()["error"]["message"]
    assert set(live.ran()) == {"/c0 show J"}

    # Enough drives, but one is bad and one a hot spare: refused before the reset,
    # naming them (found in review: they went into the RAID 10, which then failed
    # after the reset had cleared the controller).
    _controller(live.state)
    state = json.loads(live.state.read_text())
    state["pds"][4]["State"], state["pds"][5]["State"] = "UBad", "GHS"
    live.state.write_text(json.dumps(state))
    bad_drives = live.post("raid/apply", {"profile": PROFILE})
    assert bad_drives.status_code == 409
    assert (
        "the controller has 2 free that fit; not used for their state: 32:4 (UBad), 32:5 (GHS)"
        in bad_drives.get_json()["error"]["message"]
    )
    assert set(live.ran()) == {"/c0 show J"}

    # Not in its live system: the tools are not there.
    with live.database.sessions() as s, s.begin():
        s.scalar(select(Machine)).status = MachineStatus.INSTALLED
    gone = live.post("raid/reset")
    assert (
        gone.status_code == 409 and "not in its live system" in gone.get_json()["error"]["message"]
    )
    assert set(live.ran()) == {"/c0 show J"}


def test_hponcfg_commands_for_an_hpe_quirk(live: Live, tmp_path: Path) -> None:
    missing = live.post("hpe/ilo-license")
    assert missing.status_code == 409
    assert (
        f"has no iLO licence at {tmp_path / 'License.xml'}"
        in missing.get_json()["error"]["message"]
    )
    licence = tmp_path / "License.xml"
    licence.write_text('<RIBCL VERSION="2.0"><LICENSE KEY="XXXXX"/></RIBCL>\n')
    installed = live.post("hpe/ilo-license")
    assert installed.status_code == 200, installed.get_json()
    assert "Script succeeded" in installed.get_json()["output"]
    assert live.hpe_log.read_text().splitlines()[0] == f"hponcfg -f {licence}"

    over_lan = live.post("hpe/ipmi-over-lan")
    assert over_lan.status_code == 200, over_lan.get_json()
    seen = live.hpe_log.read_text()
    assert "hponcfg -f /run/oci-hponcfg-ipmi-over-lan.xml" in seen
    assert '<IPMI_DCMI_OVER_LAN_ENABLED VALUE="Y"/>' in seen
    assert not Path("/run/oci-hponcfg-ipmi-over-lan.xml").exists()  # removed after
    assert [e.kind for e in live.events("hpe-ipmi-over-lan")] == ["hpe-ipmi-over-lan"]


def test_hponcfg_refused_where_the_quirks_say_no_ilo(
    settings: Settings, admin: Credentials, tmp_path: Path
) -> None:
    sshd_dir = tmp_path / "sshd"
    sshd_dir.mkdir()
    with running_sshd(sshd_dir, settings.ssh_key_file) as (port, host_key):
        app = create_app(settings.model_copy(update={"live_ssh_port": port}))
        client = app.test_client()
        gz = {"Content-Type": "application/gzip"}
        assert client.post("/api/v1/discovery/reports", data=report(host_key), headers=gz)
        refused = client.post(f"/api/v1/machines/{SERIAL}/hpe/ipmi-over-lan", headers=admin.bearer)
        assert refused.status_code == 409
        assert (
            "its BMC quirks entry 'default' has no `hponcfg: true`"
            in refused.get_json()["error"]["message"]
        )
        # No RAID tool on this live system's PATH: the quirks' list is named.
        none = client.post(f"/api/v1/machines/{SERIAL}/raid/reset", headers=admin.bearer)
        assert none.status_code == 409
        assert (
            "looked for storcli64, storcli, megacli, MegaCli64, MegaCli"
            in none.get_json()["error"]["message"]
        )
        app.extensions["oci_engine"].dispose()


def test_ocis_commands_through_ocicli_and_oci_serve(
    database: Database, admin: Credentials, tmp_path: Path
) -> None:
    bin_dir, workdir, sshd_dir = tmp_path / "bin", tmp_path / "server", tmp_path / "sshd"
    for made in (bin_dir, workdir, sshd_dir):
        made.mkdir()
    state, log = tmp_path / "controller.json", tmp_path / "storcli.log"
    _controller(state)
    storcli = bin_dir / "storcli64"
    storcli.write_text(
        STORCLI.format(
            python=sys.executable, state=str(state), log=str(log), fail=str(tmp_path / "no")
        )
    )
    storcli.chmod(0o755)
    key = Settings(database_url=database.url, data_dir=workdir).ssh_key_file
    path = f"{bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin"
    with (
        running_sshd(sshd_dir, key, path=path) as (port, host_key),
        serve(database, workdir, {"OCI_LIVE_SSH_PORT": str(port)}) as server,
    ):
        env = clean_env(tmp_path) | {"OCI_API_URL": server.url, "OCI_API_TOKEN": admin.token}
        cli = ocicli(env)
        uploaded = requests.post(
            server.url + "/api/v1/discovery/reports",
            data=report(host_key),
            headers={"Content-Type": "application/gzip"},
            timeout=30,
        )
        assert uploaded.status_code == 201, uploaded.text
        profiles = TESTS / "fixtures" / "oci-42.2.5" / "hardware-profiles.json"
        assert cli.run("profile-import", str(profiles)).returncode == 0

        # OCI's argument order: SERIAL [PROFILE], "yes"/"no" on stdout.
        checked = cli.run("machine-check-megacli-applied", SERIAL, PROFILE)
        assert checked.returncode == 0 and checked.stdout == "no\n", checked.stderr
        assert "does not fit: volume 0/0 (RAID 0) is not in the profile" in checked.stderr
        assert checked.stderr.startswith(f"profile: {PROFILE}\n")
        # -d after the profile, as OCI takes it: the commands, one a line; none run.
        dry = cli.run("machine-megacli-apply", SERIAL, PROFILE, "-d")
        # The profile used first (found in review: the default was not said).
        assert dry.returncode == 0
        assert dry.stderr == f"profile: {PROFILE}\nok   storcli64 /c0 show J\n"
        planned = dry.stdout.splitlines()
        assert planned[0] == "storcli64 /c0/fall delete" and len(planned) == 10
        assert set(log.read_text().splitlines()) == {"/c0 show J"}

        built = cli.run("machine-megacli-apply", SERIAL, PROFILE, "-f", "json")
        assert built.returncode == 0, built.stderr
        assert json.loads(built.stdout)["status"] == "applied"
        marks = [line.split()[0] for line in built.stderr.splitlines()]
        assert marks == ["profile:"] + ["ok"] * 12  # the profile, read, 10 commands, read back
        assert cli.run("machine-check-megacli-applied", SERIAL, PROFILE).stdout == "yes\n"

        reset = cli.run("machine-megacli-reset-raid", SERIAL, "-f", "json")
        assert reset.returncode == 0 and reset.stderr.count("ok   ") == 9
        cleared = json.loads(reset.stdout)
        assert cleared["status"] == "reset" and cleared["tool"] == "storcli64"
        assert "no hardware profile applied" in cli.fails("machine-megacli-apply", SERIAL)


def test_without_a_profile_named_the_matchers_winner_is_used(live: Live) -> None:
    # Our own profile shape: a hardware RAID 1 of two SSDs, for GIGABYTE machines.
    text = (
        "profiles:\n"
        "  - name: gigabyte-mirror\n    role: compute\n"
        "    match: {manufacturer: ['GIGABYTE*']}\n"
        "    apply:\n      raid: {type: hardware, level: 1,"
        " disks: {kind: ssd, count: 2, size: 200GB..260GB}}\n"
    )
    body = {"text": text, "source": "ours.yaml"}
    imported = live.client.post("/api/v1/profiles/import", json=body, headers=live.headers)
    assert imported.status_code == 200, imported.get_json()
    planned = live.post("raid/apply", {"dry_run": True})
    assert planned.status_code == 200, planned.get_json()
    out = planned.get_json()
    assert out["profile"] == "gigabyte-mirror"
    assert out["planned"][-1] == "storcli64 /c0 add vd type=raid1 drives=32:0,32:1"
