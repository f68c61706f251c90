"""OCI's machine-set options that have no column of their own (pure): --dest-blk
in the installer's plan and the ENC's data disks, and --use-gpu/--gpu-* mapped
onto the machine's GPU list as ocicli maps them, reaching the ENC as OCI's do."""

from __future__ import annotations

from typing import Any

import click
import pytest

from oci.cli.machines import _oci_gpus, _oci_ipmi, _oci_place
from oci.enc import classes
from oci.errors import Conflict
from oci.install import plan
from tests.helpers import install_inputs
from tests.helpers.enc_snapshots import DATA_DISKS, standard

# --- dest_blk ---------------------------------------------------------------


def test_the_installer_takes_the_dest_blk_disk() -> None:
    inputs = install_inputs.make(dest_blk="nvme0n1")  # not the smallest one, sda
    layout = plan.disk_layout(inputs)
    assert [d.name for d in layout.disks] == ["nvme0n1"] and layout.raid_level is None
    env = plan.install_env(inputs)
    assert (env["OCI_DISKS"], env["OCI_DISK_SIZES"]) == ("nvme0n1", "3840755982336")


@pytest.mark.parametrize(
    ("name", "words"),
    [("sdz", "dest_blk names sdz, which machine"), ("sdc", "but as a USB disk")],
)
def test_a_dest_blk_the_machine_lacks_is_refused(name: str, words: str) -> None:
    # The disks changed since machine-set: the install stops and names them.
    with pytest.raises(Conflict, match=words) as raised:
        plan.bundle_files(install_inputs.make(dest_blk=name))
    assert "its disks: nvme0n1, sda, sdb, sdc" in str(raised.value)


def test_the_enc_hands_every_disk_but_dest_blk_to_ceph() -> None:
    cluster = standard()
    cluster.add("compute", 1, compute_is_cephosd=True, dest_blk="nvme0n1")
    cluster.set_status("controller", "installing")
    osd = classes.classes(cluster.snapshot("cl1-compute-3.example.com", DATA_DISKS))
    assert osd["oci::cephosd"]["block_devices"] == ["sda", "sdb", "sdc"]  # not nvme0n1


# --- --use-gpu and --gpu-* --------------------------------------------------


class Client:
    """The few API answers the flags read: the machine's settings."""

    def __init__(self, gpus: list[dict[str, Any]], u_position: int | None = None) -> None:
        self.shown = {"settings": {"gpus": gpus}, "u_position": u_position}

    heights: dict[str, int] = {}

    def get(self, path: str) -> dict[str, Any]:
        if path == "/api/v1/machines/S1":
            return {"product_name": "PowerEdge R650"}
        if path == "/api/v1/profiles/export":
            return {"profiles": [], "switches": {"products": self.heights}}
        assert path == "/api/v1/machines/S1/settings", path
        return self.shown


FLAGS = dict.fromkeys(
    ("gpu_name", "gpu_vendor_id", "gpu_product_id", "gpu_device_type", "vfio_ids")
)


def gpus(current: list[dict[str, Any]], use_gpu: str | None = None, **flags: str) -> Any:
    return _oci_gpus(Client(current), "S1", use_gpu, FLAGS | flags, ())  # type: ignore[arg-type]


def test_ocis_gpu_flags_become_the_gpu_list_and_reach_the_enc_as_ocis() -> None:
    made = gpus(
        [],
        "yes",
        gpu_name="t4,a100",
        gpu_vendor_id="10de,10de",
        gpu_product_id="1eb8+20b0",  # OCI's ocicli sends its commas as '+'
        gpu_device_type="type-PF",
        vfio_ids="10de:1eb8,10de:20b0,10de:1af1",
    )
    assert [(g["name"], g["product_id"], g["device_type"]) for g in made] == [
        ("t4", "1eb8", "type-PF"),
        ("a100", "20b0", "type-PF"),
    ]
    cluster = standard()
    cluster.add("compute", 1, gpus=made)
    built = classes.classes(cluster.snapshot("cl1-compute-3.example.com", DATA_DISKS))
    compute = built["oci::compute"]
    # OCI's enc.php: use_gpu, the three lists, one device type, its vfio_ids as given
    assert compute["use_gpu"] is True
    assert (compute["gpu_name"], compute["gpu_product_id"]) == (["t4", "a100"], ["1eb8", "20b0"])
    assert compute["gpu_device_type"] == "type-PF"
    assert compute["vfio_ids"] == "10de:1eb8,10de:20b0,10de:1af1"
    controller = classes.classes(cluster.snapshot("cl1-controller-1.example.com"))
    assert controller["oci::controller"]["gpu_def"] == [
        "a100.10de.20b0.type-PF",
        "t4.10de.1eb8.type-PF",
    ]

    # One flag alone changes that part of the one GPU type, the rest kept.
    renamed = gpus(made, gpu_name="l4,h100")
    assert [(g["name"], g["vendor_id"], g["vfio_ids"]) for g in renamed] == [
        ("l4", "10de", ["10de:1eb8", "10de:20b0", "10de:1af1"]),
        ("h100", "10de", ["10de:1eb8", "10de:20b0", "10de:1af1"]),
    ]
    assert gpus(made, "no") == []  # cleared
    assert gpus(made, "yes") is None and gpus(made) is None  # unchanged
    given = ({"name": "t4", "vendor_id": "10de", "product_id": "1eb8"},)
    assert _oci_gpus(Client([]), "S1", "yes", FLAGS, given) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "use_gpu", "flags", "words"),
    [
        ([], "yes", {}, "has no GPU type yet; give --gpu-name, --gpu-vendor-id and"),
        ([], None, {"gpu_name": "t4,a100", "gpu_vendor_id": "10de", "gpu_product_id": "1eb8"},
         "give 2 name(s), 1 vendor ID(s) and 1 product ID(s)"),
        ([], "no", {"gpu_name": "t4"}, "--use-gpu no clears the GPU types"),
    ],
)  # fmt: skip
def test_gpu_flags_that_do_not_make_a_gpu_type_are_refused(
    current: list[dict[str, Any]], use_gpu: str | None, flags: dict[str, str], words: str
) -> None:
    with pytest.raises(click.UsageError) as raised:
        gpus(current, use_gpu, **flags)
    assert words in raised.value.message


# --- --ustart/--uend, --ipmi-* ------------------------------------------------


def test_ustart_is_the_lowest_u_and_uend_is_checked() -> None:
    client: Any = Client([], u_position=10)
    assert _oci_place(client, "S1", None, 12, 13) == 12
    assert _oci_place(client, "S1", None, None, 11) == 10  # the stored start
    for args, words in (
        ((None, 12, 11), "--uend 11 is below the machine's lowest U, 12"),
        ((5, 6, None), "--ustart 6 and --u-position 5 differ"),
    ):
        with pytest.raises(click.UsageError, match=words):
            _oci_place(client, "S1", *args)
    with pytest.raises(click.UsageError, match="give --ustart too"):
        _oci_place(Client([]), "S1", None, None, 3)  # type: ignore[arg-type]
    # The racking rules know the product's height: --uend must agree with it.
    client.heights = {"PowerEdge R650": 1}
    assert _oci_place(client, "S1", None, 12, 12) == 12
    with pytest.raises(click.UsageError, match=r"is 1U high in the racking rules .* ends at U12"):
        _oci_place(client, "S1", None, 12, 13)


IPMI = dict.fromkeys(
    (
        "ipmi_use",
        "ipmi_call_chassis_bootdev",
        "ipmi_username",
        "ipmi_addr",
        "ipmi_port",
    )
)


def test_ipmi_flags_map_onto_the_bmc_settings() -> None:
    given = IPMI | {"ipmi_use": "yes", "ipmi_call_chassis_bootdev": "yes"}
    body = _oci_ipmi(given | {"ipmi_username": "oci", "ipmi_addr": "10.0.0.5", "ipmi_port": 623})
    assert body == {"username": "oci", "address": "10.0.0.5", "port": 623}
    assert _oci_ipmi(given) == {}
    for flags, words in (
        ({"ipmi_use": "no"}, "no per-machine IPMI off switch"),
        ({"ipmi_call_chassis_bootdev": "no"}, "always sets the boot device"),
    ):
        with pytest.raises(click.UsageError, match=words):
            _oci_ipmi(IPMI | flags)
