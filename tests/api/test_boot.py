"""The boot service: iPXE scripts and grub.cfg by machine state, safe against crafted input.

The pure decisions (state to action, parameters, templates) are in
tests/unit/test_boot_decisions.py."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from oci.api.app import create_app
from oci.config import Settings
from oci.models import MachineStatus
from tests.helpers import factories

MAC = "52:54:00:12:34:56"


def factory_mac(serial: str) -> str:
    """The MAC tests/helpers/factories.py gives a machine's eno1."""
    suffix = ":".join(f"{b:02x}" for b in zlib.crc32(serial.encode()).to_bytes(4)[1:])
    return f"00:1b:21:{suffix}"


def script(client: FlaskClient, **params) -> str:
    response = client.get("/boot/ipxe", query_string=params)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


# --- the routes ---------------------------------------------------------------


def test_without_parameters_the_script_asks_again_with_the_machines_settings(
    client: FlaskClient,
) -> None:
    text = script(client)
    assert text.startswith("#!ipxe\n")
    assert (
        "chain --timeout 60000 http://localhost/boot/ipxe?mac=${netX/mac:hexhyp}&uuid=${uuid}"
        "&serial=${serial:uristring}&buildarch=${buildarch}&platform=${platform} || goto failed"
    ) in text
    assert "sleep 5\ngoto chain" in text  # the retry loop
    # A machine's script that comes back (UEFI "local disk" exits) ends this one
    # too, so the firmware goes on to the disk instead of the retry loop (seen
    # in the lab: an installed UEFI machine asked for its script for ever).
    after_chain = text.split("|| goto failed\n", 1)[1]
    assert after_chain.index("\nexit 0\n") < after_chain.index(":failed\n")


def test_an_unknown_machine_boots_the_live_image(client: FlaskClient) -> None:
    text = script(client, mac=MAC.replace(":", "-"), platform="pcbios", buildarch="x86_64")
    assert "(unknown machine)" in text
    kernel = next(line for line in text.splitlines() if line.startswith("kernel "))
    assert kernel.split() == [
        "kernel",
        "--timeout",
        "60000",
        "http://localhost/boot/files/vmlinuz",
        "boot=live",
        "components",
        "console=tty0",
        "console=ttyS0,115200n8",
        "oci.server=http://localhost",
        "BOOTIF=01-52-54-00-12-34-56",
        "||",
        "goto",
        "kernel_failed",
    ]
    assert (
        "initrd --timeout 60000 --name initrd.img http://localhost/boot/files/initrd.img"
        " || goto initrd_failed"
    ) in text
    # every fetch has a retry loop
    for label, target in [("kernel_failed", "kernel"), ("initrd_failed", "initrd")]:
        assert f":{label}\n" in text and f"sleep 5\ngoto {target}\n" in text


def test_uefi_needs_the_initrd_named_on_the_kernel_line(client: FlaskClient) -> None:
    text = script(client, mac=MAC, platform="efi")
    kernel = next(line for line in text.splitlines() if line.startswith("kernel "))
    assert "http://localhost/boot/files/vmlinuz initrd=initrd.img boot=live" in kernel


def test_the_squashfs_is_fetched_when_the_image_has_one(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    directory = settings.effective_live_image_dir
    directory.mkdir(parents=True)
    assert "fetch=" not in script(client, mac=MAC)  # the lab's initramfs: no squashfs
    (directory / "filesystem.squashfs").write_bytes(b"hsqs")
    assert "fetch=http://localhost/boot/files/filesystem.squashfs" in script(client, mac=MAC)


@pytest.mark.parametrize(
    ("status", "platform", "expected", "absent"),
    [
        (MachineStatus.INSTALLED, "pcbios", "sanboot --no-describe --drive 0x80", "kernel "),
        (MachineStatus.PUPPET_SUCCESS, "efi", "\nexit\n", "kernel "),
        (MachineStatus.FIRSTBOOT, "efi", "\nexit\n", "sanboot"),
        (MachineStatus.INSTALLING, "pcbios", "kernel --timeout", "sanboot"),
        (MachineStatus.LIVE, "efi", "kernel --timeout", "sanboot"),
    ],
)
def test_a_known_machine_boots_what_its_state_says(
    client: FlaskClient, session: Session, status, platform, expected, absent
) -> None:
    row = factories.machine(session, "SRV1", status=status, system_uuid=None)
    session.commit()
    by_mac = script(client, mac=factory_mac("SRV1"), platform=platform)
    assert f"state {status}" in by_mac and f"machine {row.id}" in by_mac
    assert expected in by_mac and absent not in by_mac
    by_serial = script(client, mac=MAC, serial="SRV1", platform=platform)
    assert f"machine {row.id}, state {status}" in by_serial


def test_a_placeholder_serial_identifies_nobody(client: FlaskClient, session: Session) -> None:
    factories.machine(session, "SRV1", status=MachineStatus.INSTALLED)
    session.commit()
    text = script(client, mac=MAC, serial="To Be Filled By O.E.M.")
    assert "(unknown machine)" in text


def test_the_uuid_identifies_when_nothing_else_does(client: FlaskClient, session: Session) -> None:
    uuid = "4c4c4544-0000-1000-8000-000000000042"
    factories.machine(session, "SRV1", status=MachineStatus.INSTALLED, system_uuid=uuid)
    session.commit()
    assert "sanboot" in script(client, mac=MAC, uuid=uuid.upper())


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"mac": "52:54:00:12:34:56\n#!ipxe\nshell"}, "mac"),
        ({"mac": MAC, "serial": "S1\nshell"}, "serial"),
        ({"mac": MAC, "uuid": "${uuid} && shell"}, "uuid"),
        ({"mac": MAC, "platform": "efi || shell"}, "platform"),
    ],
)
def test_crafted_requests_get_a_400_and_no_script(client: FlaskClient, params, field) -> None:
    response = client.get("/boot/ipxe", query_string=params)
    assert response.status_code == 400
    assert list(response.get_json()["error"]["details"]["fields"]) == [field]
    assert b"#!ipxe" not in response.data


def test_unknown_parameters_are_refused(client: FlaskClient) -> None:
    response = client.get("/boot/ipxe", query_string={"mac": MAC, "cmdline": "init=/bin/sh"})
    assert response.status_code == 400


def test_a_crafted_host_header_cannot_reach_the_script(client: FlaskClient) -> None:
    for host in ["evil;shell", "a b", "x${y}"]:
        response = client.get("/boot/ipxe", query_string={"mac": MAC}, headers={"Host": host})
        assert response.status_code == 400, host
        assert b"#!ipxe" not in response.data


def test_the_server_url_follows_the_request(client: FlaskClient) -> None:
    response = client.get(
        "/boot/ipxe", query_string={"mac": MAC}, headers={"Host": "10.0.2.2:18080"}
    )
    text = response.get_data(as_text=True)
    assert "http://10.0.2.2:18080/boot/files/vmlinuz" in text
    assert "oci.server=http://10.0.2.2:18080 " in text


def test_the_server_url_setting_wins_over_the_request(settings: Settings) -> None:
    configured = settings.model_copy(
        update={"boot_server_url": "http://oci.example.net:8080/", "boot_fetch_timeout": 30}
    )
    app = create_app(configured)
    try:
        text = script(app.test_client(), mac=MAC)
    finally:
        app.extensions["oci_engine"].dispose()
    assert "kernel --timeout 30000 http://oci.example.net:8080/boot/files/vmlinuz" in text
    assert "oci.server=http://oci.example.net:8080 " in text
    assert "localhost" not in text


def test_boot_routes_refuse_untrusted_networks(client: FlaskClient) -> None:
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    for url in ["/boot/ipxe?mac=" + MAC, "/boot/grub.cfg?mac=" + MAC, "/boot/files/vmlinuz"]:
        response = client.get(url, environ_base=outside)
        assert response.status_code == 401, url


def test_trusted_boot_networks_are_configurable(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"trusted_networks": ["192.0.2.0/24"]}))
    try:
        client = app.test_client()
        inside = client.get("/boot/ipxe", environ_base={"REMOTE_ADDR": "192.0.2.77"})
        loopback = client.get("/boot/ipxe", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    finally:
        app.extensions["oci_engine"].dispose()
    assert (inside.status_code, loopback.status_code) == (200, 401)


# --- the Secure Boot path -----------------------------------------------------


def test_grub_cfg_boots_the_live_image_with_a_retry_loop(client: FlaskClient) -> None:
    response = client.get("/boot/grub.cfg", query_string={"mac": MAC})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "linux (http,localhost)/boot/files/vmlinuz boot=live components" in text
    assert "initrd (http,localhost)/boot/files/initrd.img" in text
    assert "BOOTIF=01-52-54-00-12-34-56" in text
    assert 'until [ "$oci_loaded" = yes ]; do' in text and "sleep 5" in text
    assert "initrd=initrd.img" not in text  # GRUB hands the initrd over itself


def test_grub_cfg_of_an_installed_machine_leaves_for_the_disk(
    client: FlaskClient, session: Session
) -> None:
    factories.machine(session, "SRV1", status=MachineStatus.INSTALLED)
    session.commit()
    text = client.get("/boot/grub.cfg", query_string={"mac": factory_mac("SRV1")}).get_data(
        as_text=True
    )
    assert "state installed" in text and "\nexit\n" in text and "linux " not in text


def test_grub_cfg_needs_the_boot_service_on_port_80(client: FlaskClient) -> None:
    response = client.get(
        "/boot/grub.cfg", query_string={"mac": MAC}, headers={"Host": "10.0.2.2:8080"}
    )
    assert response.status_code == 400 and "port 80" in response.get_json()["error"]["message"]


def test_grub_cfg_refuses_crafted_values_too(client: FlaskClient) -> None:
    response = client.get("/boot/grub.cfg", query_string={"mac": "52:54:00:12:34:56; reboot"})
    assert response.status_code == 400


# --- the files ----------------------------------------------------------------


def test_live_image_files_are_served_from_the_configured_directory(
    client: FlaskClient, settings: Settings
) -> None:
    directory: Path = settings.effective_live_image_dir
    directory.mkdir(parents=True)
    (directory / "vmlinuz").write_bytes(b"kernel" * 1000)
    (directory / "secret.key").write_bytes(b"no")
    response = client.get("/boot/files/vmlinuz")
    assert response.status_code == 200 and response.data == b"kernel" * 1000
    ranged = client.get("/boot/files/vmlinuz", headers={"Range": "bytes=0-5"})
    assert (ranged.status_code, ranged.data) == (206, b"kernel")
    assert client.get("/boot/files/initrd.img").status_code == 404  # not built
    for name in ["secret.key", "..%2Fsecret.key", "%2E%2E"]:
        assert client.get(f"/boot/files/{name}").status_code == 404, name
