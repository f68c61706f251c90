"""What the agent adds for OCI's facts: Secure Boot in agent.txt, and a RAID
tool's JSON (storcli or perccli) only where one is installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.agent import make_bin, run_agent, shell_ids

EFI_GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
STORCLI = '{"Controllers":[{"Command Status":{"Status":"Success"},"Response Data":{}}]}'


def _sandbox(tmp_path: Path, *, uefi: bool, efivar: bytes | None = None) -> dict[str, str]:
    firmware = tmp_path / "firmware"
    firmware.mkdir()
    if uefi:
        (firmware / "efi" / "efivars").mkdir(parents=True)
    if efivar is not None:
        (firmware / "efi" / "efivars" / f"SecureBoot-{EFI_GLOBAL}").write_bytes(efivar)
    net = tmp_path / "net"
    net.mkdir()
    return {
        "OCI_AGENT_CMDLINE": "/nonexistent",
        "OCI_AGENT_SYS_NET": str(net),
        "OCI_AGENT_SSH_DIR": str(tmp_path),
        "OCI_AGENT_SYS_FIRMWARE": str(firmware),
    }


def _collect(shell: str, tmp_path: Path, fake: dict[str, str], env: dict[str, str]) -> Path:
    path = make_bin(tmp_path / "bin", fake=fake)
    out = tmp_path / "out"
    result = run_agent(shell, ["--collect", str(out)], path=path, env=env)
    assert result.returncode == 0, result.stderr
    return out


def _agent_txt(out: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (out / "agent.txt").read_text().splitlines())


@pytest.mark.parametrize("shell", shell_ids())
@pytest.mark.parametrize(
    ("mokutil", "efivar", "expected"),
    [
        ("echo 'SecureBoot enabled'", None, "yes"),
        ("echo 'SecureBoot disabled'", None, "no"),
        # No mokutil: the EFI variable's value byte, after 4 bytes of attributes.
        (None, b"\x06\x00\x00\x00\x01", "yes"),
        (None, b"\x06\x00\x00\x00\x00", "no"),
        # Neither can tell: no line, not a guess.
        (None, None, None),
    ],
)
def test_secure_boot_is_reported_under_uefi(
    shell: str, tmp_path: Path, mokutil: str | None, efivar: bytes | None, expected: str | None
) -> None:
    fake = {"mokutil": mokutil} if mokutil else {}
    out = _collect(shell, tmp_path, fake, _sandbox(tmp_path, uefi=True, efivar=efivar))
    agent = _agent_txt(out)
    assert agent["firmware"] == "uefi"
    assert agent.get("secure_boot") == expected


@pytest.mark.parametrize("shell", shell_ids())
def test_a_bios_boot_has_no_secure_boot(shell: str, tmp_path: Path) -> None:
    out = _collect(shell, tmp_path, {}, _sandbox(tmp_path, uefi=False))
    assert (_agent_txt(out)["firmware"], _agent_txt(out)["secure_boot"]) == ("bios", "no")


@pytest.mark.parametrize("shell", shell_ids())
def test_the_raid_tool_runs_only_where_installed(shell: str, tmp_path: Path) -> None:
    env = _sandbox(tmp_path, uefi=False)
    without = _collect(shell, tmp_path, {}, env)
    # Most machines have no RAID tool: no "not installed" line for each of them.
    assert "storcli.json" not in (without / "commands.txt").read_text()
    assert not (without / "storcli.json").exists()

    perccli = f"""[ "$*" = "/call show J" ] || exit 9; echo '{STORCLI}'"""
    with_tool = tmp_path / "second"
    with_tool.mkdir()
    out = _collect(shell, with_tool, {"perccli64": perccli}, env)
    assert "0 storcli.json" in (out / "commands.txt").read_text().splitlines()
    assert (out / "storcli.json").read_text().strip() == STORCLI


@pytest.mark.parametrize("shell", shell_ids())
def test_controller_firmware_is_read_from_sysfs(shell: str, tmp_path: Path) -> None:
    """A pretend /sys/class: an NVMe controller and an hpsa SCSI host, each a
    link to its PCI function as the kernel makes it; an AHCI host tells none."""
    devices = tmp_path / "devices" / "pci0000:00"
    sys_class = tmp_path / "class"
    nvme_dev = devices / "0000:00:04.0"
    hpsa_host = devices / "0000:17:00.0" / "0000:18:00.0" / "host0"
    ahci_host = devices / "0000:00:1f.2" / "ata1" / "host1"
    for path in (nvme_dev, hpsa_host, ahci_host):
        path.mkdir(parents=True)
    nvme = sys_class / "nvme" / "nvme0"
    nvme.mkdir(parents=True)
    (nvme / "device").symlink_to(nvme_dev)
    (nvme / "firmware_rev").write_text("GDC5602Q\n")
    for name, target, files in (
        ("host0", hpsa_host, {"firmware_revision": "5.52\n"}),
        ("host1", ahci_host, {}),
    ):
        host = sys_class / "scsi_host" / name
        host.mkdir(parents=True)
        (host / "device").symlink_to(target)
        for file, text in files.items():
            (host / file).write_text(text)
    env = _sandbox(tmp_path, uefi=False) | {"OCI_AGENT_SYS_CLASS": str(sys_class)}
    path = make_bin(tmp_path / "bin", real=["readlink"])
    out = tmp_path / "out"
    result = run_agent(shell, ["--collect", str(out)], path=path, env=env)
    assert result.returncode == 0, result.stderr
    assert (out / "storage-firmware.txt").read_text() == (
        "0000:00:04.0 GDC5602Q\n0000:18:00.0 5.52\n"
    )


@pytest.mark.parametrize("shell", shell_ids())
def test_megacli_runs_only_without_storcli(shell: str, tmp_path: Path) -> None:
    env = _sandbox(tmp_path, uefi=False)
    megacli = '[ "$*" = "-PDList -aALL -NoLog" ] || exit 9; echo "Adapter #0"'
    out = _collect(shell, tmp_path, {"MegaCli64": megacli}, env)
    assert "0 megacli-pdlist.txt" in (out / "commands.txt").read_text().splitlines()
    assert (out / "megacli-pdlist.txt").read_text() == "Adapter #0\n"
    both = tmp_path / "both"
    both.mkdir()
    out = _collect(shell, both, {"MegaCli64": megacli, "storcli64": f"echo '{STORCLI}'"}, env)
    assert not (out / "megacli-pdlist.txt").exists()
    assert (out / "storcli.json").exists()
