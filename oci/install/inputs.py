"""What the inventory knows of an enrolled machine -> InstallInputs (read only).

Refuses, with what to do, a machine that cannot be installed yet: not in a
cluster, a network on a NIC it does not have, no node certificate, no URL
for the node to report to.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.config import Settings
from oci.enrolment import ipam, root_password
from oci.enrolment.clusters import cluster_options
from oci.enrolment.machines import effective_settings
from oci.errors import Conflict
from oci.ingest.agentinfo import parse_agent_txt
from oci.ingest.archive import ReportRejected, unpack_report
from oci.ingest.contract import AGENT_FILE
from oci.install.spec import DiskInput, HostEntry, InstallInputs, NetworkInput
from oci.models import DiscoveryReport, IpAddress, Machine, Network, Role
from oci.security.pki import Pki
from oci.security.vault import Vault

__all__ = ["InstallInputs", "gather"]

# The roles whose machines every installed system can resolve from the start (its
# /etc/hosts): the control plane and its services, not the computes or the storage
# nodes, which can be thousands (the ENC's /etc/hosts lists them all, later).
LISTED_ROLES = (
    "controller",
    "network",
    "volume",
    "sql",
    "messaging",
    "cephmon",
    "swiftproxy",
    "dns",
    "debmirror",
)

_URL_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _firmware(session: Session, machine: Machine) -> str:
    """bios or uefi, as the live system's newest report says; else auto."""
    archive = session.scalar(
        select(DiscoveryReport.archive)
        .where(DiscoveryReport.machine_id == machine.id)
        .order_by(DiscoveryReport.id.desc())
        .limit(1)
    )
    if archive is None:
        return "auto"
    try:
        files = unpack_report(archive)
    except ReportRejected:
        return "auto"
    return parse_agent_txt(files.get(AGENT_FILE, "")).firmware or "auto"


def _networks(session: Session, machine: Machine, role: str) -> tuple[NetworkInput, ...]:
    nics = [ipam.NicSpeed(n.name, n.speed_mbps, n.physical) for n in machine.nics]
    held = {ip.network_id: ip.address for ip in machine.ip_addresses if ip.purpose == "host"}
    networks = session.scalars(
        select(Network).where(Network.cluster_id == machine.cluster_id).order_by(Network.id)
    ).all()
    result = []
    for network in networks:
        if network.id in held:
            address: str | None = held[network.id]
        elif network.location_id == machine.location_id and (
            # The machines that carry VM traffic get the bridge.
            (network.role == "ovs-bridge" and ipam.serves("vm-net", role))
            # A public network gives no machine an address: its NIC comes up
            # without one, for the VIPs the cluster's services move onto it.
            or (network.is_public and ipam.serves(network.role, role))
        ):
            address = None
        else:
            continue
        interfaces, missing = ipam.resolve_interfaces((network.iface1, network.iface2), nics)
        if missing:
            names = ", ".join(n.name for n in nics) or "none"
            raise Conflict(
                f"network {network.name} uses {missing[0]!r}, which designates no NIC of "
                f"{machine.hostname} (its NICs: {names}); fix it with network-set"
            )
        result.append(
            NetworkInput(
                name=network.name,
                cidr=network.cidr,
                role=network.role or "",
                interfaces=tuple(interfaces),
                address=address,
                vlan=network.vlan,
                mtu=network.mtu,
                bridge=network.bridge_name,
                is_public=network.is_public,
            )
        )
    if not any(n.address for n in result):
        raise Conflict(
            f"{machine.hostname} has no address in any network: it could not be reached "
            "nor report after installation (network-add a network serving its role)"
        )
    return tuple(result)


def _management(addresses: list[tuple[Network, str]]) -> str | None:
    """The address in the first network serving every role, else in the first one."""
    ordered = sorted(addresses, key=lambda pair: (pair[0].role != "all", pair[0].id))
    return ordered[0][1] if ordered else None


def _hosts(session: Session, machine: Machine) -> tuple[HostEntry, ...]:
    """The members of the roles the ENC lists (controllers, network nodes...) and the
    API VIP: computes and storage nodes can be thousands, Puppet adds what it needs."""
    rows = session.execute(
        select(Machine.id, Machine.hostname, Network, IpAddress.address)
        .join(Role, Machine.role_id == Role.id)
        .join(IpAddress, IpAddress.machine_id == Machine.id)
        .join(Network, IpAddress.network_id == Network.id)
        .where(
            Machine.cluster_id == machine.cluster_id,
            Role.name.in_(LISTED_ROLES),
            IpAddress.purpose == "host",  # not their BMCs'
        )
        .order_by(Machine.hostname, Network.id)
    ).all()
    by_machine: dict[str, list[tuple[Network, str]]] = {}
    for _id, hostname, network, address in rows:
        if hostname is None:  # not enrolled: every machine of a cluster has its name
            continue
        by_machine.setdefault(hostname, []).append((network, address))
    entries = []
    for hostname, addresses in by_machine.items():
        management = _management(addresses)
        if management is not None and hostname != machine.hostname:
            entries.append(HostEntry(management, hostname))
    vip = session.scalar(
        select(IpAddress.address)
        .join(Network, IpAddress.network_id == Network.id)
        .where(
            Network.cluster_id == machine.cluster_id,
            IpAddress.purpose == "vip",
            IpAddress.vip_usage == "api",  # not the SQL VIP
        )
        .order_by(Network.id)
        .limit(1)
    )
    assert machine.cluster is not None
    vip_hostname = cluster_options(machine.cluster).vip_hostname
    if vip is not None and vip_hostname:
        entries.append(HostEntry(vip, vip_hostname))
    return tuple(entries)


def _read_pki(settings: Settings, hostname: str, cluster: str) -> tuple[bytes, bytes, bytes]:
    pki = Pki(settings.pki_dir)
    crt, key = pki.node_paths(hostname)
    if not pki.chain_path.exists() or not crt.exists() or not key.exists():
        raise Conflict(
            f"no node certificate for {hostname} in {settings.pki_dir}: "
            f"issue it with `oci pki renew {cluster}`"
        )
    return pki.chain_path.read_bytes(), crt.read_bytes(), key.read_bytes()


def gather(
    session: Session, machine: Machine, settings: Settings, *, api_url: str | None = None
) -> InstallInputs:
    """Everything the installation of ``machine`` needs. ``api_url`` is the fallback
    for the URL the node reports to, when neither node_api_url nor boot_server_url is set."""
    serial = machine.serial or str(machine.id)
    if machine.cluster is None or machine.role is None or machine.hostname is None:
        raise Conflict(f"machine {serial!r} is in no cluster: machine-add it first")
    hostname = machine.hostname
    url = settings.node_api_url or settings.boot_server_url or api_url
    if not url:
        raise Conflict(
            "the server does not know the URL nodes reach it at: set node_api_url "
            "(or boot_server_url) in oci.toml"
        )
    options = effective_settings(machine)
    chain, certificate, key = _read_pki(settings, hostname, machine.cluster.name)
    public_key = settings.ssh_key_file.with_name(settings.ssh_key_file.name + ".pub")
    return InstallInputs(
        serial=machine.serial,
        # The serial names the machine, unless it would not fit in a URL path.
        status_key=machine.serial
        if machine.serial and _URL_KEY.match(machine.serial)
        else hostname,
        hostname=hostname,
        cluster=machine.cluster.name,
        role=machine.role.name,
        disks=tuple(DiskInput(d.name, d.size_bytes, d.transport) for d in machine.disks),
        install_on_raid=options.install_on_raid,
        raid_type=options.raid_type,
        raid_devices=tuple(options.raid_devices),
        dest_blk=options.dest_blk,
        serial_console=options.serial_console,
        firmware=_firmware(session, machine),
        networks=_networks(session, machine, machine.role.name),
        hosts=_hosts(session, machine),
        api_url=url,
        puppet_server=settings.puppet_server or urlsplit(url).hostname or "",
        debian_mirror=settings.debian_mirror,
        debian_release=settings.debian_release,
        debian_security_mirror=settings.debian_security_mirror,
        ca_chain=chain,
        certificate=certificate,
        private_key=key,
        ssh_authorized_keys=public_key.read_text() if public_key.exists() else "",
        root_password=_root_password(session, machine, settings),
    )


def _root_password(session: Session, machine: Machine, settings: Settings) -> str:
    """machine-gen-root-pass's password, decrypted for the bundle; empty when none."""
    if not root_password.has_password(session, machine.id):
        return ""
    the_vault = Vault.from_file(settings.effective_secret_key_file)
    return root_password.password_of(session, machine.id, the_vault) or ""
