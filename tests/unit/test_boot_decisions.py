"""The boot service's pure decisions: the state decides, parameters are validated, and a
template never prints an unsafe value. The routes are in tests/api/test_boot.py."""

from __future__ import annotations

import pytest

from oci.boot import scripts as boot
from oci.models import MachineStatus

MAC = "52:54:00:12:34:56"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (None, "live"),
        (MachineStatus.LIVE, "live"),
        (MachineStatus.INSTALLING, "live"),
        (MachineStatus.INSTALL_FAILED, "live"),
        (MachineStatus.INSTALLED, "local"),
        (MachineStatus.FIRSTBOOT, "local"),
        (MachineStatus.PUPPET_RUNNING, "local"),
        (MachineStatus.PUPPET_SUCCESS, "local"),
        (MachineStatus.PUPPET_FAILURE, "local"),
    ],
)
def test_the_state_decides(status, action) -> None:
    assert boot.decide(status) == action


def test_every_state_has_a_decision() -> None:
    assert {boot.decide(s) for s in MachineStatus} == {boot.BootAction.LIVE, boot.BootAction.LOCAL}


def test_parameters_are_validated_and_normalised() -> None:
    parsed = boot.BootRequest.parse(
        {
            "mac": "52-54-00-AB-CD-EF",
            "uuid": "0C1A0000-0000-4000-8000-000000000001",
            "serial": "  ",
            "buildarch": "x86_64",
            "platform": "efi",
        }
    )
    assert parsed.mac == "52:54:00:ab:cd:ef"
    assert parsed.uuid == "0c1a0000-0000-4000-8000-000000000001"
    assert parsed.serial is None  # an unset iPXE setting expands to nothing
    assert parsed.is_efi


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mac", "52:54:00:12:34:56\nshell"),
        ("mac", "52:54:00:12:34:56 || shell"),
        ("mac", "${net0/mac}"),
        ("mac", "52:54-00:12:34:56"),  # mixed separators
        ("uuid", "not-a-uuid; reboot"),
        ("serial", "ABC\nchain http://evil/"),
        ("serial", "x" * 129),
        ("platform", "efi\nshell"),
        ("buildarch", "x86_64 || shell"),
    ],
)
def test_crafted_parameters_are_refused(field, value) -> None:
    with pytest.raises(boot.InvalidBootParameter) as caught:
        boot.BootRequest.parse({field: value})
    assert caught.value.field == field


@pytest.mark.parametrize(
    "value", ["a b", "x;y", "$x", "${x}", "a&&b", "a||b", "#", "a\nb", "'", '"']
)
def test_bootword_refuses_what_a_script_would_interpret(value) -> None:
    with pytest.raises(ValueError):
        boot.bootword(value)


def test_a_template_cannot_print_an_unsafe_value_even_if_a_caller_forgets() -> None:
    image = boot.BootImage("http://10.0.0.1/boot/files", has_squashfs=False)
    request = boot.BootRequest(mac=MAC)
    with pytest.raises(ValueError, match="unsafe value"):
        boot.ipxe_script(
            "http://10.0.0.1",
            request,
            boot.BootAction.LIVE,
            image,
            console="ttyS0 init=/bin/sh",
            timeout_s=5,
            reason="test",
        )
