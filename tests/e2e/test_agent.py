"""The discovery agent (oci/agent/oci-agent) collecting, under busybox sh, dash and bash.

The agent runs with a PATH of our choosing: symlinks to the few base tools it
needs, plus real or small fake hardware tools, so that "missing" and "failed"
are under the test's control. Uploading is in tests/e2e/test_agent_upload.py.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oci.ingest.contract import ETHTOOL_FILE, LINK_FILE, REPORT_FILES, is_report_file
from tests.helpers.agent import AGENT, make_bin, run_agent, shell_ids


def commands(directory: Path) -> dict[str, int]:
    lines = (directory / "commands.txt").read_text().splitlines()
    result = {}
    for line in lines:
        code, name = line.split(" ", 1)
        assert name not in result, f"{name} tried twice"
        result[name] = int(code)
    return result


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, str]:
    """Kernel command line, NICs and SSH keys of a pretend machine."""
    cmdline = tmp_path / "cmdline"
    cmdline.write_text("BOOT_IMAGE=vmlinuz quiet BOOTIF=01-52-54-00-AB-CD-EF oci.x=1\n")
    net = tmp_path / "net"
    for nic in ["lo", "eth0", "enp1s0f1", "bad nic", "-dash", "abcdefghijklmnop"]:
        (net / nic).mkdir(parents=True)
    ssh = tmp_path / "ssh"
    ssh.mkdir()
    (ssh / "ssh_host_ed25519_key.pub").write_text("ssh-ed25519 AAAAC3Nz host\n")
    (ssh / "ssh_host_rsa_key.pub").write_text("ssh-rsa AAAAB3Nz host\n")
    (ssh / "ssh_host_rsa_key").write_text("PRIVATE, never sent\n")
    firmware = tmp_path / "firmware"
    (firmware / "efi").mkdir(parents=True)  # booted through UEFI
    return {
        "OCI_AGENT_CMDLINE": str(cmdline),
        "OCI_AGENT_SYS_NET": str(net),
        "OCI_AGENT_SSH_DIR": str(ssh),
        "OCI_AGENT_SYS_FIRMWARE": str(firmware),
    }


def test_agent_is_shellcheck_clean() -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("no shellcheck (scripts/apt-packages installs it)")
    result = subprocess.run(
        ["shellcheck", "-s", "sh", AGENT], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("shell", shell_ids())
def test_help_and_usage_errors(shell: str) -> None:
    result = run_agent(shell, ["--help"])
    assert result.returncode == 0
    for option in ["--server", "--once", "--interval", "--collect", "--replay", "--token"]:
        assert option in result.stdout
    assert "--retry-min" in result.stdout
    assert run_agent(shell, ["--bogus"]).returncode == 2
    assert run_agent(shell, ["--interval", "soon"]).returncode == 2
    assert "needs a value" in run_agent(shell, ["--server"]).stderr
    # no server anywhere
    bare = run_agent(shell, ["--once"], env={"OCI_AGENT_CMDLINE": "/nonexistent"})
    assert bare.returncode == 2
    assert "no server" in bare.stderr


def test_launcher_runs_the_packaged_script() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from oci.agent.command import main; main()", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("oci-agent ")


FAKE_TOOLS = {
    # fails after printing on both streams
    "dmidecode": 'printf "# dmidecode 3.4\\nHandle 0x0001\\n"; echo "oops: /dev/mem" >&2; exit 3',
    # succeeds, with output that depends on its arguments, bytes kept as they are
    "lspci": 'printf "args=[%s]\\ttab  two spaces\\n" "$*"; printf "no newline at end"',
    # fails without printing anything on stdout
    "lsblk": 'echo "lsblk: cannot open /sys" >&2; exit 1',
    # succeeds with empty output
    "nvme": "exit 0",
    "ethtool": (
        'if [ "$1" = -i ]; then echo "driver: fake"; echo "bus-info: $2"; '
        'else printf "Settings for %s:\\n\\tSpeed: 25000Mb/s\\n" "$1"; fi'
    ),
}


@pytest.mark.parametrize("shell", shell_ids())
def test_collect_records_missing_and_failed_tools(
    shell: str, tmp_path: Path, sandbox: dict[str, str]
) -> None:
    path = make_bin(tmp_path / "bin", real=["uname"], fake=FAKE_TOOLS)
    out = tmp_path / "out"
    result = run_agent(shell, ["--collect", str(out)], path=path, env=sandbox)
    assert result.returncode == 0, result.stderr

    assert commands(out) == {
        "dmidecode.txt": 3,
        "lspci-nnmm.txt": 0,
        "lspci-vmmnnk.txt": 0,
        "lspci.txt": 0,
        "lsblk.json": 1,
        "nvme-list.json": 0,
        # not in PATH: 127, even under busybox sh whose own `ip` applet knows no -j
        "ip-link.json": 127,
        "ip-addr.json": 127,
        "lldpctl.json": 127,
        "ipmitool-lan.txt": 127,
        "ipmitool-mc-info.txt": 127,
        "lscpu.json": 127,
        "lscpu.txt": 127,
        "meminfo.txt": 0,  # cat /proc/meminfo
        "nvidia-smi.xml": 127,
        "uname-m.txt": 0,
        "ethtool-eth0.txt": 0,
        "link-eth0.txt": 0,
        "ethtool-enp1s0f1.txt": 0,
        "link-enp1s0f1.txt": 0,
    }

    assert (out / "dmidecode.txt").read_bytes() == b"# dmidecode 3.4\nHandle 0x0001\n"
    assert (out / "dmidecode.txt.err").read_bytes() == b"oops: /dev/mem\n"
    assert (out / "lspci-nnmm.txt").read_bytes() == (
        b"args=[-nnmm -D]\ttab  two spaces\nno newline at end"
    )
    assert (out / "lspci-vmmnnk.txt").read_bytes().startswith(b"args=[-vmmnnk -D]\t")
    assert (out / "lspci.txt").read_bytes().startswith(b"args=[]\t")
    assert (out / "lsblk.json.err").read_text() == "lsblk: cannot open /sys\n"
    assert not (out / "lsblk.json").exists()  # failed and printed nothing
    assert (out / "nvme-list.json").read_bytes() == b""  # succeeded, printed nothing
    assert not (out / "ipmitool-lan.txt").exists()
    assert not (out / "ipmitool-lan.txt.err").exists()
    assert (out / "uname-m.txt").read_text() == platform.machine() + "\n"
    assert (out / "meminfo.txt").read_text().startswith("MemTotal:")
    assert (out / "ethtool-eth0.txt").read_text() == "driver: fake\nbus-info: eth0\n"
    assert (out / "link-eth0.txt").read_text() == "Settings for eth0:\n\tSpeed: 25000Mb/s\n"
    # lo, and names the report would refuse, are skipped with a warning
    assert "skipping NIC 'bad nic'" in result.stderr
    assert "skipping NIC '-dash'" in result.stderr
    assert "skipping NIC 'abcdefghijklmnop'" in result.stderr
    assert (out / "ssh-host-keys.txt").read_text() == (
        "ssh-ed25519 AAAAC3Nz host\nssh-rsa AAAAB3Nz host\n"
    )
    agent = dict(line.split("=", 1) for line in (out / "agent.txt").read_text().splitlines())
    assert agent["version"]
    assert agent["boot_mac"] == "52:54:00:ab:cd:ef"
    assert agent["firmware"] == "uefi"
    for name in os.listdir(out):
        assert is_report_file(name), name


@pytest.mark.parametrize("shell", shell_ids())
def test_collect_with_the_real_tools(shell: str, tmp_path: Path) -> None:
    """On this machine's real tools: outputs byte-identical to running them."""
    out = tmp_path / "out"
    result = run_agent(shell, ["--collect", str(out)])
    assert result.returncode == 0, result.stderr
    ran = commands(out)
    expected = {
        "lspci-nnmm.txt": ["lspci", "-nnmm", "-D"],
        "lspci.txt": ["lspci"],
        "ip-link.json": ["ip", "-j", "-d", "link"],
        "uname-m.txt": ["uname", "-m"],
    }
    for name, argv in expected.items():
        if shutil.which(argv[0]) is None:
            assert ran[name] == 127
            continue
        direct = subprocess.run(argv, capture_output=True, check=False)
        assert ran[name] == direct.returncode == 0
        assert (out / name).read_bytes() == direct.stdout, name
    # every tool of the contract was tried once, and every NIC but lo had
    # ethtool -i and ethtool
    tried = set(ran)
    per_nic = (ETHTOOL_FILE, LINK_FILE)
    outputs = {name for name in tried if not any(p.match(name) for p in per_nic)}
    assert outputs <= REPORT_FILES
    # storcli.json, megacli-pdlist.txt: only where a RAID tool is installed
    raid = {"storcli.json", "megacli-pdlist.txt"}
    assert REPORT_FILES - outputs <= {"lldpctl.txt", "lscpu.txt", *raid}
    nics = {n for n in os.listdir("/sys/class/net") if n != "lo"}
    for pattern in per_nic:
        assert {pattern.match(n)["nic"] for n in tried if pattern.match(n)} == nics
    for name in os.listdir(out):
        assert is_report_file(name), name
    # How this machine booted, as /sys says
    agent = dict(line.split("=", 1) for line in (out / "agent.txt").read_text().splitlines())
    assert agent["firmware"] == ("uefi" if os.path.isdir("/sys/firmware/efi") else "bios")


@pytest.mark.parametrize("shell", shell_ids())
def test_a_hung_tool_is_stopped_by_timeout(
    shell: str, tmp_path: Path, sandbox: dict[str, str]
) -> None:
    path = make_bin(
        tmp_path / "bin",
        real=["timeout"],
        fake={"ipmitool": 'echo "waiting for the BMC" >&2; exec sleep 60'},
    )
    out = tmp_path / "out"
    result = run_agent(
        shell, ["--collect", str(out), "--tool-timeout", "1"], path=path, env=sandbox
    )
    assert result.returncode == 0, result.stderr
    ran = commands(out)
    # GNU timeout says 124; busybox sh's timeout applet reports the TERM (143)
    assert ran["ipmitool-lan.txt"] in (124, 143)
    assert ran["ipmitool-mc-info.txt"] in (124, 143)
    assert (out / "ipmitool-lan.txt.err").read_text().startswith("waiting for the BMC\n")
    assert ran["uname-m.txt"] == 127  # the agent went on after the hung tool


@pytest.mark.parametrize("shell", shell_ids())
def test_collect_refuses_a_directory_that_is_not_empty(shell: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("stale")
    result = run_agent(shell, ["--collect", str(out)])
    assert result.returncode == 2
    assert "not empty" in result.stderr
    assert os.listdir(out) == ["old.txt"]
