"""InstallInputs for installer tests: a compute with one NIC on one network, BIOS;
the bundle's files computed from them."""

from __future__ import annotations

import dataclasses
from typing import Any

from oci.install import plan
from oci.install.spec import DiskInput, HostEntry, InstallInputs, NetworkInput

HOSTNAME = "cl1-compute-1.example.com"
MGMT = NetworkInput("mgmt", "10.0.2.0/24", "all", ("ens3",), "10.0.2.15")


def make(**changes: Any) -> InstallInputs:
    base = InstallInputs(
        serial="SER-1",
        status_key="SER-1",
        hostname=HOSTNAME,
        cluster="cl1",
        role="compute",
        disks=(
            DiskInput("sda", 480_103_981_056, "sata"),
            DiskInput("sdb", 480_103_981_056, "sata"),
            DiskInput("nvme0n1", 3_840_755_982_336, "nvme"),
            DiskInput("sdc", 32 * 2**30, "usb"),
        ),
        install_on_raid=False,
        raid_type=None,
        raid_devices=(),
        serial_console="ttyS0",
        firmware="bios",
        networks=(MGMT,),
        hosts=(HostEntry("10.0.2.10", "cl1-controller-1.example.com"),),
        api_url="http://192.0.2.1:8080",
        puppet_server="oci.example.com",
        debian_mirror="http://deb.debian.org/debian",
        debian_release="trixie",
        ca_chain=b"-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n",
        certificate=b"-----BEGIN CERTIFICATE-----\nnode\n-----END CERTIFICATE-----\n",
        private_key=b"-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n",
        debian_security_mirror="http://deb.debian.org/debian-security",
    )
    return dataclasses.replace(base, **changes)


def files(inputs: InstallInputs) -> dict[str, plan.BundleFile]:
    return {f.path: f for f in plan.bundle_files(inputs)}


def text(inputs: InstallInputs, path: str) -> str:
    return files(inputs)[path].content.decode()


# A value that would run commands if a shell ever read it unquoted.
HOSTILE = "x'; touch pwned; echo '$(touch pwned2)`touch pwned3`\\\"\n"
