"""cluster-set and machine-set flags, made from the option table of ``oci.choices``.

Each option becomes ``--NAME`` (OCI's spelling: the name with dashes), typed as
the table says, with its description and default as --help; a few also take
another spelling (OCI's, or an older one of ours).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from oci.choices import CLUSTER_VALUE, OptionSpec

F = TypeVar("F", bound=Callable[..., Any])

METAVARS = {
    "text": "TEXT",
    "host": "HOST",
    "email": "EMAIL",
    "url": "URL",
    "ipv4": "IPV4",
    "ipv6": "IPV6",
    "cidr": "CIDR",
    "mac": "MAC",
    "duration": "TIME",
    "name": "CLUSTER",
    "disks": "DISK",
}


def flag(spec: OptionSpec) -> str:
    return "--" + spec.name.replace("_", "-")


def shown_default(spec: OptionSpec) -> str:
    default = spec.default
    if default == CLUSTER_VALUE:
        return "cluster_value: the cluster's"
    if isinstance(default, bool):
        return "yes" if default else "no"
    if default is None:
        return "unset"
    if isinstance(default, tuple):
        return "none"
    return str(default)


def _type(spec: OptionSpec) -> Any:
    inherit = (CLUSTER_VALUE,) if spec.inherit else ()
    if spec.kind == "bool":
        return click.Choice(["yes", "no", *inherit])
    if spec.kind == "enum":
        return click.Choice([*spec.choices, *inherit])
    if spec.kind == "int":
        return click.IntRange(
            None if spec.low is None else int(spec.low),
            None if spec.high is None else int(spec.high),
        )
    if spec.kind == "float":
        return click.FloatRange(spec.low, spec.high)
    return click.STRING


def option(spec: OptionSpec, **more: Any) -> Callable[[F], F]:
    """The click option of one table entry."""
    help_text = f"{spec.help}. [default: {shown_default(spec)}]"
    if spec.kind == "disks":
        help_text = f"{spec.help} (repeatable; replaces the list)."
        more.setdefault("multiple", True)
    metavar = METAVARS.get(spec.kind)
    if metavar and spec.inherit:
        metavar = f"{metavar}|{CLUSTER_VALUE}"
    return click.option(
        spec.name,
        flag(spec),
        *spec.aliases,
        type=_type(spec),
        metavar=metavar,
        help=help_text,
        **more,
    )


def options(specs: Iterable[OptionSpec], **per_name: dict[str, Any]) -> Callable[[F], F]:
    """Every option of ``specs``, in the table's order (``per_name`` adds click
    arguments to some, e.g. a shell completion)."""
    decorators = [option(spec, **per_name.get(spec.name, {})) for spec in specs]

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def booleans(specs: Iterable[OptionSpec]) -> tuple[str, ...]:
    """The yes/no options sent as JSON booleans (not those that may say cluster_value)."""
    return tuple(spec.name for spec in specs if spec.kind == "bool" and not spec.inherit)
