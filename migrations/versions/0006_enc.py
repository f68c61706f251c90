"""enc: an index on machines (cluster_id, role_id) for the ENC's role questions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("machines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_machines_cluster_id_role_id", ["cluster_id", "role_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("machines", schema=None) as batch_op:
        batch_op.drop_index("ix_machines_cluster_id_role_id")
