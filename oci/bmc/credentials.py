# Writes: a machine's BMC row (address, user, encrypted password).
"""BMC credentials in the inventory: written here, read back as a `BmcAccess`.

The password is encrypted with the server's key (oci.security.vault) before it reaches
the database and decrypted only to talk to the BMC.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from oci.bmc.ipmi import BmcAccess
from oci.errors import Invalid
from oci.models import Bmc, Machine
from oci.security.vault import Vault

__all__ = ["access_for", "change_access", "set_credentials"]

IPMI_PORT = 623


def set_credentials(
    session: Session,
    machine: Machine,
    vault: Vault,
    *,
    username: str,
    password: str,
    address: str | None = None,
    port: int | None = None,
) -> Bmc:
    """Store how to reach `machine`'s BMC; the address defaults to the one discovered."""
    bmc = machine.bmc
    if bmc is None:
        bmc = machine.bmc = Bmc()
    address = address or bmc.ipmi_address or bmc.ip_address
    if not address:
        raise Invalid(
            f"no BMC address known for machine {machine.serial or machine.id}: give --address",
            {"fields": {"address": "required: discovery saw no BMC address"}},
        )
    bmc.ipmi_address = address
    bmc.ipmi_port = port or bmc.ipmi_port or IPMI_PORT
    bmc.ipmi_username = username
    bmc.ipmi_password = vault.encrypt(password)
    session.flush()
    return bmc


def change_access(
    session: Session,
    machine: Machine,
    *,
    username: str | None = None,
    address: str | None = None,
    port: int | None = None,
) -> Bmc:
    """Change how to reach ``machine``'s BMC, keeping its stored password (OCI's
    machine-set --ipmi-username/--ipmi-addr/--ipmi-port); a password is given only
    through set_credentials."""
    bmc = machine.bmc
    if bmc is None:
        bmc = machine.bmc = Bmc()
    address = address or bmc.ipmi_address or bmc.ip_address
    if not address:
        raise Invalid(
            f"no BMC address known for machine {machine.serial or machine.id}: give one",
            {"fields": {"address": "required: discovery saw no BMC address"}},
        )
    bmc.ipmi_address = address
    bmc.ipmi_port = port or bmc.ipmi_port or IPMI_PORT
    if username is not None:
        bmc.ipmi_username = username
    session.flush()
    return bmc


def access_for(machine: Machine, vault: Vault, timeout: float) -> BmcAccess:
    bmc = machine.bmc
    if bmc is None or not (bmc.ipmi_username and bmc.ipmi_password and bmc.ipmi_address):
        raise Invalid(
            f"machine {machine.serial or machine.id} has no BMC credentials: "
            "set them with ocicli machine-set-ipmi"
        )
    return BmcAccess(
        address=bmc.ipmi_address,
        port=bmc.ipmi_port or IPMI_PORT,
        username=bmc.ipmi_username,
        password=vault.decrypt(bmc.ipmi_password),
        timeout=timeout,
    )
