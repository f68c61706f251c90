"""OCI's rows -> a plan of our records (pure: no database, no key, no clock).

Every OCI column is accounted for: mapped onto a field or an option of ours,
listed as skipped (OCI-only state such as the DHCP address last seen, or a
column at OCI's default everywhere), or, when it holds something ours cannot
express, named in a refusal. Nothing is dropped silently.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from oci.choices import NETWORK_SPECIAL_ROLES
from oci.enrolment import secrets as cluster_secrets
from oci.enrolment.clusters import check_ipmi_match, check_range
from oci.enrolment.options import ClusterOptions, MachineSettings
from oci.errors import Invalid
from oci.ingest.archive import ReportRejected
from oci.ingest.facts import RaidDriveFacts, StorageControllerFacts
from oci.ingest.identity import universally_administered
from oci.ingest.oci_json import raid_drives_of, storage_controllers_of
from oci.models.network import VIP_USAGES, Network
from oci.models.status import MachineStatus

__all__ = ["Plan", "Unmappable", "map_snapshot"]

Row = Mapping[str, Any]
MIB = 1024 * 1024

# Columns read into a field of ours, or that only say which row is which.
CLUSTER_STRUCTURE = {"id", "name", "domain", "first_master_machine_id"}
# OCI's own bookkeeping, recomputed by us: listed as skipped when set.
CLUSTER_STATE = {"first_sql_machine_id", "first_rabbit_machine_id"}
MACHINE_STRUCTURE = {
    "id",
    "memory",
    "serial",
    "system_manufacturer",
    "product_name",
    "hostname",
    "installed",
    "puppet_status",
    "status",
    "role",
    "cluster",
    "location_id",
    "ipmi_use",
    "ipmi_addr",
    "ipmi_port",
    "ipmi_username",
    "ipmi_password",
    "loc_dc",
    "loc_row",
    "loc_rack",
    "loc_u_start",
    "bios_version",
    "ipmi_firmware_version",
    "ipmi_detected_ip",
    "cpu_vendor",
    "cpu_model_name",
    "cpu_threads",
    "cpu_core_per_socket",
    "cpu_sockets",
    "cpu_mhz",
    "secure_boot",
    # read with secure_boot (no Secure Boot without UEFI); listed as skipped when set
    "boot_uefi",
    # machine-set options under other names of ours (``_machine_settings``)
    "serial_console_dev",
    "raid_dev0",
    "raid_dev1",
    "raid_dev2",
    "raid_dev3",
    "use_gpu",
    "gpu_name",
    "gpu_vendor_id",
    "gpu_product_id",
    "gpu_device_type",
    "vfio_ids",
}
MACHINE_STATE = {
    # Ours counts reports and sightings itself; OCI's counter would replay its
    # automation steps here.
    "lastseen",
    "report_counter",
    "dhcp_ip",
    "ipaddr",
    "ipmi_set_in_progress",
    "ipmi_call_chassis_bootdev",
    "notes",
    "ladvd_report",
    "dell_lifecycle_version",
    "loc_u_end",
}
NETWORK_STRUCTURE = {
    "id",
    "name",
    "ip",
    "cidr",
    "is_public",
    "cluster",
    "role",
    "iface1",
    "iface2",
    "bridgename",
    "vlan",
    "mtu",
    "location_id",
}
# network-set --first-ip/--last-ip (integers; 0 or OCI's derived bound: the whole
# network) and --ipmi-match-addr/--ipmi-match-cidr ('0.0.0.0' and 0: unset).
NETWORK_RANGE = {"first_ip", "last_ip", "ipmi_match_addr", "ipmi_match_cidr"}
# OCI's blkdev_ctrl (absent from OCIs before it): all read; hwid, lshw's id, repeats
# across a machine's controllers, so ours names them ctrl<N> in OCI's order.
CONTROLLER_COLUMNS = {
    "id",
    "machine_id",
    "hwid",
    "vendor",
    "product",
    "ctrl_type",
    "firmware_version",
}
# OCI's physblockdevices: the drives behind a MegaRAID (megacli), all read.
RAID_DRIVE_COLUMNS = {"id", "machine_id", "slot", "model", "serial", "size", "state"}

RAID_MEMBERS = {"0": 2, "1": 2, "5": 3, "6": 4, "10": 4}
_EMPTY = ("", "none", "None", "unknown", "0.0.0.0")
_PHP_STRING = re.compile(r's:([0-9]+):"(.*)";', re.DOTALL)


class Unmappable(Exception):
    """What cannot be imported, each problem naming the OCI row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class NetworkRecord:
    name: str
    address: str
    prefix_length: int
    ip_version: int
    location: str
    is_public: bool
    cluster: str | None
    role: str | None
    iface1: str | None
    iface2: str | None
    mtu: int | None
    vlan: int | None
    bridge_name: str | None
    first_ip: str | None = None
    last_ip: str | None = None
    ipmi_match_address: str | None = None
    ipmi_match_prefix_length: int | None = None


@dataclass(frozen=True)
class ClusterRecord:
    name: str
    domain: str
    options: dict[str, Any]
    # stored name -> clear value; the ones OCI left empty are in ``generate``
    secrets: dict[str, str]
    generate: tuple[str, ...]
    role_counters: dict[str, int]  # role -> next N


@dataclass(frozen=True)
class NicRecord:
    name: str
    mac: str
    identity_mac: str | None
    speed_mbps: int | None
    driver: str | None
    firmware_version: str | None


@dataclass(frozen=True)
class LldpRecord:
    interface: str
    switch_name: str
    port_id: str | None


@dataclass(frozen=True)
class DiskRecord:
    name: str
    size_bytes: int
    kind: str


@dataclass(frozen=True)
class BmcRecord:
    ip_address: str | None
    firmware_version: str | None
    ipmi_address: str | None
    ipmi_port: int | None
    ipmi_username: str | None
    ipmi_password: str | None  # clear; apply encrypts it


@dataclass(frozen=True)
class AddressRecord:
    network: str
    address: str
    purpose: str  # host | bmc | vip
    vip_usage: str | None = None


@dataclass(frozen=True)
class MachineRecord:
    serial: str
    columns: dict[str, Any]  # Machine columns: hardware, status, place
    cluster: str | None
    role: str | None
    location: str | None
    hostname: str | None
    is_first_master: bool
    settings: dict[str, Any]
    nics: tuple[NicRecord, ...]
    lldp: tuple[LldpRecord, ...]
    disks: tuple[DiskRecord, ...]
    controllers: tuple[StorageControllerFacts, ...]
    raid_drives: tuple[RaidDriveFacts, ...]
    bmc: BmcRecord | None
    addresses: tuple[AddressRecord, ...]
    root_key: tuple[str, str] | None  # (private, public body) from OCI's sshkeypairs


@dataclass
class Plan:
    regions: list[str] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)  # location -> region
    clusters: list[ClusterRecord] = field(default_factory=list)
    networks: list[NetworkRecord] = field(default_factory=list)
    machines: list[MachineRecord] = field(default_factory=list)
    vips: dict[str, list[AddressRecord]] = field(default_factory=dict)  # cluster -> VIPs
    skipped: list[str] = field(default_factory=list)


def _text(value: Any) -> str | None:
    """OCI's '' / 'none' / 'unknown' placeholders as None, else the stripped text."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in _EMPTY else text


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _yes(value: Any) -> bool:
    return str(value).strip().lower() == "yes"


def _is_default(value: Any, default: str | None) -> bool:
    if value is None or value == "":
        return default in (None, "")
    if default is None:
        return False
    if isinstance(value, float):
        try:
            return value == float(default)
        except ValueError:
            return False
    return str(value) == default


class _Problems:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.skipped: list[str] = []

    def refuse(self, text: str) -> None:
        self.problems.append(text)


def _check_leftovers(
    p: _Problems,
    table: str,
    rows: list[Row],
    defaults: Mapping[str, str | None],
    handled: set[str],
    state: set[str],
    label: str,
) -> None:
    """Refuse the columns nobody maps that hold a value other than OCI's default;
    list OCI-only state and columns at their default everywhere as skipped."""
    columns = [c for c in defaults if c not in handled]
    noun = table.removesuffix("s")
    for column in columns:
        set_rows = [r for r in rows if not _is_default(r.get(column), defaults.get(column))]
        if not set_rows:
            continue
        if column in state:
            p.skipped.append(
                f"{table}.{column}: OCI-only state, not imported ({len(set_rows)} row(s) set)"
            )
            continue
        for row in set_rows:
            p.refuse(
                f"{table} {row.get(label)!r}: {column}={_shown(column, row.get(column))} has no "
                "equivalent in oci; set it back to OCI's default "
                f"({defaults.get(column)!r}) in OCI, or leave this {noun} out"
            )


# Option and column names whose values are secrets (extswift_password,
# ipmi_password, an API key): never printed in a refusal or a skipped line.
# The option table marks none, so the name says it.
_SECRET_SUFFIXES = ("password", "passwd", "_pass", "_key", "secret", "_token")
_HIDDEN = "(a secret, not shown)"


def _is_secret(name: str) -> bool:
    return name.lower().endswith(_SECRET_SUFFIXES)


def _shown(name: str, value: Any) -> str:
    """``value`` as a refusal prints it: a secret's is hidden."""
    return _HIDDEN if _is_secret(name) else repr(value)


def _options(
    p: _Problems,
    model: type[ClusterOptions] | type[MachineSettings],
    row: Row,
    names: Iterable[str],
    what: str,
) -> dict[str, Any]:
    """Our stored options for OCI's columns ``names`` of ``row``: the ones that differ
    from our default. Validated together (some options depend on others: RAID 1
    needs two devices); a refusal names the option."""
    raw: dict[str, Any] = {}
    for name in names:
        value = row.get(name)
        if value is None or (isinstance(value, str) and value.strip() == ""):
            continue
        raw[name] = value
    try:
        parsed = model.model_validate(raw).model_dump(mode="json")
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            if name in raw:
                if _is_secret(name):  # a validator's message may quote the value
                    message = message.replace(str(raw[name]), _HIDDEN)
                shown = _shown(name, raw[name])
                p.refuse(f"{what}: option {name}={shown} is not valid in oci: {message}")
            else:
                p.refuse(f"{what}: its options are not valid together in oci: {message}")
        return {}
    defaults = model.model_validate({}).model_dump(mode="json")
    return {name: parsed[name] for name in raw if parsed[name] != defaults.get(name)}


def php_string(value: Any) -> str | None:
    """A text OCI stored through PHP's serialize() (``s:LEN:"...";``, its SSH keys), or
    as is; None when empty."""
    if value is None:
        return None
    text = str(value)
    match = _PHP_STRING.fullmatch(text.strip())
    if match is not None and len(match.group(2).encode()) == int(match.group(1)):
        text = match.group(2)
    return text if text.strip() else None


def _address(value: Any, kind: Any) -> str:
    number = int(value)
    if str(kind) == "6":
        return str(ipaddress.IPv6Address(number))
    return str(ipaddress.IPv4Address(number))


def _status(row: Row) -> MachineStatus | None:
    status = str(row.get("status") or "live")
    puppet = str(row.get("puppet_status") or "notrun")
    if status in ("live", "bootinglive", "unkown", "None", ""):
        return MachineStatus.LIVE
    if status == "installing":
        return MachineStatus.INSTALLING
    if status in ("installed", "firstboot"):
        by_puppet = {
            "running": MachineStatus.PUPPET_RUNNING,
            "success": MachineStatus.PUPPET_SUCCESS,
            "failure": MachineStatus.PUPPET_FAILURE,
        }
        return by_puppet.get(puppet, MachineStatus(status))
    return None


def _secrets(p: _Problems, cluster: str, rows: list[Row]) -> tuple[dict[str, str], tuple[str, ...]]:
    values: dict[str, str] = {}
    empty: list[str] = []
    for row in rows:
        name = f"{row['service']}/{row['passtype']}"
        fmt = cluster_secrets.OCI_SECRETS.get(name)
        if fmt is None:
            p.skipped.append(f"cluster {cluster}: secret {name} (no role of oci reads it)")
            continue
        if fmt == "ssh":
            # OCI keeps the public key body and the private key PHP-serialized.
            public = php_string(row.get("passtxt1"))
            private = php_string(row.get("passtxt2"))
            if public is None or private is None:
                empty.append(name)
                continue
            private_name, public_name = cluster_secrets.stored_names(name)
            values[private_name] = private
            values[public_name] = _key_body(public)
            continue
        # Most in pass; some OCI versions put designate/rndckey in passtxt1.
        value = _text_exact(row.get("pass")) or _text_exact(row.get("passtxt1"))
        if value is None:
            empty.append(name)
            continue
        values[name] = value
    present = set(values)
    missing = [n for n in cluster_secrets.missing(present) if n not in empty]
    generate = tuple(sorted(set(empty) | set(missing)))
    for name in generate:
        why = "empty in OCI" if name in empty else "absent from OCI"
        p.skipped.append(f"cluster {cluster}: secret {name} {why}: oci makes its own, once")
    return values, generate


def _text_exact(value: Any) -> str | None:
    return None if value is None or str(value) == "" else str(value)


def _key_body(public: str) -> str:
    """The base64 body of a public key, as ours stores it (no type prefix, no comment)."""
    words = public.split()
    return words[1] if len(words) >= 2 and words[0].startswith(("ssh-", "ecdsa-")) else words[0]


def _machine_settings(
    p: _Problems, row: Row, option_columns: list[str], who: str
) -> dict[str, Any]:
    values: dict[str, Any] = {name: row.get(name) for name in option_columns}
    if "dest_blk" in values and _text(values["dest_blk"]) in (None, "none"):
        values["dest_blk"] = None  # OCI's default: the installer picks the disk
    # The BMC's LAN (machine-set --ipmi-*): OCI's column defaults, '255.255.255.0' and
    # 'off' (and '' for the gateway, which _options skips), are ours unset: the ipmi
    # network's. OCI's 'off' over a network with a VLAN has no equivalent here.
    for name, default in (("ipmi_netmask", "255.255.255.0"), ("ipmi_vlan", "off")):
        if name in values and _text(values[name]) in (None, default):
            values[name] = None
    console = _text(row.get("serial_console_dev"))
    extra: dict[str, Any] = {"serial_console": console or "none"}
    if _yes(row.get("install_on_raid")):
        count = RAID_MEMBERS.get(str(row.get("raid_type")), 2)
        extra["raid_devices"] = [str(row.get(f"raid_dev{i}")) for i in range(count)]
    if _yes(row.get("use_gpu")):
        gpu: dict[str, Any] = {
            "name": row.get("gpu_name"),
            "vendor_id": str(row.get("gpu_vendor_id") or "").lower(),
            "product_id": str(row.get("gpu_product_id") or "").lower(),
            "device_type": row.get("gpu_device_type") or "type-PCI",
        }
        vfio = _text(row.get("vfio_ids"))
        if vfio:
            gpu["vfio_ids"] = [v.lower() for v in vfio.replace(" ", ",").split(",") if v]
        extra["gpus"] = [gpu]
    values.update(extra)
    return _options(p, MachineSettings, values, values, who)


def _mhz(p: _Problems, row: Row, who: str) -> int | None:
    """OCI's cpu_mhz, lscpu's text ("2100.000"); None for its default '0'."""
    text = str(row.get("cpu_mhz") or "0").strip()
    whole, _, fraction = text.partition(".")
    if not (whole.isascii() and whole.isdigit() and (not fraction or fraction.isdigit())):
        p.refuse(f"{who}: cpu_mhz={row.get('cpu_mhz')!r} is not a clock in MHz")
        return None
    if int(whole) >= 2**31:  # our column is a 32-bit integer
        p.refuse(f"{who}: cpu_mhz={row.get('cpu_mhz')!r} is beyond any CPU clock")
        return None
    return int(whole) or None


def _secure_boot(row: Row) -> bool:
    """As our ingest of OCI's agent reads it: enforced only under UEFI (OCI's agent
    says "no" when mokutil is missing too)."""
    return _yes(row.get("boot_uefi")) and _yes(row.get("secure_boot"))


def _hardware(row: Row) -> dict[str, Any]:
    sockets = _int(row.get("cpu_sockets"))
    per_socket = _int(row.get("cpu_core_per_socket"))
    u_start = _int(row.get("loc_u_start"))
    return {
        "manufacturer": _text(row.get("system_manufacturer")),
        "product_name": _text(row.get("product_name")),
        "bios_version": _text(row.get("bios_version")),
        "cpu_vendor": _text(row.get("cpu_vendor")),
        "cpu_model": _text(row.get("cpu_model_name")),
        "cpu_sockets": sockets,
        "cpu_cores": per_socket * sockets if per_socket and sockets else None,
        "cpu_threads": _int(row.get("cpu_threads")),
        "secure_boot": _secure_boot(row),
        "memory_bytes": (_int(row.get("memory")) or 0) * MIB or None,
        "datacenter": _text(row.get("loc_dc")),
        "row": _text(row.get("loc_row")),
        "rack": _text(row.get("loc_rack")),
        "u_position": u_start,
    }


def _bmc(row: Row) -> BmcRecord | None:
    detected = _text(row.get("ipmi_detected_ip"))
    firmware = _text(row.get("ipmi_firmware_version"))
    username = _text(row.get("ipmi_username"))
    password = row.get("ipmi_password") or None
    address = _text(row.get("ipmi_addr"))
    if not (detected or firmware or username or address):
        return None
    has_credentials = username is not None and password is not None
    return BmcRecord(
        ip_address=detected,
        firmware_version=firmware,
        ipmi_address=address if has_credentials else None,
        ipmi_port=_int(row.get("ipmi_port")) if has_credentials else None,
        ipmi_username=username if has_credentials else None,
        ipmi_password=str(password) if has_credentials else None,
    )


def _nics(rows: list[Row]) -> tuple[tuple[NicRecord, ...], tuple[LldpRecord, ...]]:
    nics: list[NicRecord] = []
    lldp: list[LldpRecord] = []
    seen: set[str] = set()
    for row in rows:
        mac = str(row["macaddr"]).lower()
        identifies = universally_administered(mac) and mac not in seen
        seen.add(mac)
        nics.append(
            NicRecord(
                name=str(row["name"]),
                mac=mac,
                identity_mac=mac if identifies else None,
                speed_mbps=_int(row.get("max_speed")),
                driver=_text(row.get("driver")),
                firmware_version=_text(row.get("firmware_version"))
                if row.get("firmware_version") != "0.0.0"
                else None,
            )
        )
        switch = _text(row.get("switch_hostname"))
        if switch:
            lldp.append(LldpRecord(str(row["name"]), switch, _text(row.get("switchport_name"))))
    return tuple(nics), tuple(lldp)


def _disks(rows: list[Row]) -> tuple[DiskRecord, ...]:
    return tuple(
        DiskRecord(
            name=str(row["name"]),
            size_bytes=int(row.get("size_mb") or 0) * MIB,
            kind="nvme" if str(row["name"]).startswith("nvme") else "other",
        )
        for row in rows
    )


def _raid_members(
    p: _Problems, rows: list[Row], controllers: tuple[StorageControllerFacts, ...], who: str
) -> tuple[RaidDriveFacts, ...]:
    """OCI's physblockdevices of one machine, as our ingest reads its agent's
    phys-blockdevices (the one MegaRAID, when there is one, owns them)."""
    entries = [
        {c: "" if row.get(c) is None else str(row[c]) for c in ("slot", "model", "serial")}
        # OCI's defaults of size and state, 0 and no-state: not known
        | {c: "" if row.get(c) in (None, 0, "no-state") else str(row[c]) for c in ("size", "state")}
        for row in rows
    ]
    try:
        drives = raid_drives_of(entries, controllers)
    except ReportRejected as exc:
        p.refuse(f"{who}: physblockdevices (its agent's phys-blockdevices): {exc}")
        return ()
    seen: set[str] = set()
    for drive in drives:
        if drive.position in seen:
            p.refuse(
                f"{who}: physblockdevices lists slot {drive.position} twice; oci keeps one "
                "drive per slot (the machine's next report to oci lists them again)"
            )
            return ()
        seen.add(drive.position)
    return drives


def _oci_bound(value: Any) -> int | None:
    """OCI's first_ip or last_ip (a bigint); None for 0, OCI's "not computed yet"."""
    return int(value or 0) or None


def _oci_whole_range(
    net: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> tuple[set[int], set[int]]:
    """The first_ip and last_ip values OCI computes itself for ``net``, meaning the
    whole network: network-create's (by prefix) and network-set --ip/--cidr's."""
    base, size, prefix = int(net.network_address), net.num_addresses, net.prefixlen
    if prefix == net.max_prefixlen:
        return {base}, {base}
    firsts, lasts = {base + 2}, {base + size - 2}
    if net.version == 4 and prefix == 31:
        firsts.add(base)
        lasts.add(base + 1)
    elif net.version == 4 and prefix == 30:
        firsts.add(base + 1)
    return firsts, lasts


def _network_ranges(
    p: _Problems, name: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network, row: Row
) -> dict[str, Any] | None:
    """Our first_ip, last_ip, ipmi_match_address and ipmi_match_prefix_length for
    OCI's network ``row``; None, refused naming the column, when ours would refuse
    them. The checks are network-set's own (oci.enrolment.clusters), on a transient
    Network: what our API refuses, the import refuses."""
    first, last = _oci_bound(row.get("first_ip")), _oci_bound(row.get("last_ip"))
    firsts, lasts = _oci_whole_range(net)
    if first is None or last is None:  # OCI recomputes both when either is 0
        first = last = None
    first = None if first in firsts else first
    last = None if last in lasts else last
    bounds: dict[str, str | None] = {}
    for column, number in (("first_ip", first), ("last_ip", last)):
        try:
            bounds[column] = None if number is None else str(ipaddress.ip_address(number))
        except ValueError:
            p.refuse(
                f"network {name!r}: {column}={row.get(column)!r} is not an address; "
                f"set it again with OCI's network-set --{column.replace('_', '-')}"
            )
            return None
    match_address = _text(row.get("ipmi_match_addr"))
    match_prefix = _int(row.get("ipmi_match_cidr"))
    transient = Network(
        name=name,
        address=str(net.network_address),
        prefix_length=net.prefixlen,
        ip_version=net.version,
        ipmi_match_address=match_address,
        ipmi_match_prefix_length=match_prefix,
        **bounds,
    )
    try:
        check_range(transient)
    except Invalid as exc:
        p.refuse(
            f"network {name!r}: {exc.message}; set the range again with OCI's "
            "network-set --first-ip/--last-ip"
        )
        return None
    try:
        check_ipmi_match(transient)
    except Invalid as exc:
        p.refuse(
            f"network {name!r}: ipmi_match_addr={row.get('ipmi_match_addr')!r} "
            f"ipmi_match_cidr={row.get('ipmi_match_cidr')!r}: {exc.message}; set them "
            "again with OCI's network-set --ipmi-match-addr/--ipmi-match-cidr"
        )
        return None
    return {
        "first_ip": transient.first_ip,
        "last_ip": transient.last_ip,
        "ipmi_match_address": transient.ipmi_match_address,
        "ipmi_match_prefix_length": transient.ipmi_match_prefix_length,
    }


def _by(rows: list[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.get(key), []).append(row)
    return grouped


def map_snapshot(snapshot: Any, known_roles: Iterable[str]) -> Plan:
    """The plan for ``snapshot`` (an ``OciSnapshot``); raises ``Unmappable`` listing
    every problem at once. ``known_roles``: the roles of our catalogue."""
    roles_ok = set(known_roles)
    p = _Problems()
    plan = Plan()

    plan.regions = [str(r["name"]) for r in snapshot.rows("swiftregions")]
    region_names = set(plan.regions)
    locations = {r["id"]: str(r["name"]) for r in snapshot.rows("locations")}
    for row in snapshot.rows("locations"):
        region = str(row["swiftregion"])
        if region not in region_names:
            p.refuse(f"location {row['name']!r}: its Swift region {region!r} does not exist")
        plan.locations[str(row["name"])] = region

    oci_roles = {r["id"]: str(r["name"]) for r in snapshot.rows("roles")}
    cluster_names = {r["id"]: str(r["name"]) for r in snapshot.rows("clusters")}
    machines_by_id = {r["id"]: r for r in snapshot.rows("machines")}
    counters = _by(snapshot.rows("rolecounts"), "cluster")
    passwords = _by(snapshot.rows("passwords"), "cluster")

    cluster_option_names = [
        s for s in ClusterOptions.model_fields if s in snapshot.defaults("clusters")
    ]
    for row in snapshot.rows("clusters"):
        name = str(row["name"])
        options = _options(p, ClusterOptions, row, cluster_option_names, f"cluster {name}")
        values, generate = _secrets(p, name, passwords.get(row["id"], []))
        role_counters: dict[str, int] = {}
        for counter in counters.get(row["id"], []):
            role = oci_roles.get(counter["role"])
            if role is not None and role in roles_ok:
                role_counters[role] = int(counter["count"]) + 1
        plan.clusters.append(
            ClusterRecord(name, str(row["domain"]), options, values, generate, role_counters)
        )
    _check_leftovers(
        p,
        "clusters",
        snapshot.rows("clusters"),
        snapshot.defaults("clusters"),
        CLUSTER_STRUCTURE | set(cluster_option_names),
        CLUSTER_STATE,
        "name",
    )

    networks = {r["id"]: r for r in snapshot.rows("networks")}
    for row in snapshot.rows("networks"):
        name = str(row["name"])
        location = locations.get(row.get("location_id"))
        if location is None:
            p.refuse(f"network {name!r}: no location (oci needs one per network)")
            continue
        role = _text(row.get("role"))
        if row.get("cluster") is not None and row["cluster"] not in cluster_names:
            p.refuse(f"network {name!r}: its cluster id {row['cluster']} does not exist")
        if role is not None and role not in NETWORK_SPECIAL_ROLES and role not in roles_ok:
            p.refuse(f"network {name!r}: role {role!r} is not a role of oci")
        try:
            net = ipaddress.ip_network(f"{row['ip']}/{row['cidr']}", strict=True)
        except ValueError as exc:
            p.refuse(f"network {name!r}: {row['ip']}/{row['cidr']} is not a network: {exc}")
            continue
        ranges = _network_ranges(p, name, net, row)
        if ranges is None:
            continue
        plan.networks.append(
            NetworkRecord(
                name=name,
                address=str(net.network_address),
                prefix_length=net.prefixlen,
                ip_version=net.version,
                location=location,
                is_public=_yes(row.get("is_public")),
                cluster=cluster_names.get(row.get("cluster")),
                role=role,
                iface1=_text(row.get("iface1")),
                iface2=_text(row.get("iface2")),
                mtu=_int(row.get("mtu")),
                vlan=_int(row.get("vlan")),
                bridge_name=_text(row.get("bridgename")),
                **ranges,
            )
        )
    _check_leftovers(
        p,
        "networks",
        snapshot.rows("networks"),
        snapshot.defaults("networks"),
        NETWORK_STRUCTURE | NETWORK_RANGE,
        set(),
        "name",
    )

    addresses: dict[int, list[AddressRecord]] = {}
    for row in snapshot.rows("ips"):
        network = networks.get(row["network"])
        if network is None:
            p.refuse(f"address id {row['id']}: its network {row['network']} does not exist")
            continue
        address = _address(row["ip"], row.get("type"))
        usefor = str(row.get("usefor") or "machine")
        if usefor == "vip":
            cluster = cluster_names.get(network.get("cluster"))
            usage = str(row.get("vip_usage") or "api")
            if usage not in VIP_USAGES:
                p.refuse(f"VIP {address} on {network['name']!r}: usage {usage!r} unknown to oci")
            elif cluster is None:
                p.refuse(f"VIP {address} on {network['name']!r}: the network is in no cluster")
            else:
                plan.vips.setdefault(cluster, []).append(
                    AddressRecord(str(network["name"]), address, "vip", usage)
                )
            continue
        purpose = "bmc" if usefor == "ipmi" else "host"
        if row["machine"] not in machines_by_id:
            p.refuse(f"address {address} on {network['name']!r}: held by no known machine")
            continue
        addresses.setdefault(row["machine"], []).append(
            AddressRecord(str(network["name"]), address, purpose)
        )

    keys = {
        str(r["hostname"]): r
        for r in snapshot.rows("sshkeypairs")
        if str(r.get("username") or "root") == "root"
    }
    nics = _by(snapshot.rows("ifnames"), "machine_id")
    disks = _by(snapshot.rows("blockdevices"), "machine_id")
    controllers = _by(snapshot.rows("blkdev_ctrl"), "machine_id")
    raid_drives = _by(snapshot.rows("physblockdevices"), "machine_id")
    first_masters = {r.get("first_master_machine_id") for r in snapshot.rows("clusters")}
    machine_defaults = snapshot.defaults("machines")
    option_columns = [n for n in MachineSettings.model_fields if n in machine_defaults]
    hostnames: dict[str, str] = {}
    for row in snapshot.rows("machines"):
        serial = _text(row.get("serial"))
        if serial is None:
            p.refuse(f"machine id {row['id']}: no serial number")
            continue
        who = f"machine {serial}"
        if row.get("cluster") is not None and row["cluster"] not in cluster_names:
            p.refuse(f"{who}: its cluster id {row['cluster']} does not exist")
        cluster = cluster_names.get(row.get("cluster"))
        role = _text(row.get("role")) if cluster else None
        hostname = _text(row.get("hostname")) if cluster else None
        location = locations.get(row.get("location_id")) if cluster else None
        if cluster is not None:
            if role is None or role not in roles_ok:
                p.refuse(f"{who}: role {row.get('role')!r} is not a role of oci")
            if hostname is None:
                p.refuse(f"{who}: in cluster {cluster} without a host name")
            if location is None:
                p.refuse(f"{who}: in cluster {cluster} without a location")
        if hostname is not None:
            if hostname in hostnames:
                p.refuse(f"{who}: host name {hostname} is also {hostnames[hostname]}'s")
            hostnames[hostname] = serial
        status = _status(row)
        if status is None:
            p.refuse(f"{who}: status {row.get('status')!r} unknown to oci")
            continue
        columns = _hardware(row) | {"status": status, "cpu_mhz": _mhz(p, row, who)}
        machine_nics, lldp = _nics(nics.get(row["id"], []))
        # Named and kinded as our ingest of OCI's agent reports does.
        machine_controllers = storage_controllers_of(
            [{k: str(v) for k, v in c.items()} for c in controllers.get(row["id"], [])]
        )
        key = keys.get(hostname or "")
        root_key = None
        if key is not None:
            private = php_string(key.get("privatekey"))
            public = php_string(key.get("pubkey"))
            if private is not None and public is not None:
                root_key = (private, _key_body(public))
        plan.machines.append(
            MachineRecord(
                serial=serial,
                columns=columns,
                cluster=cluster,
                role=role,
                location=location,
                hostname=hostname,
                is_first_master=cluster is not None and row["id"] in first_masters,
                settings=_machine_settings(p, row, option_columns, who),
                nics=machine_nics,
                lldp=lldp,
                disks=_disks(disks.get(row["id"], [])),
                controllers=machine_controllers,
                raid_drives=_raid_members(
                    p, raid_drives.get(row["id"], []), machine_controllers, who
                ),
                bmc=_bmc(row),
                addresses=tuple(addresses.get(row["id"], [])),
                root_key=root_key,
            )
        )
    _check_leftovers(
        p,
        "machines",
        snapshot.rows("machines"),
        machine_defaults,
        MACHINE_STRUCTURE | set(option_columns),
        MACHINE_STATE,
        "serial",
    )
    _check_leftovers(
        p,
        "blkdev_ctrl",
        snapshot.rows("blkdev_ctrl"),
        snapshot.defaults("blkdev_ctrl"),
        CONTROLLER_COLUMNS,
        set(),
        "id",
    )
    _check_leftovers(
        p,
        "physblockdevices",
        snapshot.rows("physblockdevices"),
        snapshot.defaults("physblockdevices"),
        RAID_DRIVE_COLUMNS,
        set(),
        "id",
    )
    uefi = sum(_yes(r.get("boot_uefi")) for r in snapshot.rows("machines"))
    if uefi:
        p.skipped.append(
            f"machines.boot_uefi: read for Secure Boot only, oci keeps no boot firmware "
            f"column ({uefi} row(s) set; our live image sees it again)"
        )
    _counters_past_host_names(plan)
    if p.problems:
        raise Unmappable(p.problems)
    plan.skipped = p.skipped
    return plan


def _counters_past_host_names(plan: Plan) -> None:
    """Each role counter past the highest CLUSTER-ROLE-N in use, whatever OCI's
    rolecounts says: the next machine-add must not take a host name already held."""
    by_name = {c.name: c for c in plan.clusters}
    for machine in plan.machines:
        if machine.cluster is None or machine.role is None or machine.hostname is None:
            continue
        prefix = f"{machine.cluster}-{machine.role}-"
        label = machine.hostname.split(".", 1)[0]
        if label.startswith(prefix) and label[len(prefix) :].isdigit():
            counters = by_name[machine.cluster].role_counters
            needed = int(label[len(prefix) :]) + 1
            counters[machine.role] = max(counters.get(machine.role, 1), needed)
