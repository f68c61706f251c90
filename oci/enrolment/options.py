"""Typed options: ``cluster-set`` (a cluster's options) and ``machine-set`` (one machine's).

The options are the table of ``oci.choices`` (``CLUSTER_OPTION_SPECS`` and
``MACHINE_OPTION_SPECS``): OCI's names and defaults, and the few of our own.
This module makes the pydantic models ``ClusterOptions`` and ``MachineSettings``
from it, and ``enc_options()``, the options a node's Puppet classes receive.

Stored as JSON holding only what the operator set; read back through these
models, which fill in the defaults. Unknown options and bad values are refused
with the valid choices listed. Yes/no options are booleans: the API takes JSON
booleans and the strings yes/no/true/false.

Reading one option: ``cluster_options(cluster).time_server_host`` (any option by
its name; mypy types these attribute reads as ``Any``), or ``options.get("name")``,
or ``option_value("cpu_mode", cluster, machine)`` for a machine option that may
say ``cluster_value``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)

from oci.choices import (
    CLUSTER_OPTION_SPECS,
    CLUSTER_VALUE,
    MACHINE_OPTION_SPECS,
    OPTION_SPECS,
    GpuDeviceType,
    OptionScope,
    OptionSpec,
)
from oci.errors import Invalid

HOST_NAME_PATTERN = (
    r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
HostName = Annotated[
    str,
    StringConstraints(max_length=253, pattern=HOST_NAME_PATTERN),
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
DiskName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{1,31}$")]

_IPV4_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_IPV4_OCTET}(\.{_IPV4_OCTET}){{3}}"
# What a text option of each kind must match (checked here, offered as the hint in ocicli).
PATTERNS: dict[str, str] = {
    "host": HOST_NAME_PATTERN,
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "url": r"^https?://[^\s]{1,250}$",
    "ipv4": rf"^{_IPV4}$",
    "ipv6": r"^[0-9A-Fa-f:.]{2,45}$",
    "cidr": rf"^{_IPV4}/([0-9]|[12][0-9]|3[0-2])$",
    "mac": r"^(none|[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5})$",
    "duration": r"^[0-9]{1,9}(us|ms|s|m|h|d)?$",
    "text": r"^[^\x00-\x1f\x7f]{1,255}$",
}
_IPV6_CHECK = "ipv6"


def _yes_no(value: Any) -> bool:
    """yes/no/true/false (any case) or a boolean, as a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "true", "no", "false"):
        return value.strip().lower() in ("yes", "true")
    raise ValueError(f"expected yes or no (or true, false), not {value!r}")


def _yes_no_or_cluster(value: Any) -> bool | str:
    """As _yes_no, or cluster_value: take the cluster's."""
    if value == CLUSTER_VALUE:
        return CLUSTER_VALUE
    try:
        return _yes_no(value)
    except ValueError:
        raise ValueError(f"expected yes, no or {CLUSTER_VALUE}, not {value!r}") from None


def _ipv6(value: Any) -> Any:
    if isinstance(value, str):
        import ipaddress

        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv6 address") from None
    return value


def _literal(choices: tuple[str, ...]) -> Any:
    return Literal.__getitem__(choices)


def _base_type(spec: OptionSpec) -> Any:
    """The pydantic type of one value of ``spec`` (without None or cluster_value)."""
    kind = spec.kind
    if kind == "bool":
        return Annotated[bool, BeforeValidator(_yes_no)]
    if kind == "int":
        return Annotated[int, Field(ge=spec.low, le=spec.high)]
    if kind == "float":
        return Annotated[float, Field(ge=spec.low, le=spec.high)]
    if kind == "enum":
        return _literal(spec.choices)
    if kind == "name":
        return ClusterName
    if kind == "disks":
        return list[DiskName]
    if kind == "gpus":
        return list[Gpu]
    pattern = spec.pattern or PATTERNS[kind]
    base: Any = Annotated[str, StringConstraints(max_length=255, pattern=pattern)]
    if kind == _IPV6_CHECK:
        base = Annotated[base, BeforeValidator(_ipv6)]
    return base


# OCI stores "none" for these when nothing is named (its column default): unset here.
NONE_IS_UNSET = ("dest_blk",)


def _none_is_unset(value: Any) -> Any:
    return None if value == "none" else value


def _field(spec: OptionSpec) -> tuple[Any, Any]:
    annotation = _base_type(spec)
    if spec.inherit:
        # One type whose own check names cluster_value among the valid values.
        if spec.kind == "bool":
            annotation = Annotated[
                bool | Literal["cluster_value"], BeforeValidator(_yes_no_or_cluster)
            ]
        elif spec.kind == "enum":
            annotation = _literal((*spec.choices, CLUSTER_VALUE))
        # a text option's pattern takes cluster_value already
    if spec.default is None:
        annotation = annotation | None
    if spec.name in NONE_IS_UNSET:
        annotation = Annotated[annotation, BeforeValidator(_none_is_unset)]
    description = describe(spec)
    if isinstance(spec.default, tuple):
        return annotation, Field(default_factory=list, description=description)
    return annotation, Field(spec.default, description=description)


def describe(spec: OptionSpec) -> str:
    """The option's description with where it goes, for the API's schema."""
    where = []
    if spec.roles:
        where.append("every role" if "all" in spec.roles else ", ".join(spec.roles))
    where += [f"oci::{name}" for name in spec.classes]
    target = f" (Puppet: {'; '.join(where)}" + (f", as {spec.param})" if spec.param else ")")
    return spec.help + (target if where else "")


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

    @model_validator(mode="before")
    @classmethod
    def _cpu_model_implies_mode(cls, data: Any) -> Any:
        """A CPU mode given as cpu_model (as hardware profiles do) becomes cpu_mode; a
        named model given alone implies cpu_mode custom."""
        if not isinstance(data, dict) or "cpu_model" not in data or "cpu_mode" in data:
            return data
        model = data["cpu_model"]
        if model in ("host-passthrough", "host-model"):
            data = {k: v for k, v in data.items() if k != "cpu_model"} | {"cpu_mode": model}
        elif isinstance(model, str) and model != CLUSTER_VALUE:
            data = data | {"cpu_mode": "custom"}
        return data

    def get(self, name: str) -> Any:
        """One option's value by name."""
        if name not in type(self).model_fields:
            raise KeyError(name)
        return getattr(self, name)


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


def effective_vfio_ids(gpu: Gpu) -> list[str]:
    return gpu.vfio_ids or [f"{gpu.vendor_id}:{gpu.product_id}"]


class _ClusterChecks(Options):
    @model_validator(mode="after")
    def _consistent(self) -> _ClusterChecks:
        low, high = self.get("neutron_vxlan_vni_min"), self.get("neutron_vxlan_vni_max")
        if low > high:
            # Invalid (not ValueError) crosses pydantic unchanged: the API answers 422.
            raise Invalid(
                f"neutron_vxlan_vni_min ({low}) is above neutron_vxlan_vni_max ({high})",
                {"fields": {"neutron_vxlan_vni_min": "above neutron_vxlan_vni_max"}},
            )
        return self


_RAID_MEMBERS = {"0": 2, "1": 2, "5": 3, "6": 4, "10": 4}


class _MachineChecks(Options):
    @model_validator(mode="after")
    def _consistent(self) -> _MachineChecks:
        devices: list[str] = self.get("raid_devices")
        if self.get("install_on_raid"):
            least = _RAID_MEMBERS[self.get("raid_type")]
            if len(devices) < least:
                raise ValueError(
                    f"RAID {self.get('raid_type')} needs at least {least} raid_devices"
                )
        if len(set(devices)) != len(devices):
            raise ValueError("raid_devices lists a disk twice")
        if self.get("install_on_raid") and self.get("dest_blk"):
            raise ValueError(
                "dest_blk and install_on_raid exclude each other: the RAID's raid_devices "
                "are the system disks (reset one: --reset dest_blk or --install-on-raid no)"
            )
        names = [gpu.name for gpu in self.get("gpus")]
        if len(set(names)) != len(names):
            raise ValueError("two GPU types have the same name")
        return self


def _model(name: str, base: type[Options], specs: tuple[OptionSpec, ...], doc: str) -> Any:
    fields: dict[str, Any] = {spec.name: _field(spec) for spec in specs}
    return create_model(name, __base__=base, __module__=__name__, __doc__=doc, **fields)


if TYPE_CHECKING:

    class ClusterOptions(_ClusterChecks):
        """cluster-set options; every option of the table is an attribute."""

        def __getattr__(self, name: str) -> Any: ...

    class MachineSettings(_MachineChecks):
        """machine-set options; every option of the table is an attribute."""

        def __getattr__(self, name: str) -> Any: ...

else:
    ClusterOptions = _model(
        "ClusterOptions",
        _ClusterChecks,
        CLUSTER_OPTION_SPECS,
        "cluster-set options; every option of the table is an attribute.",
    )
    MachineSettings = _model(
        "MachineSettings",
        _MachineChecks,
        MACHINE_OPTION_SPECS,
        "machine-set options; every option of the table is an attribute.",
    )


# --- the table, for the ENC ------------------------------------------------------------

SPECS: dict[tuple[OptionScope, str], OptionSpec] = {
    (spec.scope, spec.name): spec for spec in OPTION_SPECS
}


def option_spec(name: str, scope: OptionScope = "cluster") -> OptionSpec:
    """The table's entry of option ``name`` (KeyError if there is none)."""
    return SPECS[(scope, name)]


def option_value(name: str, cluster: ClusterOptions, machine: MachineSettings | None = None) -> Any:
    """The value an option has for a node: the machine's when the machine has the
    option (its ``cluster_value`` resolved to the cluster's), else the cluster's."""
    if machine is not None and ("machine", name) in SPECS:
        value = machine.get(name)
        if value == CLUSTER_VALUE and SPECS[("machine", name)].inherit:
            return cluster.get(name)
        return value
    return cluster.get(name)


def _reaches(spec: OptionSpec, role: str, puppet_class: str) -> bool:
    if puppet_class == f"oci::{role}":
        return role in spec.roles or "all" in spec.roles
    return puppet_class.removeprefix("oci::") in spec.classes


def enc_options(
    role: str,
    cluster: ClusterOptions,
    machine: MachineSettings,
    puppet_class: str | None = None,
) -> dict[str, Any]:
    """The options a node of ``role`` passes to ``puppet_class`` (default ``oci::ROLE``;
    also ``oci::generic`` and ``oci::filebeat``), keyed by class parameter.

    Covers every option of the table whose roles hold ``role`` (or "all") or whose
    classes hold that class: machine options whose value is ``cluster_value`` take the
    cluster's; an option with ``when`` is left out while that cluster option is off
    (extswift_*); one with ``unless`` is false while that machine option is on
    (bgp_to_the_host and force_no_bgp2host); one with ``omit_empty`` is left out when
    unset or "none" (cpu_model_extra_flags). Booleans stay booleans, unset options
    are None (YAML null: the class default applies).

    Not covered (derived from the topology, for the ENC to compute): use_gpu and the
    gpu_* lists (from ``gpus``), has_subrole_dhcp_agent (``force_dhcp_agent``),
    generate_root_ssh_keys (always true on computes), use_ceph_if_available on a
    hyper-converged compute, the Glance and backup backends (``*_prefer_*``),
    designate's name servers, the Swift ring settings, openstack_release.
    """
    target = puppet_class or f"oci::{role}"
    params: dict[str, Any] = {}
    for spec in OPTION_SPECS:
        if not _reaches(spec, role, target):
            continue
        if spec.when and not cluster.get(spec.when):
            continue
        if spec.scope == "machine":
            value = option_value(spec.name, cluster, machine)
        else:
            value = cluster.get(spec.name)
        if spec.unless and machine.get(spec.unless):
            value = False
        if spec.omit_empty and value in (None, "", "none"):
            continue
        params[spec.parameter] = value
    return params
