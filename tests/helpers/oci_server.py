"""OCI 42.2.5's own server, run from its Debian packages, on a MariaDB database of the test's own.

The packages (`openstack-cluster-installer`, `-cli`, `-common`) are fetched once
with ``apt-get download`` and extracted under /var/cache/oci-tests/oci-42.2.5/.
The PHP hard-codes /etc/openstack-cluster-installer, /usr/share/openstack-cluster-installer
and /var/lib/oci: a private mount namespace (``unshare -m``) overlays them without
touching the host. ``php -S`` serves a docroot whose ``oci/`` is the server
directory; OCI lets 127.0.0.1 in without a login. Its database is made by its own
``db_sync.php``. ``ocicli`` (OCI's bash client) runs in the same namespace
(``nsenter``), so it finds OCI's variables.json where OCI's package puts it.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql  # type: ignore[import-untyped]

CACHE = Path("/var/cache/oci-tests/oci-42.2.5")
PACKAGES = (
    "openstack-cluster-installer",
    "openstack-cluster-installer-cli",
    "openstack-cluster-installer-common",
)
SERVER_DIR = "usr/share/openstack-cluster-installer"
# Programs the PHP server and ocicli run (scripts/apt-packages installs them).
TOOLS = ("php", "ipcalc", "unshare", "nsenter", "jq", "curl", "column")
MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def mariadb_reachable() -> str | None:
    try:
        pymysql.connect(**MARIADB, connect_timeout=3).close()
    except pymysql.MySQLError as exc:
        return f"MariaDB at 127.0.0.1:3306 not reachable: {exc}"
    return None


def extracted() -> Path:
    """The packages' files, extracted once into the cache (the tree's root)."""
    tree = CACHE / "tree"
    if (tree / SERVER_DIR / "api.php").exists() and (tree / "usr/bin/ocicli").exists():
        return tree
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        subprocess.run(
            ["apt-get", "download", *PACKAGES], cwd=scratch, check=True, capture_output=True
        )
        staging = Path(scratch, "tree")
        for deb in sorted(Path(scratch).glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], check=True)
        if tree.exists():
            shutil.rmtree(tree)
        staging.rename(tree)
    return tree


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _configuration(template: str, database_url: str) -> str:
    """OCI's shipped configuration pointed at our database and trusting loopback only."""
    replaced = re.sub(
        r"(?m)^connection=.*$", lambda _m: f"connection={database_url}", template, count=1
    )
    return re.sub(r"(?m)^TRUSTED_NETWORKS=.*$", "TRUSTED_NETWORKS=127.0.0.0/8", replaced, count=1)


# The mounts, as a script run by `unshare -m` with its paths as arguments (never
# text built from data): $1 etc overlay, $2 share overlay, $3/$4/$5 /var/lib
# upper and work dirs, then the command to exec.
_NAMESPACE_SCRIPT = r"""
set -e
etc_extra=$1 share_extra=$2 var_upper=$3 var_work=$4
shift 4
mount -t overlay overlay -o "lowerdir=$etc_extra:/etc" /etc
mount -t overlay overlay -o "lowerdir=$share_extra:/usr/share" /usr/share
mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$var_upper,workdir=$var_work" /var/lib
mkdir -p /var/lib/oci/ssl/slave-nodes /var/lib/oci/ssl/ca
exec "$@"
"""


@dataclass
class OciServer:
    """A running OCI server: its URL, database and namespace."""

    url: str  # http://127.0.0.1:PORT/oci/
    database: str  # MariaDB database name
    pid: int  # the PHP server, inside the namespace
    workdir: Path
    tree: Path

    @property
    def database_url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:3306/{self.database}?charset=utf8mb4"

    @property
    def api_url(self) -> str:
        return f"{self.url}api.php?"

    def in_namespace(self, *command: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run ``command`` in the server's mount namespace."""
        return subprocess.run(
            ["nsenter", f"--target={self.pid}", "--mount", "--", *command],
            text=True,
            capture_output=True,
            **kwargs,
        )

    def ocicli(self, *args: str, check: bool = True) -> str:
        """OCI's own ocicli with ``-csv`` (without it, ocicli pipes through csvkit's csvlook)."""
        env = {"PATH": "/usr/bin:/bin", "OCI_API_URL": self.api_url, "HOME": str(self.workdir)}
        done = self.in_namespace(
            "/bin/bash", str(self.tree / "usr/bin/ocicli"), "-csv", *args, env=env, timeout=120
        )
        if check and (done.returncode != 0 or "Could not query API" in done.stdout):
            raise AssertionError(
                f"ocicli {' '.join(args)}: rc={done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def report(self, document: dict[str, Any]) -> tuple[int, str]:
        """POST one agent report as OCI's live image does."""
        request = urllib.request.Request(
            f"{self.url}report.php",
            data=json.dumps(document).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def query(self, sql: str, *params: object) -> list[dict[str, Any]]:
        """Rows of OCI's database (``sql`` is a constant of the test; values bound)."""
        connection = pymysql.connect(
            **MARIADB,
            database=self.database,
            cursorclass=pymysql.cursors.DictCursor,
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = list(cursor.fetchall())
            connection.commit()
            return rows
        finally:
            connection.close()


def _admin(statement: str) -> None:
    connection = pymysql.connect(**MARIADB)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@contextmanager
def running_oci(workdir: Path) -> Iterator[OciServer]:
    """OCI's server on a fresh database; the database is dropped afterwards."""
    tree = extracted()
    database = f"oci_import_{secrets.token_hex(4)}"  # [a-z0-9_] only: safe as an identifier
    etc_extra = workdir / "etc"
    conf_dir = etc_extra / "openstack-cluster-installer"
    shutil.copytree(tree / "etc/openstack-cluster-installer", conf_dir)
    conf = conf_dir / "openstack-cluster-installer.conf"
    url = f"mysql+pymysql://root:@127.0.0.1:3306/{database}"
    conf.write_text(_configuration(conf.read_text(), url))
    share_extra = workdir / "share"
    share_extra.mkdir()
    (share_extra / "openstack-cluster-installer").symlink_to(tree / SERVER_DIR)
    (workdir / "var-upper").mkdir()
    (workdir / "var-work").mkdir()
    docroot = workdir / "docroot"
    docroot.mkdir()
    (docroot / "oci").symlink_to("/usr/share/openstack-cluster-installer")
    mounts = [
        "unshare",
        "--mount",
        "--propagation=private",
        "--",
        "/bin/sh",
        "-c",
        _NAMESPACE_SCRIPT,
        "oci-namespace",
        str(etc_extra),
        str(share_extra),
        str(workdir / "var-upper"),
        str(workdir / "var-work"),
    ]
    _admin(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    sync = subprocess.run(
        [*mounts, "php", "db_sync.php"],
        cwd=tree / SERVER_DIR,
        text=True,
        capture_output=True,
        timeout=120,
    )
    if sync.returncode != 0:
        _admin(f"DROP DATABASE `{database}`")
        raise RuntimeError(f"OCI's db_sync.php failed:\n{sync.stdout}\n{sync.stderr}")
    port = _free_port()
    log = (workdir / "php.log").open("wb")
    process = subprocess.Popen(
        [*mounts, "php", "-S", f"127.0.0.1:{port}", "-t", str(docroot)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    server = OciServer(f"http://127.0.0.1:{port}/oci/", database, process.pid, workdir, tree)
    try:
        _wait_for(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        _admin(f"DROP DATABASE IF EXISTS `{database}`")


def _wait_for(server: OciServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"php -S exited: {(server.workdir / 'php.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{server.api_url}action=swiftregion_list", timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError("OCI's server did not answer within 30 s")


def agent_report(
    serial: str,
    macs: list[str],
    *,
    memory_mb: int = 65536,
    product: str = "PowerEdge R640",
    disks: int = 2,
) -> dict[str, Any]:
    """A report in OCI's agent format (all values strings, as its agent sends)."""
    return {
        "machine": [
            {
                "serial": serial,
                "productname": product,
                "system_manufacturer": "Dell Inc.",
                "ladvd_report": "none",
                "bios_version": "2.19.1",
                "dell_lifecycle_version": "none",
                "ipmi_firmware_version": "7.00.00",
                "ipmi_detected_ip": "10.9.0.1",
                "use_oci_sort_dev": "no",
                "cpu_vendor": "GenuineIntel",
                "cpu_model_name": "Intel Xeon Gold 6230",
                "cpu_mhz": "2100.000",
                "cpu_threads": "80",
                "cpu_core_per_socket": "20",
                "cpu_sockets": "2",
                "boot_uefi": "yes",
                "secure_boot": "no",
            }
        ],
        "memory": [{"size": str(memory_mb)}],
        "blockdevices": [
            {"name": f"sd{chr(ord('a') + i)}", "size": str(480 * 1024**3)} for i in range(disks)
        ],
        # megacli's drives behind the MegaRAID (report.php allows no comma in a state)
        "phys-blockdevices": [
            {
                "slot": str(slot),
                "model": "MZ7LH960HAJR",
                "serial": f"S45N{serial}{slot}",
                "size": str(960197124096),
                "state": "Online",
            }
            for slot in range(2)
        ],
        "blkdev_ctrl": [
            {
                "hwid": "0000:18:00.0",
                "vendor": "Broadcom",
                "product": "PERC H730P Mini",
                "ctrl_type": "LSI-raid",  # OCI's agent's name of a MegaRAID
                "firmware_version": "25.5.9.0001",
            }
        ],
        "interfaces": [
            {
                "name": f"eth{i}",
                "macaddr": mac,
                "max_speed": "10000",
                "switch_hostname": "dc1-a1-1",
                "switchport_name": f"Ethernet{i + 1}",
                "firmware_version": "22.31.6",
                "driver": "i40e",
            }
            for i, mac in enumerate(macs)
        ],
    }
