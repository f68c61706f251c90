"""machine-wipe's command (oci.install.wipe): USB disks left alone, names checked
and quoted, arrays stopped before the disks are touched."""

from __future__ import annotations

import pytest

from oci.errors import Conflict
from oci.install import wipe


def test_usb_disks_are_left_alone() -> None:
    found = wipe.disks_to_wipe(
        [("sda", "sata"), ("sdb", "usb"), ("nvme0n1", "nvme"), ("vda", None)]
    )
    assert found == ["sda", "nvme0n1", "vda"]


@pytest.mark.parametrize("name", ["sda;reboot", "../sda", "sda b", "$(id)", "", "S"])
def test_a_name_that_is_no_kernel_disk_name_stops_everything(name: str) -> None:
    with pytest.raises(Conflict, match="nothing was wiped"):
        wipe.disks_to_wipe([("sda", None), (name, None)])


def test_the_command_stops_arrays_first_then_each_disk() -> None:
    lines = wipe.command(["sda", "nvme0n1"]).splitlines()
    assert lines[0] == "set -e"
    assert "mdadm --stop" in lines[1]
    assert lines[2:] == [
        "wipefs -a /dev/sda",
        "dd if=/dev/zero of=/dev/sda bs=1M count=100 conv=fsync 2>/dev/null",
        "echo 'wiped /dev/sda'",
        "wipefs -a /dev/nvme0n1",
        "dd if=/dev/zero of=/dev/nvme0n1 bs=1M count=100 conv=fsync 2>/dev/null",
        "echo 'wiped /dev/nvme0n1'",
        "partprobe || true",
    ]
