"""/api/v1/machines/<key>/raid/...: hardware RAID from the machine's hardware profile,
built by the vendor tool in its live system (OCI's machine-megacli-* commands)."""

from __future__ import annotations

from dataclasses import asdict

import paramiko
from flask import Blueprint
from pydantic import Field

from oci import remote
from oci.api.common import Input, Output
from oci.api.endpoint import endpoint
from oci.api.session import app_settings, write
from oci.bmc import quirks as bmc_quirks
from oci.raid import run as raid_run

bp = Blueprint("raid", __name__)
TAG = "raid"


class RaidApplyIn(Input):
    profile: str | None = Field(
        None,
        max_length=64,
        description="Hardware profile; default: the one applied to the machine, else the "
        "one that matches it (machine-guessed-profile); the answer's profile says which",
    )
    dry_run: bool = Field(False, description="Only say which commands would run (OCI's -d)")
    force: bool = Field(False, description="Build again even if the controller already fits")


class RaidCheckIn(Input):
    profile: str | None = Field(None, max_length=64)


class RanOut(Output):
    command: str = Field(description="What ran, quoted as the live system's shell read it")
    exit_status: int
    output: str


class RaidOut(Output):
    serial: str
    profile: str | None
    tool: str = Field(description="The RAID tool found in the live system")
    controller: str
    status: str = Field(description="applied, already-applied, planned, reset or checked")
    applied: bool | None = Field(description="Whether the controller fits the profile")
    reasons: list[str] = Field(description="What does not fit, one line each")
    planned: list[str] = Field(description="The commands to run (or that ran), in order")
    ran: list[RanOut]
    notes: list[str]


def _out(outcome: raid_run.Outcome) -> RaidOut:
    return RaidOut(**asdict(outcome))


def _ssh() -> tuple[int, paramiko.PKey]:
    settings = app_settings()
    return settings.live_ssh_port, remote.server_key(settings.ssh_key_file)


def _quirks() -> tuple[bmc_quirks.Quirk, ...]:
    return bmc_quirks.load_quirks(app_settings().bmc_quirks_file)


@bp.post("/machines/<key>/raid/apply")
@endpoint(
    "Build the hardware RAID of the machine's profile with the vendor tool in its live "
    "system (machine-megacli-apply): nothing if the controller already fits",
    tag=TAG,
    body=RaidApplyIn,
    response=RaidOut,
    errors=(502,),
)
def apply(key: str, body: RaidApplyIn) -> RaidOut:
    port, ssh_key = _ssh()
    outcome = raid_run.apply(
        write,
        key,
        _quirks(),
        profile=body.profile,
        dry_run=body.dry_run,
        force=body.force,
        ssh_port=port,
        ssh_key=ssh_key,
        settings=app_settings(),
    )
    return _out(outcome)


@bp.post("/machines/<key>/raid/reset")
@endpoint(
    "Clear the machine's RAID controller: foreign configurations, every volume, drives "
    "back to unconfigured good (machine-megacli-reset-raid)",
    tag=TAG,
    response=RaidOut,
    errors=(502,),
)
def reset(key: str) -> RaidOut:
    port, ssh_key = _ssh()
    return _out(
        raid_run.reset(
            write, key, _quirks(), ssh_port=port, ssh_key=ssh_key, settings=app_settings()
        )
    )


@bp.post("/machines/<key>/raid/check")
@endpoint(
    "Read the RAID controller back and say whether it fits the profile "
    "(machine-check-megacli-applied); changes nothing",
    tag=TAG,
    body=RaidCheckIn,
    response=RaidOut,
    errors=(502,),
)
def check(key: str, body: RaidCheckIn) -> RaidOut:
    port, ssh_key = _ssh()
    outcome = raid_run.check_applied(
        write,
        key,
        _quirks(),
        profile=body.profile,
        ssh_port=port,
        ssh_key=ssh_key,
        settings=app_settings(),
    )
    return _out(outcome)
