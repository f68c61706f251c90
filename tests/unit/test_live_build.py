"""live-build/: the discovery image's configuration, and `oci live-image build` short of building.

The real build takes minutes and downloads from the Debian archive: it is
run by hand (`oci live-image build`), never by the suite. What is checked
here is what the build is made of and what the command prepares; shellcheck on its
scripts and the command's dry run are in tests/e2e/test_live_image_build.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from oci.boot import live_image
from tests.helpers.paths import REPO

CONFIG = live_image.config_source()


def read(relative: str) -> str:
    return (CONFIG / relative).read_text()


def test_the_configuration_ships_in_the_package() -> None:
    assert (CONFIG / "auto" / "config").is_file()
    assert Path(CONFIG).resolve() == (REPO / "live-build").resolve()


def test_lb_config_makes_a_netboot_image_with_a_serial_console() -> None:
    config = read("auto/config")
    for flag in [
        "--binary-images netboot",
        "--debian-installer none",
        "--apt-recommends false",
        "--chroot-squashfs-compression-type zstd",
    ]:
        assert flag in config, flag
    assert "console=ttyS0,115200n8" in config


def test_the_image_has_every_tool_the_agent_runs() -> None:
    packages = {
        line.strip()
        for line in read("config/package-lists/oci.list.chroot").splitlines()
        if line.strip() and not line.startswith("#")
    }
    # the agent's tools -> the Debian package that ships each
    tools = {
        "dmidecode": "dmidecode",
        "lspci": "pciutils",
        "lsblk": "util-linux",
        "nvme": "nvme-cli",
        "ip": "iproute2",
        "lldpctl": "lldpd",
        "ipmitool": "ipmitool",
        "lscpu": "util-linux",
        "ethtool": "ethtool",
        "curl": "curl",
    }
    agent = REPO / "oci" / "agent" / "oci-agent"
    for tool in ["dmidecode", "lspci", "lsblk", "nvme", "lldpctl", "ipmitool", "lscpu", "ethtool"]:
        assert re.search(rf"\b{tool}\b", agent.read_text()), tool
    assert set(tools.values()) <= packages
    assert {"live-boot", "openssh-server", "linux-image-amd64", "pci.ids"} <= packages


def test_the_image_has_every_tool_the_installer_needs() -> None:
    packages = {
        line.strip()
        for line in read("config/package-lists/oci.list.chroot").splitlines()
        if line.strip() and not line.startswith("#")
    }
    script = (REPO / "oci" / "install" / "oci-install").read_text()
    needed = {
        tool
        for tools in re.findall(r"^\s*(?:\[.*\] \|\| )?need ([a-z0-9. ]+)$", script, re.M)
        for tool in tools.split()
    }
    # each tool -> the Debian package that ships it
    provider = {
        "chroot": "coreutils",
        "install": "coreutils",
        "debootstrap": "debootstrap",
        "sgdisk": "gdisk",
        "partx": "util-linux",
        "wipefs": "util-linux",
        "blkid": "util-linux",
        "losetup": "util-linux",
        "mkfs.ext4": "e2fsprogs",
        "mdadm": "mdadm",
        "mkfs.vfat": "dosfstools",
    }
    assert needed == set(provider)
    essential = {"coreutils"}  # in every Debian system
    assert set(provider.values()) - essential <= packages


def test_the_agent_lldpd_and_ssh_start_at_boot() -> None:
    unit = read("config/includes.chroot/etc/systemd/system/oci-agent.service")
    assert "ExecStart=/usr/local/bin/oci-agent\n" in unit
    assert "WantedBy=multi-user.target" in unit and "Restart=always" in unit
    hook = read("config/hooks/normal/9000-oci-agent.hook.chroot")
    assert "systemctl enable oci-agent.service ssh.service lldpd.service" in hook
    sshd = read("config/includes.chroot/etc/ssh/sshd_config.d/oci.conf")
    assert "PasswordAuthentication no" in sshd


def test_prepare_adds_the_agent_and_the_operators_keys(tmp_path: Path) -> None:
    key = tmp_path / "id.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx operator@example\n")
    agent = REPO / "oci" / "agent" / "oci-agent"
    work = live_image.prepare(tmp_path / "work", agent, [key])
    includes = work / "config" / "includes.chroot"
    installed = includes / "usr/local/bin/oci-agent"
    assert installed.read_bytes() == agent.read_bytes() and os.access(installed, os.X_OK)
    keys = includes / "root/.ssh/authorized_keys"
    assert keys.read_text() == key.read_text()
    assert oct(keys.stat().st_mode & 0o777) == "0o600"
    assert os.access(work / "auto" / "config", os.X_OK)
    # a second prepare replaces the configuration and keeps the cache
    (work / "cache").mkdir()
    (work / "cache" / "kept").write_text("x")
    live_image.prepare(work, agent, [])
    assert (work / "cache" / "kept").exists() and not keys.exists()


def test_prepare_with_the_agent_package_lets_live_build_install_it(tmp_path: Path) -> None:
    deb = tmp_path / "oci-live-agent_0.1.0_all.deb"
    deb.write_bytes(b"!<arch>\n")
    agent = REPO / "oci" / "agent" / "oci-agent"
    work = live_image.prepare(tmp_path / "work", agent, [], deb)
    # live-build installs config/packages.chroot/*_all.deb, with their dependencies.
    assert (work / "config/packages.chroot" / deb.name).read_bytes() == deb.read_bytes()
    includes = work / "config" / "includes.chroot"
    assert not (includes / "usr/local/bin/oci-agent").exists()
    # The package's own unit (/usr/lib/systemd/system) is not overridden.
    assert not (includes / "etc/systemd/system/oci-agent.service").exists()


def test_the_packaged_unit_is_the_live_builds_but_for_the_agents_path() -> None:
    packaged = (REPO / "debian" / "oci-live-agent.oci-agent.service").read_text()
    live = read("config/includes.chroot/etc/systemd/system/oci-agent.service")
    assert packaged.replace("/usr/sbin/oci-agent", "/usr/local/bin/oci-agent") == live


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("P: Begin bootstrapping system...\n", "Begin bootstrapping system..."),
        ("E: An unexpected failure occurred\n", "An unexpected failure occurred"),
        ("Get:1 http://deb.debian.org/debian bookworm InRelease\n", None),
    ],
)
def test_progress_shows_live_builds_stages(line, shown) -> None:
    assert live_image.stage_of(line) == shown
