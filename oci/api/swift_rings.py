"""/api/v1/clusters/<name>/swift-rings: build the Swift rings (swift-calculate-ring), show
them, and send them to the Swift nodes (swift-publish-ring).

A calculation runs in the background (oci.swift.calculation): at OCI's part
power a rebalance outlasts a worker's request timeout. POST answers 202 at
once; GET .../calculation tells when it is done and holds its answer."""

from __future__ import annotations

from typing import Any

import paramiko
from flask import Blueprint
from pydantic import Field

from oci import remote
from oci.api.common import Input, Output
from oci.api.endpoint import endpoint
from oci.api.session import app_settings, db
from oci.enrolment import clusters
from oci.models import Cluster
from oci.swift import calculation, inputs, publish, rings
from oci.swift.builder import Listing
from oci.swift.plan import plan

bp = Blueprint("swift_rings", __name__)
TAG = "swift-rings"


def _weight(
    description: str = "Every device's weight in this ring; default: disk size in GB",
) -> Any:
    return Field(None, gt=0, le=1_000_000, description=description)


class CalculateIn(Input):
    ec_only: bool = Field(
        False, description="Only the erasure-coded policy's ring (OCI's --ec-only yes)"
    )
    account_weight: float | None = _weight()
    container_weight: float | None = _weight()
    object_weight: float | None = _weight(
        "Every device's weight in the object rings (the EC one too); default: disk size in GB"
    )


class DeviceOut(Output):
    id: int
    region: int
    zone: int
    ip: str
    port: int
    device: str
    weight: float
    partitions: int
    balance: float
    meta: str


class RingOut(Output):
    ring: str = Field(description="account, container, object, or object-N (policy N)")
    part_power: int
    partitions: int
    replicas: float
    min_part_hours: int
    regions: int
    zones: int
    device_count: int
    balance: float = Field(description="Worst device's distance from its fair share, in %")
    dispersion: float
    added: int = 0
    removed: int = 0
    changed: int = Field(0, description="Devices whose weight, region, zone or meta changed")
    rebalance: str = Field("", description="What swift-ring-builder's rebalance said")
    devices: list[DeviceOut]


class RingsOut(Output):
    cluster: str
    directory: str = Field(description="Where the server keeps the builder and ring files")
    rings: list[RingOut]
    problems: list[str] = Field(default_factory=list, description="What was left out, and why")


class PublishIn(Input):
    port: int | None = Field(
        None, ge=1, le=65535, description="SSH port; default: the live_ssh_port setting (22)"
    )


class SentOut(Output):
    hostname: str
    address: str | None
    sent: bool
    error: str | None


class PublishOut(Output):
    cluster: str
    files: list[str]
    nodes: list[SentOut]


def _ring(name: str, listing: Listing, report: rings.RingReport | None = None) -> RingOut:
    return RingOut(
        ring=name,
        part_power=listing.part_power,
        partitions=listing.partitions,
        replicas=listing.replicas,
        min_part_hours=listing.min_part_hours,
        regions=listing.regions,
        zones=listing.zones,
        device_count=len(listing.devices),
        balance=listing.balance,
        dispersion=listing.dispersion,
        added=report.added if report else 0,
        removed=report.removed if report else 0,
        changed=report.changed if report else 0,
        rebalance=report.rebalance if report else "",
        devices=[
            DeviceOut(
                id=d.id,
                region=d.region,
                zone=d.zone,
                ip=d.ip,
                port=d.port,
                device=d.device,
                weight=d.weight,
                partitions=d.partitions,
                balance=d.balance,
                meta=d.meta,
            )
            for d in listing.devices
        ],
    )


class CalculationOut(Output):
    cluster: str
    state: str = Field(
        description="none (never calculated), running, done or failed; the last calculation's"
    )
    started_at: str | None = None
    finished_at: str | None = None
    result: RingsOut | None = Field(None, description="The rings as built, when done")
    error: str | None = Field(None, description="Why it failed, when failed")


def _calculation(cluster: str, found: calculation.Calculation) -> CalculationOut:
    return CalculationOut(
        cluster=cluster,
        state=found.state,
        started_at=found.started_at,
        finished_at=found.finished_at,
        result=None if found.result is None else RingsOut.model_validate(found.result),
        error=found.error,
    )


@bp.post("/clusters/<name>/swift-rings")
@endpoint(
    "Start building or updating the cluster's Swift rings with swift-ring-builder "
    "(swift-calculate-ring); follow it at .../swift-rings/calculation",
    tag=TAG,
    body=CalculateIn,
    response=CalculationOut,
    status=202,
)
def calculate(name: str, body: CalculateIn) -> CalculationOut:
    session = db()
    view, hardware = inputs.gather(session, name)
    session.rollback()  # no transaction held while the builder runs
    weights = {
        kind: weight
        for kind, weight in (
            ("account", body.account_weight),
            ("container", body.container_weight),
            ("object", body.object_weight),
        )
        if weight is not None
    }
    # Planned here, so that what the inventory cannot give is refused at once.
    wanted = plan(view, hardware, weights=weights, ec_only=body.ec_only)
    directory = rings.ring_dir(app_settings().data_dir, view.name)

    def build() -> dict[str, Any]:
        reports = rings.calculate(directory, wanted)
        return RingsOut(
            cluster=view.name,
            directory=str(directory),
            rings=[_ring(r.name, r.listing, r) for r in reports],
            problems=list(wanted.problems),
        ).model_dump(mode="json")

    return _calculation(view.name, calculation.start(directory, build))


@bp.get("/clusters/<name>/swift-rings/calculation")
@endpoint(
    "How the cluster's last Swift ring calculation went, or that it still runs",
    tag=TAG,
    response=CalculationOut,
)
def calculation_state(name: str) -> CalculationOut:
    cluster = clusters.by_name(db(), Cluster, name, "cluster")
    directory = rings.ring_dir(app_settings().data_dir, cluster.name)
    return _calculation(cluster.name, calculation.latest(directory))


@bp.get("/clusters/<name>/swift-rings")
@endpoint("The cluster's Swift rings as the server keeps them", tag=TAG, response=RingsOut)
def show(name: str) -> RingsOut:
    cluster = clusters.by_name(db(), Cluster, name, "cluster")
    directory = rings.ring_dir(app_settings().data_dir, cluster.name)
    kept = rings.kept(directory) if directory.is_dir() else []
    return RingsOut(
        cluster=cluster.name,
        directory=str(directory),
        rings=[_ring(ring, listing) for ring, listing in kept],
    )


@bp.post("/clusters/<name>/swift-rings/publish")
@endpoint(
    "Send the kept ring files to the cluster's Swift nodes' /etc/swift over SSH, their "
    "host keys pinned (swift-publish-ring)",
    tag=TAG,
    body=PublishIn,
    response=PublishOut,
)
def publish_rings(name: str, body: PublishIn) -> PublishOut:
    settings = app_settings()
    session = db()
    view, _ = inputs.gather(session, name)
    nodes = inputs.publish_nodes(session, view, body.port or settings.live_ssh_port)
    session.rollback()
    key: paramiko.PKey = remote.server_key(settings.ssh_key_file)
    directory = rings.ring_dir(settings.data_dir, view.name)
    with rings.reading(directory):
        files = rings.kept_files(directory)
        sent = publish.publish(nodes, key, files)
    return PublishOut(
        cluster=view.name,
        files=[f.name for f in files],
        nodes=[
            SentOut(hostname=s.hostname, address=s.address, sent=s.error is None, error=s.error)
            for s in sent
        ],
    )
