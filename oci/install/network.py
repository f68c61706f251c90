"""The node's networking as ifupdown's /etc/network/interfaces (pure).

ifupdown rather than systemd-networkd, as OCI does: Open vSwitch ships its
ifupdown integration (ovs_type OVSBridge/OVSPort, in openvswitch-switch) and
networkd cannot create OVS bridges; bonds come from ifenslave, VLANs named
DEV.ID from ifupdown itself (longer names: vlanID with the `vlan` package).

Each network gives one chain: its NIC, or a bond of its two NICs (one bond per
pair, bond0, bond1... in order of appearance), then a VLAN on that if the
network has one, then an OVS bridge on that if it has a bridge (networks of
role ovs-bridge always do: br-ex unless named). The machine's address goes on
the last device of the chain. Devices several networks share (dual stack, VLANs
on one bond) are written once, with the largest MTU of what rides on them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from oci.errors import Conflict
from oci.install.spec import NetworkInput

__all__ = ["NetworkPlan", "default_bridge", "plan_network"]

IFNAMSIZ = 15  # longest Linux interface name
INTERFACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$")
BOND_OPTIONS = (
    # LACP, as OCI sets it up: the switch side must be an LACP port channel.
    ("bond-mode", "802.3ad"),
    ("bond-miimon", "100"),
    ("bond-lacp-rate", "fast"),
    ("bond-xmit-hash-policy", "layer3+4"),
)


def default_bridge(network: NetworkInput) -> str | None:
    """The OVS bridge a network rides on, if any."""
    if network.bridge:
        return network.bridge
    return "br-ex" if network.role == "ovs-bridge" else None


@dataclass
class _Device:
    name: str
    kind: str  # nic, bond, vlan, bridge
    members: tuple[str, ...] = ()  # bond slaves
    parent: str | None = None  # a VLAN's raw device
    vlan: int | None = None
    port_of: str | None = None  # the OVS bridge this device is a port of
    ports: list[str] = field(default_factory=list)  # a bridge's ports
    mtu: int | None = None
    addresses: list[tuple[NetworkInput, str | None]] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # VLANs on it
    used_by: list[str] = field(default_factory=list)  # network names, for messages


class _DeviceFields(TypedDict, total=False):
    """What a new _Device may be given beyond its name and kind."""

    members: tuple[str, ...]
    parent: str
    vlan: int


@dataclass(frozen=True)
class NetworkPlan:
    interfaces: str  # the text of /etc/network/interfaces
    packages: tuple[str, ...]  # what the target needs for it (ifenslave, vlan, ...)
    devices: tuple[str, ...]  # every interface named, in file order


def _gateway(network: NetworkInput) -> str | None:
    """The first host address, by the ipam convention; none on point-to-point networks."""
    net = ipaddress.ip_network(network.cidr)
    if net.num_addresses <= 2:
        return None
    return str(next(iter(net.hosts())))


def _default_routes(networks: tuple[NetworkInput, ...]) -> dict[str, str]:
    """network name -> gateway, one per IP version: the public network, else the
    first one serving every role, else the first one."""
    chosen: dict[str, str] = {}
    for version in (4, 6):
        held = [
            n
            for n in networks
            if n.address is not None
            and ipaddress.ip_network(n.cidr).version == version
            and _gateway(n) is not None
        ]
        ranked = sorted(held, key=lambda n: (not n.is_public, n.role != "all"))
        if ranked:
            gateway = _gateway(ranked[0])
            assert gateway is not None
            chosen[ranked[0].name] = gateway
    return chosen


class _Builder:
    def __init__(self) -> None:
        self.devices: dict[str, _Device] = {}
        self.bonds: dict[tuple[str, ...], str] = {}
        self.nic_owner: dict[str, str] = {}  # NIC -> what uses it: itself or a bond
        self.packages: set[str] = set()

    def _device(
        self, name: str, kind: str, network: str, **fields: Unpack[_DeviceFields]
    ) -> _Device:
        if not INTERFACE_NAME.match(name):
            raise Conflict(f"network {network}: {name!r} is not an interface name ifupdown takes")
        device = self.devices.get(name)
        if device is None:
            device = self.devices[name] = _Device(name, kind, **fields)
        device.used_by.append(network)
        return device

    def _claim(self, nic: str, owner: str, network: str) -> None:
        previous = self.nic_owner.setdefault(nic, owner)
        if previous != owner:
            raise Conflict(
                f"network {network}: {nic} would be used both as {previous} and as {owner}; "
                "networks on the same NICs must name them the same way (network-set)"
            )

    def base(self, network: NetworkInput) -> _Device:
        nics = network.interfaces
        if not nics or len(nics) > 2 or len(set(nics)) != len(nics):
            raise Conflict(f"network {network.name}: needs one NIC, or two different for a bond")
        if len(nics) == 1:
            self._claim(nics[0], nics[0], network.name)
            return self._device(nics[0], "nic", network.name)
        name = self.bonds.get(nics) or self.bonds.setdefault(nics, f"bond{len(self.bonds)}")
        for nic in nics:
            self._claim(nic, name, network.name)
        self.packages.add("ifenslave")
        return self._device(name, "bond", network.name, members=nics)

    def vlan(self, parent: _Device, network: NetworkInput, vlan: int) -> _Device:
        name = f"{parent.name}.{vlan}"
        if len(name) > IFNAMSIZ:
            # ifupdown creates DEV.ID itself; a shorter name needs the vlan package.
            name = f"vlan{vlan}"
            self.packages.add("vlan")
            other = self.devices.get(name)
            if other is not None and other.parent != parent.name:
                raise Conflict(
                    f"network {network.name}: VLAN {vlan} on {parent.name} and on "
                    f"{other.parent} would both be named {name}"
                )
        device = self._device(name, "vlan", network.name, parent=parent.name, vlan=vlan)
        if name not in parent.children:
            parent.children.append(name)
        return device

    def bridge(self, uplink: _Device, network: NetworkInput, name: str) -> _Device:
        if len(name) > IFNAMSIZ:
            raise Conflict(f"network {network.name}: bridge name {name!r} is too long")
        self.packages.add("openvswitch-switch")
        device = self._device(name, "bridge", network.name)
        if uplink.port_of not in (None, name):
            raise Conflict(
                f"network {network.name}: {uplink.name} is already a port of {uplink.port_of}"
            )
        uplink.port_of = name
        if uplink.name not in device.ports:
            device.ports.append(uplink.name)
        return device

    def check(self) -> None:
        for device in self.devices.values():
            if device.port_of and (device.addresses or device.children):
                what = "an address" if device.addresses else "VLANs"
                raise Conflict(
                    f"{device.name} is a port of OVS bridge {device.port_of} and also carries "
                    f"{what} (networks {', '.join(sorted(set(device.used_by)))}): put the "
                    "bridge or the other networks on a VLAN of their own"
                )


def _mtus(builder: _Builder, networks: tuple[NetworkInput, ...]) -> None:
    """Every device of a network's chain (NIC or bond, VLAN, bridge) carries its frames:
    each gets the largest MTU of the networks through it, so a parent is never smaller."""
    for network in networks:
        if network.mtu is None:
            continue
        for device in builder.devices.values():
            if network.name in device.used_by:
                device.mtu = max(device.mtu or 0, network.mtu)


def plan_network(networks: tuple[NetworkInput, ...]) -> NetworkPlan:
    builder = _Builder()
    gateways = _default_routes(networks)
    for network in networks:
        device = builder.base(network)
        if network.vlan is not None:
            device = builder.vlan(device, network, network.vlan)
        bridge = default_bridge(network)
        if bridge is not None:
            device = builder.bridge(device, network, bridge)
        if network.address is not None:
            device.addresses.append((network, gateways.get(network.name)))
    builder.check()
    _mtus(builder, networks)
    order = {"nic": 0, "bond": 1, "vlan": 2, "bridge": 3}
    devices = sorted(builder.devices.values(), key=lambda d: order[d.kind])
    lines = [
        "# Written by oci-install from the cluster's networks (oci network-add/network-set).",
        "",
        "source /etc/network/interfaces.d/*",
        "",
        "auto lo",
        "iface lo inet loopback",
    ]
    for device in devices:
        lines.append("")
        lines += _stanzas(device)
    return NetworkPlan(
        interfaces="\n".join(lines) + "\n",
        packages=tuple(sorted(builder.packages)),
        devices=tuple(d.name for d in devices),
    )


def _device_options(device: _Device) -> list[str]:
    options: list[str] = []
    if device.kind == "bond":
        options.append(f"bond-slaves {' '.join(device.members)}")
        options += [f"{key} {value}" for key, value in BOND_OPTIONS]
    if device.kind == "vlan" and not device.name.startswith(f"{device.parent}."):
        options.append(f"vlan-raw-device {device.parent}")
    if device.kind == "bridge":
        options.append("ovs_type OVSBridge")
        options.append(f"ovs_ports {' '.join(device.ports)}")
        if device.mtu:
            options.append(f"ovs_mtu {device.mtu}")
    elif device.mtu:
        options.append(f"mtu {device.mtu}")
    if device.port_of:
        options.append(f"ovs_bridge {device.port_of}")
        options.append("ovs_type OVSPort")
    return options


def _stanzas(device: _Device) -> list[str]:
    if device.port_of:
        lines = [f"allow-{device.port_of} {device.name}"]
    elif device.kind == "bridge":
        lines = [f"auto {device.name}", f"allow-ovs {device.name}"]
    else:
        lines = [f"auto {device.name}"]
    options = _device_options(device)
    if not device.addresses:
        return [*lines, f"iface {device.name} inet manual", *(f"    {o}" for o in options)]
    for index, (network, gateway) in enumerate(device.addresses):
        net = ipaddress.ip_network(network.cidr)
        family = "inet" if net.version == 4 else "inet6"
        if index:
            lines.append("")
        lines.append(f"iface {device.name} {family} static")
        lines.append(f"    # network {network.name}")
        lines.append(f"    address {network.address}/{net.prefixlen}")
        if gateway:
            lines.append(f"    gateway {gateway}")
        if index == 0:  # the device itself is set up once
            lines += [f"    {o}" for o in options]
    return lines
