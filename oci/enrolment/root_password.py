# Writes: a machine's root password (root_key_pairs.root_password).
"""OCI's machine-gen-root-pass and machine-forget-root-pass.

OCI makes a random root password when a machine is installed (or when asked),
sets it on the machine over SSH and hands it to a site script. oci makes it
on request, keeps it encrypted with the machine's root key pair (it goes with
the host name, and machine-remove forgets both), shows it once in the answer,
and the install bundle carries it to the new system (oci.install). Never in a
hook's document, an event or a log.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.enrolment.keys import give_root_key_pair
from oci.errors import Conflict
from oci.models import Machine, RootKeyPair
from oci.security.vault import Vault

__all__ = ["forget", "generate", "has_password", "password_of"]

# 16 bytes of the system's generator, URL-safe base64: 22 characters a person can
# type and chpasswd reads as is (no ':' and no newline).
ENTROPY_BYTES = 16


def _pair(session: Session, machine: Machine, vault: Vault | None) -> RootKeyPair | None:
    name = machine.serial or str(machine.id)
    if machine.cluster_id is None:
        raise Conflict(
            f"machine {name} is in no cluster: a root password goes with its host name; "
            "machine-add it first"
        )
    pair = session.scalar(
        select(RootKeyPair).where(RootKeyPair.machine_id == machine.id).with_for_update()
    )
    if pair is None and vault is not None:  # enrolled before root key pairs existed
        pair = give_root_key_pair(session, machine, vault)
    return pair


def generate(session: Session, machine: Machine, vault: Vault) -> str:
    """A new root password for ``machine``, replacing any; the clear text, to show once."""
    password = secrets.token_urlsafe(ENTROPY_BYTES)
    pair = _pair(session, machine, vault)
    assert pair is not None
    pair.root_password = vault.encrypt(password)
    session.flush()
    return password


def forget(session: Session, machine: Machine) -> bool:
    """Drop ``machine``'s root password; False if it had none."""
    pair = _pair(session, machine, None)
    if pair is None:
        return False
    had = pair.root_password is not None
    pair.root_password = None
    session.flush()
    return had


def has_password(session: Session, machine_id: int) -> bool:
    stored = session.scalar(
        select(RootKeyPair.root_password).where(RootKeyPair.machine_id == machine_id)
    )
    return stored is not None


def password_of(session: Session, machine_id: int, vault: Vault) -> str | None:
    """The clear root password for the install bundle; None when none was made."""
    stored = session.scalar(
        select(RootKeyPair.root_password).where(RootKeyPair.machine_id == machine_id)
    )
    return None if stored is None else vault.decrypt(stored)
