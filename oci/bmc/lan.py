"""The LAN settings a BMC is given: which of three sources wins, per setting.

1. An explicit value of this run (machine-apply-ipmi --ipmi-netmask/--ipmi-defgw).
2. The machine's own options (machine-set --ipmi-netmask/--ipmi-default-gw/--ipmi-vlan,
   OCI's per-machine columns).
3. The ipmi network holding the address: its netmask, its first host as gateway
   (oci.enrolment.ipam), its VLAN.

A netmask from 1 or 2 also moves the derived gateway: it is the first host of the
network that netmask makes around the address, unless a gateway is given too.
Pure: no database, no BMC.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from oci.bmc.quirks import Lan, lan_for
from oci.errors import Invalid

__all__ = ["LanOverrides", "effective_lan", "machine_overrides"]


@dataclass(frozen=True)
class LanOverrides:
    """Settings that win over the network's; None: not given."""

    netmask: str | None = None
    gateway: str | None = None
    vlan: int | None = None


def machine_overrides(settings: Mapping[str, Any] | None) -> LanOverrides:
    """The machine's own LAN options, from its stored settings (only what was set)."""
    settings = settings or {}
    vlan = settings.get("ipmi_vlan")
    return LanOverrides(
        netmask=settings.get("ipmi_netmask"),
        gateway=settings.get("ipmi_default_gw"),
        vlan=int(vlan) if vlan is not None else None,
    )


def _pick(*values: object) -> object:
    return next((v for v in values if v is not None), None)


def effective_lan(
    address: str,
    network: ipaddress.IPv4Network | None,
    network_vlan: int | None,
    machine: LanOverrides = LanOverrides(),
    explicit: LanOverrides = LanOverrides(),
) -> Lan:
    """The BMC's Lan for `address`: per setting, `explicit`, else `machine`, else
    what `network` (the ipmi network holding the address, if any) gives.

    Raises Invalid (naming the field: netmask, gateway) when no netmask is known,
    a netmask is not one, or the gateway is not an IPv4 address of the result.
    """
    netmask = _pick(explicit.netmask, machine.netmask)
    field = "netmask" if explicit.netmask is not None else "ipmi_netmask"
    if netmask is not None:
        try:
            network = ipaddress.IPv4Network(f"{address}/{netmask}", strict=False)
        except ValueError:
            raise Invalid(
                f"{netmask!r} is not an IPv4 netmask", {"fields": {field: "an IPv4 netmask"}}
            ) from None
    if network is None:
        raise Invalid(
            f"no ipmi network of the machine's cluster holds {address}: give --ipmi-netmask "
            "(and --ipmi-defgw), or set them on the machine (machine-set --ipmi-netmask "
            "--ipmi-default-gw)",
            {"fields": {"netmask": "required: no ipmi network holds the address"}},
        )
    vlan = _pick(explicit.vlan, machine.vlan, network_vlan)
    lan = lan_for(address, network, vlan if isinstance(vlan, int) else None)
    gateway = _pick(explicit.gateway, machine.gateway)
    if gateway is None:
        return lan
    field = "gateway" if explicit.gateway is not None else "ipmi_default_gw"
    try:
        if ipaddress.IPv4Address(str(gateway)) not in network:
            raise ValueError
    except ValueError:
        raise Invalid(
            f"gateway {gateway!r} is not an IPv4 address in {network}",
            {"fields": {field: f"an IPv4 address in {network}"}},
        ) from None
    return Lan(lan.address, lan.netmask, str(gateway), lan.vlan)
