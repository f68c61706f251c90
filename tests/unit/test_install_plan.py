"""The installation bundle, computed from InstallInputs alone (oci.install.plan):
disks and RAID, firmware, networking, the node's files, and quoting. How sh and tar
read the bundle is in tests/e2e/test_install_plan_shell.py."""

from __future__ import annotations

import shlex

import pytest

from oci.errors import Conflict
from oci.install import plan
from oci.install.network import plan_network
from oci.install.spec import DiskInput, HostEntry, NetworkInput
from tests.helpers import install_inputs
from tests.helpers.install_inputs import HOSTILE, HOSTNAME, MGMT, files, text

# --- disks ------------------------------------------------------------------


def test_the_smallest_internal_disk_is_the_system_disk() -> None:
    layout = plan.disk_layout(install_inputs.make())
    # sda and sdb are equal (sda first); the 32 GiB USB stick is never chosen
    assert [d.name for d in layout.disks] == ["sda"]
    assert layout.raid_level is None
    env = plan.install_env(install_inputs.make())
    assert (env["OCI_DISKS"], env["OCI_DISK_SIZES"]) == ("sda", "480103981056")
    assert "mdadm" not in env["OCI_PACKAGES"].split(",")
    assert "e2fsprogs" in env["OCI_PACKAGES"].split(",")  # the initramfs checks the root fs


def test_software_raid_over_the_machines_raid_devices() -> None:
    inputs = install_inputs.make(install_on_raid=True, raid_type="1", raid_devices=("sdb", "sda"))
    layout = plan.disk_layout(inputs)
    assert [d.name for d in layout.disks] == ["sdb", "sda"]
    env = plan.install_env(inputs)
    assert (env["OCI_DISKS"], env["OCI_RAID_LEVEL"]) == ("sdb sda", "1")
    assert "mdadm" in env["OCI_PACKAGES"].split(",")


def test_raid_on_a_disk_the_machine_does_not_have_is_refused() -> None:
    inputs = install_inputs.make(install_on_raid=True, raid_type="1", raid_devices=("sda", "sdz"))
    with pytest.raises(Conflict, match=r"raid_devices names sdz.*its disks: nvme0n1, sda, sdb"):
        plan.bundle_files(inputs)


def test_no_disk_large_enough() -> None:
    small = (DiskInput("vda", 4 * 2**30), DiskInput("sdc", 64 * 2**30, "usb"))
    with pytest.raises(Conflict, match="no disk of at least 8 GiB"):
        plan.disk_layout(install_inputs.make(disks=small))


@pytest.mark.parametrize(
    ("firmware", "partitions"),
    [("bios", ("bios",)), ("uefi", ("esp",)), ("auto", ("bios", "esp"))],
)
def test_boot_partitions_follow_the_firmware(firmware: str, partitions: tuple[str, ...]) -> None:
    inputs = install_inputs.make(firmware=firmware)
    assert plan.disk_layout(inputs).boot_partitions == partitions
    env = plan.install_env(inputs)
    assert (env["OCI_FIRMWARE"], env["OCI_BOOT_PARTITIONS"]) == (firmware, " ".join(partitions))


# --- networking ---------------------------------------------------------------


def stanzas(interfaces: str) -> dict[tuple[str, str], list[str]]:
    """(interface, family) -> option lines; family "manual" for inet manual."""
    found: dict[tuple[str, str], list[str]] = {}
    current: list[str] | None = None
    for line in interfaces.splitlines():
        words = line.split()
        if line.startswith("iface "):
            family = "manual" if words[3] == "manual" else words[2]
            current = found.setdefault((words[1], family), [])
        elif line.startswith("    ") and current is not None and not words[0].startswith("#"):
            current.append(" ".join(words))
        elif not line.startswith("    "):
            current = None
    return found


def test_one_nic_ipv4_and_ipv6() -> None:
    v6 = NetworkInput("mgmt6", "2001:db8:1::/64", "all", ("ens3",), "2001:db8:1::5")
    result = plan_network((MGMT, v6))
    assert result.packages == ()
    assert "auto lo\niface lo inet loopback\n" in result.interfaces
    assert "auto ens3\niface ens3 inet static\n    # network mgmt\n" in result.interfaces
    assert result.interfaces.count("auto ens3") == 1  # one device, two stanzas
    parsed = stanzas(result.interfaces)
    assert parsed[("ens3", "inet")] == ["address 10.0.2.15/24", "gateway 10.0.2.1"]
    assert parsed[("ens3", "inet6")] == ["address 2001:db8:1::5/64", "gateway 2001:db8:1::1"]


def test_a_bond_and_a_vlan_on_it() -> None:
    mgmt = NetworkInput("mgmt", "10.0.0.0/24", "all", ("eno1", "eno2"), "10.0.0.5", mtu=9000)
    public = NetworkInput(
        "pub", "192.0.2.0/24", "controller", ("eno1", "eno2"), "192.0.2.10", vlan=100,
        mtu=1500, is_public=True,
    )  # fmt: skip
    result = plan_network((mgmt, public))
    parsed = stanzas(result.interfaces)
    assert result.packages == ("ifenslave",)
    assert parsed[("bond0", "inet")] == [
        "address 10.0.0.5/24",  # the default route goes through the public network
        "bond-slaves eno1 eno2",
        "bond-mode 802.3ad",
        "bond-miimon 100",
        "bond-lacp-rate fast",
        "bond-xmit-hash-policy layer3+4",
        "mtu 9000",
    ]
    assert parsed[("bond0.100", "inet")] == [
        "address 192.0.2.10/24",
        "gateway 192.0.2.1",
        "mtu 1500",
    ]
    # the bond is set up before the VLAN on it, and neither NIC gets a stanza
    assert result.devices == ("bond0", "bond0.100")


def test_a_vlan_raises_its_parents_mtu() -> None:
    storage = NetworkInput("st", "10.5.0.0/24", "all", ("eno1",), "10.5.0.5", vlan=5, mtu=9000)
    parsed = stanzas(plan_network((storage,)).interfaces)
    assert parsed[("eno1", "manual")] == ["mtu 9000"]
    assert parsed[("eno1.5", "inet")][-1] == "mtu 9000"


def test_an_ovs_bridge_on_a_vlan_of_a_bond() -> None:
    mgmt = NetworkInput("mgmt", "10.0.0.0/24", "all", ("eno1", "eno2"), "10.0.0.5")
    external = NetworkInput("ext", "198.51.100.0/24", "ovs-bridge", ("eno1", "eno2"), None, vlan=7)
    result = plan_network((mgmt, external))
    parsed = stanzas(result.interfaces)
    assert result.packages == ("ifenslave", "openvswitch-switch")
    assert parsed[("bond0.7", "manual")] == ["ovs_bridge br-ex", "ovs_type OVSPort"]
    assert parsed[("br-ex", "manual")] == ["ovs_type OVSBridge", "ovs_ports bond0.7"]
    assert "allow-br-ex bond0.7\n" in result.interfaces
    assert "auto br-ex\nallow-ovs br-ex\n" in result.interfaces


def test_an_address_on_a_named_bridge_and_ipv6_default_route() -> None:
    vm = NetworkInput("vm", "2001:db8:9::/64", "vm-net", ("ens4",), "2001:db8:9::7", bridge="br-vm")
    parsed = stanzas(plan_network((MGMT, vm)).interfaces)
    assert parsed[("br-vm", "inet6")] == [
        "address 2001:db8:9::7/64",
        "gateway 2001:db8:9::1",
        "ovs_type OVSBridge",
        "ovs_ports ens4",
    ]
    assert parsed[("ens4", "manual")] == ["ovs_bridge br-vm", "ovs_type OVSPort"]


def test_a_vlan_name_longer_than_the_kernel_allows() -> None:
    long_nic = NetworkInput("st", "10.5.0.0/24", "all", ("enp130s0f0np0",), "10.5.0.5", vlan=300)
    result = plan_network((long_nic,))
    assert stanzas(result.interfaces)[("vlan300", "inet")][-1] == "vlan-raw-device enp130s0f0np0"
    assert "vlan" in result.packages


@pytest.mark.parametrize(
    ("networks", "message"),
    [
        (
            (
                NetworkInput("a", "10.0.0.0/24", "all", ("eno1",), "10.0.0.5"),
                NetworkInput("b", "10.1.0.0/24", "all", ("eno1", "eno2"), "10.1.0.5"),
            ),
            "eno1 would be used both as eno1 and as bond0",
        ),
        (
            (
                NetworkInput("a", "10.0.0.0/24", "all", ("eno1",), "10.0.0.5"),
                NetworkInput("ext", "10.1.0.0/24", "ovs-bridge", ("eno1",), None),
            ),
            "eno1 is a port of OVS bridge br-ex and also carries an address",
        ),
        (
            (NetworkInput("a", "10.0.0.0/24", "all", ("eno1", "eno1"), "10.0.0.5"),),
            "two different for a bond",
        ),
        (
            (NetworkInput("a", "10.0.0.0/24", "all", ("eth0\nauto x",), "10.0.0.5"),),
            "not an interface name",
        ),
    ],
)
def test_networks_that_cannot_be_set_up(networks, message: str) -> None:
    with pytest.raises(Conflict, match=message):
        plan_network(networks)


# --- the node's files -----------------------------------------------------------


def test_target_files_and_their_modes() -> None:
    bundle = files(install_inputs.make())
    key = f"target/etc/oci/pki/{HOSTNAME}.key"
    assert bundle[key].mode == 0o600
    assert bundle[key].content.startswith(b"-----BEGIN PRIVATE KEY")
    assert bundle[f"target/var/lib/puppet/ssl/private_keys/{HOSTNAME}.pem"].mode == 0o600
    assert bundle["target/etc/oci/pki/ca-chain.crt"].mode == 0o644
    assert bundle["oci-install"].mode == bundle["target/usr/local/sbin/oci-firstboot"].mode == 0o755
    assert text(install_inputs.make(), "target/etc/hostname") == "cl1-compute-1\n"
    hosts = text(install_inputs.make(), "target/etc/hosts")
    assert f"10.0.2.15\t{HOSTNAME} cl1-compute-1\n" in hosts
    assert "10.0.2.10\tcl1-controller-1.example.com cl1-controller-1\n" in hosts
    puppet = text(install_inputs.make(), "target/etc/puppet/puppet.conf")
    assert "server = oci.example.com\n" in puppet and f"certname = {HOSTNAME}\n" in puppet
    assert "target/root/.ssh/authorized_keys" not in bundle
    with_key = files(install_inputs.make(ssh_authorized_keys="ssh-ed25519 AAAA oci\n"))
    assert with_key["target/root/.ssh/authorized_keys"].mode == 0o600


@pytest.mark.parametrize(
    "change",
    [
        {"hostname": HOSTILE},
        {"puppet_server": "oci.example.com\nserver = evil"},
        {"debian_mirror": "http://deb.debian.org/debian main\ndeb http://evil/ x"},
        {"debian_release": "trixie main"},
        {"api_url": "http://x/$(reboot)"},
        {"hosts": (HostEntry("10.0.0.1\n10.0.0.2", "evil.example.com"),)},
    ],
)
def test_values_written_unquoted_must_be_names_and_urls(change: dict[str, str]) -> None:
    with pytest.raises(Conflict):
        plan.bundle_files(install_inputs.make(**change))


def test_command_runs_the_installer_from_the_bundle() -> None:
    assert plan.REMOTE_DIR == "/root/oci-install"
    assert shlex.split(plan.command()) == [
        "sh",
        "/root/oci-install/oci-install",
        "--bundle",
        "/root/oci-install",
    ]
    assert shlex.split(plan.command("/tmp/a b;c")) == [
        "sh",
        "/tmp/a b;c/oci-install",
        "--bundle",
        "/tmp/a b;c",
    ]
