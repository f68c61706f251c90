"""The Puppet module `oci` declares what the ENC sends, role by role (fast; no Puppet).

The real check is Puppet's compile (tests/e2e/test_enc_puppet.py); this one names
the drift without a server: a parameter the ENC sends that a class lacks, or
a secret in the table that the role's Struct type does not declare.
"""

from __future__ import annotations

import re

import pytest

from oci.enc import secrets
from oci.enc.document import example_parameters
from oci.enc.roles import ROLES
from tests.helpers.puppet import MODULE

PARAMETER = re.compile(r"^\s+\S.*\$([a-z_][a-z0-9_]*),\s*$", re.MULTILINE)
STRUCT_KEY = re.compile(r"^\s+(Optional\[)?'([a-z0-9_]+)'\]? =>", re.MULTILINE)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_class_declares_exactly_what_the_enc_sends(role: str) -> None:
    manifest = (MODULE / "manifests" / f"{role}.pp").read_text()
    assert f"class oci::{role} (" in manifest
    declared = PARAMETER.findall(manifest.split(") {", 1)[0])
    sent = example_parameters(role)
    assert sent is not None
    assert declared == list(sent)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_secrets_type_matches_the_table(role: str) -> None:
    text = (MODULE / "types" / "secrets" / f"{role}.pp").read_text()
    keys = STRUCT_KEY.findall(text)
    required = {name for optional, name in keys if not optional}
    optional = {name for optional, name in keys if optional}
    assert required == secrets.always(role)
    assert required | optional == secrets.maximum(role)


def test_every_role_but_custom_has_a_class() -> None:
    from oci.models.role import BUILTIN_ROLES

    assert set(ROLES) == set(BUILTIN_ROLES) - {"custom"}
    assert {p.stem for p in (MODULE / "manifests").glob("*.pp")} == set(ROLES)
