"""enc state: clusters.enc_serial, the change counter the ENC's caches are keyed by

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enc_serial", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    # Not a batch: on SQLite a batch copies the table, and dropping the old clusters
    # table would cascade to every cluster's secrets. SQLite (3.35+) drops a column itself.
    op.drop_column("clusters", "enc_serial")
