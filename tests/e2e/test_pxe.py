"""DHCP configurations pass the servers' own checks (dnsmasq --test, kea-dhcp4 -t), and
`oci pxe dhcp-config` writes them from our networks. The pure builders (DHCP networks,
the TFTP tree) are in tests/unit/test_pxe_builders.py."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from oci.boot import dhcp
from tests.helpers.commands import Command
from tests.helpers.database import Database

NETWORKS = [
    dhcp.dhcp_network("mgmt-zone1", "192.168.101.0/24"),
    dhcp.dhcp_network("mgmt-zone2", "10.20.0.0/26"),
]
OPTIONS = dhcp.PxeOptions(
    "http://192.168.101.2:8080", ipaddress.IPv4Address("192.168.101.2"), tftp_root="/srv/tftp"
)
needs_dnsmasq = pytest.mark.skipif(shutil.which("dnsmasq") is None, reason="no dnsmasq-base")
needs_kea = pytest.mark.skipif(shutil.which("kea-dhcp4") is None, reason="no kea-dhcp4-server")


def dnsmasq_test(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["dnsmasq", "--test", f"--conf-file={path}"], capture_output=True, text=True, timeout=30
    )


def kea_test(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kea-dhcp4", "-t", str(path)], capture_output=True, text=True, timeout=30
    )


@needs_dnsmasq
def test_dnsmasq_configuration_passes_dnsmasqs_own_check(tmp_path: Path) -> None:
    text = dhcp.dnsmasq_config(NETWORKS, OPTIONS)
    path = tmp_path / "oci.conf"
    path.write_text(text)
    result = dnsmasq_test(path)
    assert result.returncode == 0, result.stderr
    assert "syntax check OK" in result.stderr
    lines = text.splitlines()
    assert "dhcp-userclass=set:ipxe,iPXE" in lines
    assert "dhcp-boot=tag:ipxe,http://192.168.101.2:8080/boot/ipxe" in lines
    assert "dhcp-match=set:uefi,option:client-arch,7" in lines
    assert "dhcp-match=set:uefi,option:client-arch,9" in lines
    assert "dhcp-boot=tag:!ipxe,tag:uefi,ipxe.efi,,192.168.101.2" in lines
    assert "dhcp-boot=tag:!ipxe,tag:!uefi,undionly.kpxe,,192.168.101.2" in lines
    assert "dhcp-range=set:mgmt-zone2,10.20.0.32,10.20.0.62,255.255.255.192,3600" in lines
    assert "dhcp-option=tag:mgmt-zone1,option:router,192.168.101.1" in lines


@needs_dnsmasq
def test_dnsmasqs_check_does_fail_on_a_broken_file(tmp_path: Path) -> None:
    """The check above can fail: a misspelt option is caught."""
    path = tmp_path / "broken.conf"
    path.write_text(dhcp.dnsmasq_config(NETWORKS, OPTIONS).replace("dhcp-range", "dhcp-rnge"))
    result = dnsmasq_test(path)
    assert result.returncode != 0 and "bad option at line 18" in result.stderr


@needs_dnsmasq
def test_secure_boot_sends_uefi_firmware_to_shim(tmp_path: Path) -> None:
    options = dhcp.PxeOptions(OPTIONS.boot_url, OPTIONS.tftp_server, secure_boot=True)
    text = dhcp.dnsmasq_config(NETWORKS, options)
    assert "dhcp-boot=tag:!ipxe,tag:uefi,shimx64.efi,,192.168.101.2" in text.splitlines()
    path = tmp_path / "oci.conf"
    path.write_text(text)
    assert dnsmasq_test(path).returncode == 0


@needs_kea
def test_kea_configuration_passes_keas_own_check(tmp_path: Path) -> None:
    text = dhcp.kea_config(NETWORKS, OPTIONS, lease_file=str(tmp_path / "leases4.csv"))
    path = tmp_path / "kea-dhcp4.conf"
    path.write_text(text)
    result = kea_test(path)
    assert result.returncode == 0, result.stdout + result.stderr
    config = json.loads(text)["Dhcp4"]
    classes = {c["name"]: c for c in config["client-classes"]}
    assert classes["ipxe"]["test"] == "substring(option[77].hex,0,4) == 'iPXE'"
    assert classes["ipxe"]["boot-file-name"] == "http://192.168.101.2:8080/boot/ipxe"
    assert classes["uefi"]["boot-file-name"] == "ipxe.efi"
    assert "option[93].hex == 0x0007" in classes["uefi"]["test"]
    assert classes["bios"]["boot-file-name"] == "undionly.kpxe"
    assert classes["bios"]["next-server"] == "192.168.101.2"
    assert [(s["subnet"], s["pools"]) for s in config["subnet4"]] == [
        ("192.168.101.0/24", [{"pool": "192.168.101.191 - 192.168.101.254"}]),
        ("10.20.0.0/26", [{"pool": "10.20.0.32 - 10.20.0.62"}]),
    ]


@needs_kea
def test_keas_check_does_fail_on_a_broken_file(tmp_path: Path) -> None:
    config = json.loads(dhcp.kea_config(NETWORKS, OPTIONS, lease_file=str(tmp_path / "l.csv")))
    config["Dhcp4"]["subnet4"][0]["pools"][0]["pool"] = "192.168.200.1 - 192.168.200.9"
    path = tmp_path / "broken.conf"
    path.write_text(json.dumps(config))
    result = kea_test(path)
    assert result.returncode != 0


@needs_dnsmasq
@needs_kea
def test_dhcp_config_command_serves_our_networks(database: Database, tmp_path: Path) -> None:
    from oci.enrolment import clusters

    with database.sessions() as session, session.begin():
        clusters.create_swift_region(session, "r1")
        clusters.create_location(session, "z1", "r1")
        clusters.create_network(session, "mgmt", "192.168.101.0", 24, "z1", is_public=False)
        clusters.create_network(session, "pub", "203.0.113.0", 28, "z1", is_public=True)
        clusters.create_network(session, "v6", "2001:db8::", 64, "z1", is_public=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env |= {
        "OCI_DATABASE_URL": database.url,
        "OCI_DATA_DIR": str(tmp_path),
        "OCI_CONFIG": str(tmp_path / "oci.toml"),
    }
    (tmp_path / "oci.toml").write_text('boot_server_url = "http://192.168.101.2:8080"\n')
    oci = Command("oci", env=env, quiet=True)
    text = oci("pxe", "dhcp-config", "--server", "dnsmasq", "--tftp-server", "192.168.101.2")
    assert "dhcp-range=set:mgmt," in text
    assert "set:pub" not in text and "set:v6" not in text
    (tmp_path / "dnsmasq.conf").write_text(text)
    assert dnsmasq_test(tmp_path / "dnsmasq.conf").returncode == 0
    config = json.loads(
        oci("pxe", "dhcp-config", "--server", "kea", "--tftp-server", "192.168.101.2")
    )
    config["Dhcp4"]["lease-database"]["name"] = str(tmp_path / "leases.csv")
    (tmp_path / "kea.conf").write_text(json.dumps(config))
    assert kea_test(tmp_path / "kea.conf").returncode == 0
    unknown = oci.fails(
        "pxe", "dhcp-config", "--server", "kea", "--tftp-server", "10.0.0.1", "--network", "nope"
    )
    assert unknown == "no network named nope"
