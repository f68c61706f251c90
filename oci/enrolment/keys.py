# Writes: machines' root SSH key pairs, and the secrets a cluster lacks (fill).
"""Per-machine root SSH key pairs, and filling in what older clusters lack.

A machine gets a root key pair when it is enrolled into a cluster
(``give_root_key_pair``, called by machine-add) and loses it when it leaves
(``drop_root_key_pair``); deleting the machine deletes the row too (ON DELETE
CASCADE). The public key body is stored in clear, the private key encrypted
with the server's key (oci.security.vault).

``fill`` gives every cluster the OCI secrets it lacks and every enrolled
machine its key pair. Migration 0009 renames the old secrets but cannot
encrypt (Alembic runs without the server's key), so ``oci db upgrade`` calls
``fill`` right after the migrations. It is idempotent. Callers own the
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from oci.enrolment import secrets as cluster_secrets
from oci.models import Cluster, ClusterSecret, Machine, RootKeyPair
from oci.security.vault import Vault


def give_root_key_pair(session: Session, machine: Machine, vault: Vault) -> RootKeyPair:
    """A new root key pair for ``machine`` (its row locked by the caller); an existing one stays."""
    existing = session.scalar(select(RootKeyPair).where(RootKeyPair.machine_id == machine.id))
    if existing is not None:
        return existing
    private, public = cluster_secrets.rsa_key_pair()
    pair = RootKeyPair(
        machine_id=machine.id, public_key=public, private_ciphertext=vault.encrypt(private)
    )
    session.add(pair)
    session.flush()
    return pair


def drop_root_key_pair(session: Session, machine: Machine) -> None:
    """Forget ``machine``'s root key pair, if it has one."""
    session.execute(delete(RootKeyPair).where(RootKeyPair.machine_id == machine.id))


def root_key_pair(session: Session, machine_id: int, vault: Vault) -> tuple[str, str] | None:
    """(OpenSSH private key, public key body) of a machine's root key, or None."""
    pair = session.scalar(select(RootKeyPair).where(RootKeyPair.machine_id == machine_id))
    if pair is None:
        return None
    return vault.decrypt(pair.private_ciphertext), pair.public_key


@dataclass
class Filled:
    """What ``fill`` added: OCI secret names per cluster, host names given a key pair."""

    secrets: dict[str, list[str]] = field(default_factory=dict)
    key_pairs: list[str] = field(default_factory=list)

    def summary(self) -> str:
        count = sum(len(names) for names in self.secrets.values())
        return (
            f"{count} secret(s) added to {len(self.secrets)} cluster(s), "
            f"{len(self.key_pairs)} root key pair(s) made"
        )


def fill(session: Session, open_vault: Callable[[], Vault]) -> Filled:
    """Add the OCI secrets each cluster lacks and the root key pairs enrolled machines lack.

    ``open_vault`` is called only when something is missing: a database with
    nothing to fill needs no key file."""
    filled = Filled()
    vault: Vault | None = None

    def the_vault() -> Vault:
        nonlocal vault
        if vault is None:
            vault = open_vault()
        return vault

    for cluster in session.scalars(select(Cluster).order_by(Cluster.name).with_for_update()):
        stored = set(
            session.scalars(
                select(ClusterSecret.name).where(ClusterSecret.cluster_id == cluster.id)
            )
        )
        lacking = cluster_secrets.missing(stored)
        for name in lacking:
            for stored_name, value in cluster_secrets.make(name).items():
                # A key pair half present is made again whole: the halves must match.
                session.execute(
                    delete(ClusterSecret).where(
                        ClusterSecret.cluster_id == cluster.id, ClusterSecret.name == stored_name
                    )
                )
                session.add(
                    ClusterSecret(
                        cluster_id=cluster.id,
                        name=stored_name,
                        ciphertext=the_vault().encrypt(value),
                    )
                )
        if lacking:
            filled.secrets[cluster.name] = list(lacking)
    session.flush()
    keyless = session.scalars(
        select(Machine)
        .outerjoin(RootKeyPair, RootKeyPair.machine_id == Machine.id)
        .where(Machine.cluster_id.is_not(None), RootKeyPair.id.is_(None))
        .order_by(Machine.id)
    ).all()
    for machine in keyless:
        # The unique machine_id makes a concurrent machine-add's pair win, not a second one.
        give_root_key_pair(session, machine, the_vault())
        filled.key_pairs.append(machine.hostname or str(machine.id))
    return filled
