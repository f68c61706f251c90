"""``oci lab``: start a private server with an example cluster, use it with ocicli, stop it."""

from __future__ import annotations

import errno
import json
import os
import shlex
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.lab import read_env_file
from tests.helpers.server import free_port

BIN = Path(sys.executable).parent


def run(
    command: str, *args: str, env: dict[str, str], timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}: {result.stdout}{result.stderr}"
    return result.stdout


def process_group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``: the server and its workers."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError as exc:
            assert exc.errno == errno.ECONNREFUSED, exc
            return False
        return True


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_lab_up_use_down(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env["HOME"] = str(tmp_path)  # no ocicli.toml of the user's
    try:
        welcome = ok(run("oci", "lab", "up", "--dir", str(lab), "--port", str(port), env=env))
        assert "created cluster cl1" in welcome
        assert "The oci lab is running." in welcome
        assert f"source {lab / 'env'}" in welcome
        assert f"oci lab down --dir {lab}" in welcome

        env_file = lab / "env"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        values = read_env_file(env_file)
        assert values["OCI_API_URL"] == f"http://127.0.0.1:{port}"
        assert values["OCI_API_TOKEN"].startswith("oci_")
        # No password in the env file: `oci user add` would take it from OCI_PASSWORD.
        assert "OCI_PASSWORD" not in values and "OCI_LOGIN" not in values
        # ... and `oci` acts on the lab's own database once the file is sourced.
        listed = run("oci", "user", "list", env=env | values)
        assert (listed.returncode, listed.stdout.split("\t")[0]) == (0, "admin"), listed.stderr
        password_file = lab / "admin-password"
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
        basic = run(
            "ocicli",
            "--login",
            "admin",
            "--password",
            password_file.read_text().strip(),
            "cluster-list",
            "-f",
            "value",
            "-c",
            "name",
            env={k: v for k, v in (env | values).items() if k != "OCI_API_TOKEN"},
        )
        assert (basic.returncode, basic.stdout) == (0, "cl1\n"), basic.stderr

        user = env | values

        def ocicli_json(*args: str) -> list[dict[str, Any]]:
            return json.loads(ok(run("ocicli", *args, "-f", "json", env=user)))

        assert [(c["name"], c["domain"]) for c in ocicli_json("cluster-list")] == [
            ("cl1", "example.com")
        ]
        assert [
            (loc["name"], loc["swift_region"]["name"]) for loc in ocicli_json("location-list")
        ] == [
            ("zone1", "region1"),
            ("zone2", "region1"),
        ]
        networks = {n["name"]: n for n in ocicli_json("network-list")}
        assert sorted(networks) == ["mgmt-zone1", "mgmt-zone2", "public"]
        assert networks["mgmt-zone1"]["cidr"] == "192.168.101.0/24"
        assert networks["public"]["is_public"] is True
        assert networks["mgmt-zone2"]["location"]["name"] == "zone2"
        assert [(n["name"], n["role"]) for n in ocicli_json("cluster-show-networks", "cl1")] == [
            ("mgmt-zone1", "all"),
            ("mgmt-zone2", "all"),
            ("public", "controller"),
        ]
        ips = ocicli_json("cluster-show-ips", "cl1")
        # The public network holds the API VIP; no machine takes an address there.
        assert [(i["address"], i["purpose"], i["vip_usage"]) for i in ips] == [
            ("203.0.113.2", "vip", "api")
        ]
        assert ocicli_json("machine-list") == []
        # The server reads the lab's profiles file (hands-free enrolment, oci/lab/enrol.py).
        profiles_file = lab / "profiles" / "lab.yaml"
        assert f"hardware profiles and switch rules: {profiles_file};" in welcome
        assert sorted(
            (p["name"], p["role"], p["cluster"], p["source"], p["read_only"])
            for p in ocicli_json("profile-list")
        ) == [
            ("lab-compute", "compute", "cl1", str(profiles_file), True),
            ("lab-controller", "controller", "cl1", str(profiles_file), True),
        ]
        config = (lab / "oci.toml").read_text()
        assert "auto_apply_after = 1\nauto_add_after = 1\n" in config

        # The real thing: `source` the file in a shell whose PATH lacks the venv.
        script = (
            f"source {shlex.quote(str(env_file))} && ocicli cluster-show cl1 -f value -c domain"
        )
        shell = subprocess.run(
            ["bash", "-c", script],
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (shell.returncode, shell.stdout, shell.stderr) == (0, "example.com\n", "")

        pid = int((lab / "server.pid").read_text())
        status = ok(run("oci", "lab", "status", "--dir", str(lab), env=env))
        assert status == f"the lab server runs (pid {pid}) at http://127.0.0.1:{port}\n"

        again = run("oci", "lab", "up", "--dir", str(lab), "--port", str(port), env=env)
        assert again.returncode == 1
        assert again.stderr == f"Error: the lab already runs (pid {pid}); `oci lab down` first\n"
        assert len(process_group_members(pid)) >= 2  # the server and its workers

        assert ok(run("oci", "lab", "down", "--dir", str(lab), env=env)) == (
            f"stopped the lab server (pid {pid})\n"
        )
        # Nothing of it runs; a zombie waiting for init to reap it does not count.
        assert process_group_members(pid) == []
        assert not listening(port)
        assert not (lab / "server.pid").exists()
        stopped = run("oci", "lab", "status", "--dir", str(lab), env=env)
        assert (stopped.returncode, stopped.stdout) == (1, "the lab is not running\n")
        assert ok(run("oci", "lab", "down", "--dir", str(lab), env=env)) == (
            "the lab is not running\n"
        )

        # Up again on another port: the data and the credentials stay, the env file follows.
        port2 = free_port()
        first_log = (lab / "server.log").read_text()
        assert f"Listening at: http://127.0.0.1:{port} (" in first_log
        edited = profiles_file.read_text() + "# the operator's edit\n"
        profiles_file.write_text(edited)
        welcome = ok(run("oci", "lab", "up", "--dir", str(lab), "--port", str(port2), env=env))
        assert "kept cluster cl1 (already there)" in welcome
        assert "kept network public attached (already there)" in welcome
        assert f"{profiles_file} (kept: already there)" in welcome
        assert profiles_file.read_text() == edited
        # A new server log (the progress shown reads it); the last one beside it.
        assert (lab / "server.log.1").read_text() == first_log
        second_log = (lab / "server.log").read_text()
        assert f"Listening at: http://127.0.0.1:{port2} (" in second_log
        assert f"http://127.0.0.1:{port} (" not in second_log
        values2 = read_env_file(env_file)
        assert values2["OCI_API_URL"] == f"http://127.0.0.1:{port2}"
        assert values2["OCI_API_TOKEN"] == values["OCI_API_TOKEN"]
        assert ok(
            run("ocicli", "cluster-list", "-f", "value", "-c", "name", env=env | values2)
        ) == ("cl1\n")
    finally:
        run("oci", "lab", "down", "--dir", str(lab), env=env)
