"""A machine's root SSH key pair: what oci::generic installs as /root/.ssh/id_rsa."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oci.db import Base
from oci.models.mixins import Timestamps

if TYPE_CHECKING:
    from oci.models.machine import Machine

__all__ = ["RootKeyPair"]


class RootKeyPair(Timestamps, Base):
    """One per enrolled machine (OCI's ``sshkeypairs``): made at machine-add, dropped
    at machine-remove. The computes' public keys go into every compute's
    ``authorized_keys_hash``."""

    __tablename__ = "root_key_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), unique=True
    )
    # The public key body (the base64 blob after "ssh-rsa"), in clear: it is public.
    public_key: Mapped[str] = mapped_column(Text())
    # The OpenSSH private key as a Fernet token (oci.security.vault): never the clear text.
    private_ciphertext: Mapped[str] = mapped_column(Text())
    # machine-gen-root-pass: the root password as a Fernet token; NULL when none was
    # made or it was forgotten (machine-forget-root-pass). Goes with the host name.
    root_password: Mapped[str | None] = mapped_column(Text())

    machine: Mapped[Machine] = relationship()
