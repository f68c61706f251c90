"""The Debian packages (debian/), built, checked by lintian and installed for real.

`scripts/build-deb --lintian` (what `make deb` runs, plus lintian) builds them with
`dpkg-buildpackage -us -uc -b` in a Debian trixie root and runs lintian there; then
they are installed with apt into another throwaway trixie root (scripts/debian-chroot:
an overlay over a cached debootstrap in /var/cache/oci-tests, the packages apt
downloads cached there too). In it, as the packages leave it: `oci db upgrade`, the
server unit's own ExecStart on a loopback port (no systemd in the root), a user, and
`ocicli` from the ocicli package against it. Removing leaves only conffiles and data;
purging leaves only data, and the data too when asked.

Needs root, debootstrap, overlayfs and the Debian mirror of this machine's apt. The
first run makes the two roots (about 3 minutes); later runs take about 2 minutes.
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers.paths import REPO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="chroot and mounts need root"),
    pytest.mark.skipif(shutil.which("debootstrap") is None, reason="no debootstrap"),
]

RELEASE = "trixie"
PACKAGES = ("python3-oci", "oci-server", "ocicli", "oci-puppet-enc", "oci-live-agent")
OUR_NAMES = set(PACKAGES)
# Paths that change under any package operation, whoever owns them.
VOLATILE = (
    "/proc/",
    "/dev/",
    "/sys/",
    "/run/",
    "/tmp/",
    "/var/cache/",
    "/var/lib/apt/",
    "/var/lib/dpkg/",
    "/var/log/apt/",
    "/var/log/dpkg.log",
    "/var/log/alternatives.log",
    "/etc/ld.so.cache",
    "/etc/passwd-",
    "/etc/group-",
    "/etc/shadow-",
    "/etc/gshadow-",
)
# deb-systemd-helper masks a removed package's units until it is purged, and keeps
# its state under /var/lib/systemd: debhelper's way, not our files.
SYSTEMD_HELPER_STATE = ("/etc/systemd/system/", "/var/lib/systemd/deb-systemd-")


@dataclass(frozen=True)
class Built:
    debs: dict[str, Path]
    lintian: str


@pytest.fixture(scope="module")
def built() -> Built:
    result = subprocess.run(
        [REPO / "scripts" / "build-deb", "--lintian"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        stdin=subprocess.DEVNULL,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    debs = {name: REPO / "build" / f"{name}_{version()}_all.deb" for name in PACKAGES}
    assert all(deb.exists() for deb in debs.values()), output[-3000:]
    lintian = output.split("dpkg-buildpackage: info: binary-only upload")[-1]
    return Built(debs, lintian)


def version() -> str:
    first = (REPO / "debian" / "changelog").read_text().split("\n", 1)[0]
    match = re.match(r"oci \((.+?)\)", first)
    assert match
    return match.group(1)


class Root:
    """A throwaway trixie root; commands run in it by chroot, with a clean environment."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(
        self, *argv: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["chroot", str(self.path), "env", "-i", *self.env(env), *argv],
            capture_output=True,
            text=True,
            timeout=900,
            stdin=subprocess.DEVNULL,
        )
        if check:
            assert result.returncode == 0, f"{argv}: {result.stdout[-3000:]}{result.stderr}"
        return result

    @staticmethod
    def env(extra: dict[str, str] | None) -> list[str]:
        base = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "DEBIAN_FRONTEND": "noninteractive",
        }
        return [f"{key}={value}" for key, value in {**base, **(extra or {})}.items()]

    def files(self) -> set[str]:
        """Every path in the root but the volatile ones."""
        listing = self.run("find", "/", "-xdev").stdout.split("\n")
        return {path for path in listing if path and not path.startswith(VOLATILE)}

    def read(self, path: str) -> str:
        return (self.path / path.lstrip("/")).read_text()


@pytest.fixture(scope="module")
def root(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Root]:
    path = tmp_path_factory.mktemp("debian") / "root"
    script = str(REPO / "scripts" / "debian-chroot")
    mounted = subprocess.run(
        [script, "mount", RELEASE, str(path)], capture_output=True, text=True, timeout=1800
    )
    try:
        assert mounted.returncode == 0, mounted.stderr
        (path / "debs").mkdir()
        for deb in built.debs.values():
            shutil.copy(deb, path / "debs")
        yield Root(path)
    finally:
        subprocess.run([script, "umount", str(path)], check=False)


def dependencies(root: Root) -> list[str]:
    """The packages' Depends, ours left out; the first of each alternative."""
    names: set[str] = set()
    for name in PACKAGES:
        depends = root.run("dpkg-deb", "-f", f"/debs/{name}_{version()}_all.deb", "Depends")
        for item in depends.stdout.split(","):
            first = item.split("|")[0].strip().split(" ")[0].split(":")[0]
            if first and first not in OUR_NAMES:
                names.add(first)
    return sorted(names)


@pytest.fixture(scope="module")
def installed(root: Root) -> tuple[Root, set[str]]:
    """The packages installed by apt; also the root's files before them (after their
    dependencies), to tell what the packages leave behind."""
    root.run("apt-get", "install", "-y", "-q", "--no-install-recommends", *dependencies(root))
    before = root.files()
    debs = [f"/debs/{name}_{version()}_all.deb" for name in PACKAGES]
    root.run("apt-get", "install", "-y", "-q", "--no-install-recommends", *debs)
    return root, before


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unit_command(root: Root) -> tuple[list[str], str, dict[str, str]]:
    """ExecStart, User and Environment of the installed oci-api.service."""
    unit = root.read("/usr/lib/systemd/system/oci-api.service")
    values = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0] != "#"
    )
    environment = dict(item.split("=", 1) for item in shlex.split(values["Environment"]))
    return shlex.split(values["ExecStart"]), values["User"], environment


def test_lintian_reports_no_error_and_no_warning(built: Built) -> None:
    tags = [line for line in built.lintian.splitlines() if re.match(r"[EW]: ", line)]
    assert tags == []


def test_ocicli_needs_neither_the_server_nor_a_database(built: Built) -> None:
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(built.debs["ocicli"]), "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "python3-oci" not in fields
    assert "sqlalchemy" not in fields
    agent = subprocess.run(
        ["dpkg-deb", "-f", str(built.debs["oci-live-agent"]), "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "python" not in agent


def test_installed_server_serves_and_ocicli_drives_it(installed: tuple[Root, set[str]]) -> None:
    root, _ = installed
    # The post-install made the user and the schema; running the upgrade again is a no-op.
    assert "oci:" in root.read("/etc/passwd")
    assert (root.path / "var/lib/oci").stat().st_mode & 0o777 == 0o750
    root.run("runuser", "-u", "oci", "--", "oci", "db", "upgrade")
    current = root.run("runuser", "-u", "oci", "--", "oci", "db", "current").stdout
    revisions = dict(line.split(": ", 1) for line in current.splitlines())
    assert revisions["current"] == revisions["head"], current

    argv, user, environment = unit_command(root)
    assert argv == ["/usr/bin/oci", "serve"]
    port = free_port()
    server = subprocess.Popen(
        [
            "chroot",
            str(root.path),
            "env",
            "-i",
            *root.env({**environment, "OCI_LISTEN_PORT": str(port)}),
            "runuser",
            "-u",
            user,
            "--",
            *argv,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                if requests.get(f"{url}/api/v1/openapi.json", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "oci serve did not answer within 60 s"
            time.sleep(0.5)

        added = root.run(
            "runuser",
            "-u",
            "oci",
            "--",
            "oci",
            "user",
            "add",
            "alice",
            "--admin",
            "--token",
            env={"OCI_PASSWORD": "correct horse battery staple"},
        )
        token = re.search(r"API token \(shown once, store it now\): (\S+)", added.stdout)
        assert token, added.stdout
        client = {"OCI_API_URL": url, "OCI_API_TOKEN": token.group(1)}
        assert root.run("dpkg", "-S", "/usr/bin/ocicli").stdout.startswith("ocicli:")
        root.run("ocicli", "swift-region-create", "region1", env=client)
        listed = root.run("ocicli", "swift-region-list", env=client).stdout
        assert "region1" in listed
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_man_pages_and_completion_follow_the_commands(installed: tuple[Root, set[str]]) -> None:
    root, _ = installed
    help_text = root.run("ocicli", "--help").stdout
    commands = re.findall(r"^  ([a-z][a-z0-9-]+)  ", help_text, re.MULTILINE)
    assert "machine-list" in commands
    page = gzip.decompress((root.path / "usr/share/man/man1/ocicli.1.gz").read_bytes()).decode()
    missing = [name for name in commands if f"ocicli {name}".replace("-", "\\-") not in page]
    assert missing == []
    for page_path in ("man1/oci.1.gz", "man1/oci-puppet-enc.1.gz", "man8/oci-agent.8.gz"):
        assert (root.path / "usr/share/man" / page_path).exists()
    assert "_ocicli_completion" in root.read("/usr/share/bash-completion/completions/ocicli")
    agent = root.run("oci-agent", "--help").stdout
    assert agent.startswith("Usage: oci-agent")


def test_remove_leaves_conffiles_and_data_and_purge_data_only(
    installed: tuple[Root, set[str]],
) -> None:
    root, before = installed
    conffiles = {
        line.split()[0]
        for name in PACKAGES
        for line in root.run("dpkg-query", "-W", "-f=${Conffiles}\n", name).stdout.splitlines()
        if line.strip()
    }
    assert "/etc/oci/oci.toml" in conffiles
    data = ("/var/lib/oci", "/var/log/oci")

    def left(extra_allowed: tuple[str, ...]) -> list[str]:
        allowed = tuple(data) + extra_allowed
        return sorted(
            path
            for path in root.files() - before
            if path not in conffiles
            and not path.startswith(allowed)
            and not any(conffile.startswith(path + "/") for conffile in conffiles)
        )

    root.run("apt-get", "remove", "-y", "-q", *PACKAGES)
    assert left(SYSTEMD_HELPER_STATE) == []
    assert (root.path / "etc/oci/oci.toml").exists()
    assert (root.path / "var/lib/oci").is_dir()

    # dpkg: apt no longer knows the packages removed whole (no conffiles).
    purged = root.run("dpkg", "--purge", *PACKAGES)
    assert "/var/lib/oci (database, keys) kept" in purged.stderr
    assert left(("/var/lib/oci",)) == []
    assert not (root.path / "etc/oci").exists()
    assert not (root.path / "var/log/oci").exists()
    assert (root.path / "var/lib/oci").is_dir()

    # The data goes only when asked.
    server_debs = [f"/debs/{name}_{version()}_all.deb" for name in PACKAGES[:3]]
    root.run("apt-get", "install", "-y", "-q", "--no-install-recommends", *server_debs)
    root.run("dpkg", "--purge", "oci-server", env={"OCI_PURGE_DATA": "yes"})
    assert not (root.path / "var/lib/oci").exists()
