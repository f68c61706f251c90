"""The server's worker must outlive every run ocicli is told to wait for: a worker
killed half-way through a RAID build or a BMC set-up leaves the hardware half
done and no event saying what ran."""

from __future__ import annotations

from oci.admin import serve
from oci.cli import bmc, raid


def test_a_worker_outlives_every_run_the_client_waits_for() -> None:
    waits = {
        "RAID build/reset": raid.RAID_WAIT,
        "machine-ipmi-setup": bmc.SETUP_WAIT,
        "machine-apply-ipmi / renew-password / hpe": bmc.LIVE_WAIT,
        "machine-ipmi-cmd": bmc.IPMI_CMD_WAIT,
    }
    too_long = {what: wait for what, wait in waits.items() if wait > serve.WORKER_SILENCE_LIMIT}
    assert too_long == {}
