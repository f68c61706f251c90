"""oci.boot's DHCP and TFTP builders: DHCP networks and boot options, refused when
unsafe, and the TFTP tree from Debian's loader packages. The DHCP servers' own checks
are in tests/e2e/test_pxe.py."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from oci.boot import dhcp, tftp
from oci.models import MachineStatus


def test_a_network_gets_its_router_and_a_range_at_the_top() -> None:
    net = dhcp.dhcp_network("n", "192.168.101.0/24", range_size=64)
    assert (str(net.router), str(net.first), str(net.last)) == (
        "192.168.101.1",
        "192.168.101.191",
        "192.168.101.254",
    )
    small = dhcp.dhcp_network("s", "10.0.0.0/28", range_size=64)
    assert (str(small.first), str(small.last)) == ("10.0.0.8", "10.0.0.14")  # half of it


@pytest.mark.parametrize(
    ("name", "cidr"), [("v6", "2001:db8::/64"), ("tiny", "10.0.0.0/30"), ("a;b", "10.0.0.0/24")]
)
def test_networks_dhcp_cannot_serve_are_refused(name, cidr) -> None:
    with pytest.raises(ValueError):
        dhcp.dhcp_network(name, cidr)


@pytest.mark.parametrize(
    "url", ["http://a b", "http://x/boot;shell", "ftp://x", "http://x\ndhcp-option=3,1.2.3.4"]
)
def test_a_crafted_boot_url_never_reaches_a_configuration(url) -> None:
    with pytest.raises(ValueError):
        dhcp.PxeOptions(url, ipaddress.IPv4Address("10.0.0.1"))


@pytest.mark.skipif(bool(tftp.missing_loaders()), reason=f"missing {tftp.missing_loaders()}")
def test_the_tftp_tree_holds_debians_loaders_and_grubs_configs(tmp_path: Path) -> None:
    image = tmp_path / "image"
    image.mkdir()
    (image / "vmlinuz").write_bytes(b"kernel")
    (image / "initrd.img").write_bytes(b"initrd")
    (image / "filesystem.squashfs").write_bytes(b"hsqs")
    states = {
        "00:1B:21:00:00:01": MachineStatus.INSTALLED,
        "00:1b:21:00:00:02": MachineStatus.LIVE,
        "00:1b:21:00:00:03": MachineStatus.PUPPET_SUCCESS,
    }
    root = tmp_path / "tftp"
    (root / "grub" / "machines").mkdir(parents=True)
    (root / "grub" / "machines" / "00:1b:21:00:00:09.cfg").write_text("stale")
    written = tftp.build_tree(
        root, "http://192.168.101.2:8080", live_image=image, machines=states, console="ttyS1"
    )
    names = {item.path: item.source for item in written}
    assert names == {
        "undionly.kpxe": "ipxe",
        "ipxe.efi": "ipxe",
        "snponly.efi": "ipxe",
        "shimx64.efi": "shim-signed",
        "grubx64.efi": "grub-efi-amd64-signed",
        "live/vmlinuz": "live image",
        "live/initrd.img": "live image",
        "grub/grub.cfg": "oci",
        "debian-installer/amd64/grub/grub.cfg": "oci",
        "grub/live.cfg": "oci",
        "grub/machines/00:1b:21:00:00:01.cfg": "oci",
        "grub/machines/00:1b:21:00:00:03.cfg": "oci",
    }
    assert (root / "ipxe.efi").read_bytes()[:2] == b"MZ"  # a PE image
    assert (root / "shimx64.efi").read_bytes()[:2] == b"MZ"
    loader = Path(tftp.LOADERS["undionly.kpxe"][1])
    assert (root / "undionly.kpxe").read_bytes() == loader.read_bytes()
    first = (root / "grub/grub.cfg").read_text()
    assert "configfile (tftp)/grub/machines/${net_default_mac}.cfg\n" in first
    assert first.endswith("configfile (tftp)/grub/live.cfg\n")
    live = (root / "grub/live.cfg").read_text()
    assert (
        "linux (tftp)/live/vmlinuz boot=live components "
        "fetch=http://192.168.101.2:8080/boot/files/filesystem.squashfs console=tty0 "
        "console=ttyS1 oci.server=http://192.168.101.2:8080; then"
    ) in live
    assert "initrd (tftp)/live/initrd.img" in live and "sleep 5" in live  # retried
    installed = (root / "grub/machines/00:1b:21:00:00:01.cfg").read_text()
    assert "state installed" in installed and "\nexit\n" in installed and "linux" not in installed
    assert not (root / "grub/machines/00:1b:21:00:00:09.cfg").exists()  # yesterday's file


def test_the_tftp_tree_says_which_package_is_missing(tmp_path: Path) -> None:
    loaders = {"x.efi": ("some-package", str(tmp_path / "absent.efi"))}
    with pytest.raises(FileNotFoundError, match="install some-package"):
        tftp.build_tree(tmp_path / "tftp", "http://10.0.0.1", loaders=loaders)
