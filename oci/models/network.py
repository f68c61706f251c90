"""IP networks of a location, optionally attached to a cluster, and their addresses."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oci.db import Base
from oci.models.mixins import Timestamps

if TYPE_CHECKING:
    from oci.models.cluster import Cluster
    from oci.models.location import Location
    from oci.models.machine import Machine

__all__ = ["VIP_USAGES", "IpAddress", "Network"]

# What a VIP (an IpAddress of purpose vip, held by no machine) is for, as OCI's
# ips.vip_usage: the API's VIP (on a public network), the SQL VIP (on the
# management network of the sql machines), the messaging VIP.
VIP_USAGES = ("api", "sql", "messaging")


class Network(Timestamps, Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(45))  # network address, compressed form
    prefix_length: Mapped[int]
    ip_version: Mapped[int]
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    is_public: Mapped[bool] = mapped_column(default=False)

    # Attachment (network-add): which cluster and role use it, on which NICs.
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(32))
    iface1: Mapped[str | None] = mapped_column(String(64))
    iface2: Mapped[str | None] = mapped_column(String(64))
    mtu: Mapped[int | None]
    vlan: Mapped[int | None]
    bridge_name: Mapped[str | None] = mapped_column(String(64))

    # OCI's network-set --first-ip/--last-ip: hosts take addresses in this range
    # only (NULL: the network's first or last usable address).
    first_ip: Mapped[str | None] = mapped_column(String(45))
    last_ip: Mapped[str | None] = mapped_column(String(45))
    # OCI's --ipmi-match-addr/--ipmi-match-cidr on an ipmi network: machines that
    # boot from this (DHCP) network take their BMC address in this one.
    ipmi_match_address: Mapped[str | None] = mapped_column(String(45))
    ipmi_match_prefix_length: Mapped[int | None]

    location: Mapped[Location] = relationship()
    cluster: Mapped[Cluster | None] = relationship(back_populates="networks")
    ip_addresses: Mapped[list[IpAddress]] = relationship(
        back_populates="network", cascade="all, delete-orphan"
    )

    @property
    def cidr(self) -> str:
        return f"{self.address}/{self.prefix_length}"

    @property
    def ip_network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr)


class IpAddress(Base):
    """One address of a network, held by a machine (host), its BMC (bmc, set up by
    machine-ipmi-setup) or reserved for one of the cluster's VIPs (vip: no machine,
    ``vip_usage`` says which VIP). Machines hold no address on a public network:
    a public network holds VIPs only."""

    __tablename__ = "ip_addresses"
    __table_args__ = (
        UniqueConstraint("network_id", "address"),
        # One address per machine per network; reservations have no machine.
        UniqueConstraint("network_id", "machine_id"),
        # One VIP of each usage per network (NULL for host and bmc rows).
        UniqueConstraint("network_id", "vip_usage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(45))
    machine_id: Mapped[int | None] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16), default="host")  # host | vip | bmc
    vip_usage: Mapped[str | None] = mapped_column(String(16))  # VIP_USAGES; NULL but for a vip

    network: Mapped[Network] = relationship(back_populates="ip_addresses")
    machine: Mapped[Machine | None] = relationship(back_populates="ip_addresses")
