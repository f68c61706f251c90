"""storage controllers, RAID members, Secure Boot and firmware facts (OCI's agent and ours)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_nopad_bin"}


def _component(name: str, key: str, *columns: sa.Column[Any]) -> None:
    """A machine component table: id, machine_id (cascade), unique (machine, key)."""
    op.create_table(
        name,
        *columns,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f(f"fk_{name}_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("machine_id", key, name=op.f(f"uq_{name}_machine_id_{key}")),
        **MYSQL_TABLE,
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_machine_id"), ["machine_id"], unique=False)


def upgrade() -> None:
    _component(
        "storage_controllers",
        "name",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("vendor", sa.String(length=128), nullable=True),
        sa.Column("model", sa.String(length=255), nullable=True),
        sa.Column("firmware_version", sa.String(length=64), nullable=True),
        sa.Column("driver", sa.String(length=64), nullable=True),
    )
    _component(
        "raid_drives",
        "position",
        sa.Column("position", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("enclosure", sa.String(length=32), nullable=True),
        sa.Column("controller", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("serial", sa.String(length=128), nullable=True),
    )
    op.add_column("machines", sa.Column("secure_boot", sa.Boolean(), nullable=True))
    op.add_column("machines", sa.Column("cpu_mhz", sa.Integer(), nullable=True))
    # Reports kept before this revision are all our agent's gzip tars.
    op.add_column(
        "discovery_reports",
        sa.Column("format", sa.String(length=16), server_default="tar", nullable=False),
    )


def downgrade() -> None:
    # Not batches: on SQLite a batch copies the table, and dropping the old
    # machines table would cascade to every component row. SQLite 3.35+ drops
    # a column itself.
    op.drop_column("discovery_reports", "format")
    op.drop_column("machines", "cpu_mhz")
    op.drop_column("machines", "secure_boot")
    for name in ("raid_drives", "storage_controllers"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_machine_id"))
        op.drop_table(name)
