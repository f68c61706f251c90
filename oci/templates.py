"""Jinja2 templates, rendered in a sandbox: oci/templates, the boot templates of
pxe/ (shipped as `oci.pxe`) under the prefix ``pxe/``, and the dashboard's pages
(oci/web/templates) under the prefix ``web/``.

StrictUndefined turns a missing variable into an error instead of an empty
string; the sandbox keeps a template from reaching Python internals. Templates
named ``*.html`` (the dashboard's) are autoescaped; the text ones are not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

_env = ImmutableSandboxedEnvironment(
    loader=ChoiceLoader(
        [
            PrefixLoader(
                {"pxe": PackageLoader("oci.pxe", "."), "web": PackageLoader("oci.web", "templates")}
            ),
            PackageLoader("oci", "templates"),
        ]
    ),
    undefined=StrictUndefined,
    autoescape=select_autoescape(["html"], default_for_string=False, default=False),
    keep_trailing_newline=True,
)


def render(name: str, **context: Any) -> str:
    return _env.get_template(name).render(**context)


def register_filter(name: str, function: Callable[..., Any]) -> None:
    """Add a filter templates may use (e.g. the boot scripts' `bootword`)."""
    _env.filters[name] = function
