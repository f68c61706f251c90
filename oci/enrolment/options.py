"""Typed options: ``cluster-set`` (a cluster's defaults) and ``machine-set`` (one machine's).

Stored as JSON holding only what the operator set; read back through these
models, which fill in the defaults. Unknown options and bad values are refused
with the valid choices listed.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from oci.choices import (
    DEFAULT_OPENSTACK_RELEASE,
    CpuModel,
    GpuDeviceType,
    OpenStackRelease,
    RaidLevel,
    SerialConsole,
)

HostName = Annotated[
    str,
    StringConstraints(
        max_length=253,
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
        r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$",
    ),
    Field(description="A DNS host name", examples=["ntp.example.com"]),
]
Label = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
HexId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{4}$"), Field(examples=["10de"])]
VfioId = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-f]{4}:[0-9a-f]{4}$"), Field(examples=["10de:1eb8"])
]
# The cluster name that starts every host name (CLUSTER-ROLE-N.DOMAIN): a DNS label.
ClusterName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$"),
    Field(description="A cluster name", examples=["swift1"]),
]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Options(BaseModel):
    """Refuses unknown options by listing the known ones."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown:
                raise ValueError(
                    f"unknown option(s) {', '.join(unknown)}; "
                    f"valid options: {', '.join(cls.model_fields)}"
                )
        return data


class ClusterOptions(Options):
    time_server: HostName = Field("0.debian.pool.ntp.org", description="NTP server of the hosts")
    vip_hostname: HostName | None = Field(
        None, description="Host name of the API VIP; default CLUSTER-api.DOMAIN"
    )
    self_signed_api_cert: bool = Field(
        True, description="Sign the API certificate with oci's CA (no: the operator brings one)"
    )
    initial_cluster_setup: bool = Field(
        True,
        description="Bootstrap Galera, the VIP, RabbitMQ and Nova cells; "
        "turn off once every controller has run Puppet",
    )
    swift_part_power: int = Field(18, ge=6, le=24, description="Swift ring partition power")
    swift_replicas: int = Field(3, ge=1, le=6, description="Swift replicas")
    swift_min_part_hours: int = Field(
        1, ge=0, le=168, description="Hours before a partition may move again"
    )
    swift_proxy_hostname: HostName | None = Field(
        None, description="Public host name of the Swift proxies"
    )
    cpu_model: CpuModel = Field(
        "host-passthrough", description="CPU model of instances (computes may override)"
    )
    openstack_release: OpenStackRelease = Field(
        DEFAULT_OPENSTACK_RELEASE, description="OpenStack release to install"
    )
    monitoring_host: HostName | None = Field(None, description="Monitoring server")
    monitoring_graphite_host: HostName | None = Field(None, description="Graphite metrics host")
    monitoring_graphite_port: int = Field(2003, ge=1, le=65535)
    notification_email: Email | None = Field(None, description="Where alerts are mailed")
    notifications: bool = Field(
        False, description="OpenStack services send notifications on the message bus"
    )
    ceph_osds_on_computes: bool = Field(
        False, description="Hyper-converged: computes also run Ceph OSDs (not advised at scale)"
    )
    remote_swift_cluster: ClusterName | None = Field(
        None,
        description="A Swift-only cluster where this cluster's Glance images and Cinder "
        "backups are stored",
    )
    bgp_to_host: bool = Field(
        False,
        description="L3-only fabric: hosts peer by BGP with their top-of-rack switches over "
        "IPv6 link-local, host addresses live on the loopback",
    )
    bgp_asn_base: int = Field(
        4_200_000_000,
        ge=64_512,
        le=4_294_000_000,
        description="Private ASN of the first host; each host's ASN adds its machine id",
    )


class Gpu(BaseModel):
    """One GPU type of a compute, passed through to instances."""

    model_config = ConfigDict(extra="forbid")

    name: Label = Field(description="Alias used by flavors: pci_passthrough:alias=NAME:N")
    vendor_id: HexId
    product_id: HexId
    device_type: GpuDeviceType = "type-PCI"
    vfio_ids: list[VfioId] = Field(
        default_factory=list, description="IDs vfio-pci claims; default vendor:product"
    )


DiskName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{1,31}$")]


class MachineSettings(Options):
    install_on_raid: bool = Field(False, description="Install the OS on software RAID")
    raid_type: RaidLevel | None = None
    raid_devices: list[DiskName] = Field(
        default_factory=list, description="Disks of the RAID, e.g. sda sdb"
    )
    serial_console: SerialConsole = "ttyS0"
    use_ceph_if_available: bool = Field(False, description="Use Ceph for this compute's disks")
    cpu_model: CpuModel | None = Field(
        None, description="Overrides the cluster's CPU model on this compute"
    )
    gpus: list[Gpu] = Field(default_factory=list, description="GPU types to pass through")

    @model_validator(mode="after")
    def _consistent(self) -> MachineSettings:
        if self.install_on_raid:
            if self.raid_type is None:
                raise ValueError("install_on_raid needs raid_type (one of 0, 1, 5, 6, 10)")
            least = {"0": 2, "1": 2, "5": 3, "6": 4, "10": 4}[self.raid_type]
            if len(self.raid_devices) < least:
                raise ValueError(f"RAID {self.raid_type} needs at least {least} raid_devices")
        if len(set(self.raid_devices)) != len(self.raid_devices):
            raise ValueError("raid_devices lists a disk twice")
        names = [gpu.name for gpu in self.gpus]
        if len(set(names)) != len(names):
            raise ValueError("two GPU types have the same name")
        return self


def effective_vfio_ids(gpu: Gpu) -> list[str]:
    return gpu.vfio_ids or [f"{gpu.vendor_id}:{gpu.product_id}"]
