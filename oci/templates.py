"""Jinja2 templates, rendered in a sandbox: oci/templates, and the boot templates of
pxe/ (shipped as `oci.pxe`) under the prefix ``pxe/``.

StrictUndefined turns a missing variable into an error instead of an empty
string; the sandbox keeps a template from reaching Python internals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

_env = ImmutableSandboxedEnvironment(
    loader=ChoiceLoader(
        [
            PrefixLoader({"pxe": PackageLoader("oci.pxe", ".")}),
            PackageLoader("oci", "templates"),
        ]
    ),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)


def render(name: str, **context: Any) -> str:
    return _env.get_template(name).render(**context)


def register_filter(name: str, function: Callable[..., Any]) -> None:
    """Add a filter templates may use (e.g. the boot scripts' `bootword`)."""
    _env.filters[name] = function
