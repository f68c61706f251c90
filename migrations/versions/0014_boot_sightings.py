"""boot sightings: machines seen asking for a boot script before they are known

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import oci.models.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_nopad_bin"}


def upgrade() -> None:
    op.create_table(
        "boot_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mac", oci.models.types.MacAddress(length=17), nullable=False),
        sa.Column("first_seen", oci.models.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen", oci.models.types.UTCDateTime(), nullable=False),
        sa.Column("buildarch", sa.String(length=16), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("served", sa.String(length=32), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boot_sightings")),
        sa.UniqueConstraint("mac", name=op.f("uq_boot_sightings_mac")),
        **MYSQL_TABLE,
    )
    with op.batch_alter_table("boot_sightings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_boot_sightings_last_seen"), ["last_seen"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("boot_sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_boot_sightings_last_seen"))
    op.drop_table("boot_sightings")
