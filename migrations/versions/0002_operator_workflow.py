"""operator workflow: cluster secrets, encrypted at rest

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in 0001: a binary, no-pad collation on MariaDB (tests/api/test_migrations.py checks).
MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_nopad_bin"}


def upgrade() -> None:
    op.create_table(
        "cluster_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["clusters.id"],
            name=op.f("fk_cluster_secrets_cluster_id_clusters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_secrets")),
        sa.UniqueConstraint("cluster_id", "name", name=op.f("uq_cluster_secrets_cluster_id_name")),
        **MYSQL_TABLE,
    )


def downgrade() -> None:
    op.drop_table("cluster_secrets")
