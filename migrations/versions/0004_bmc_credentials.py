"""BMC credentials: how oci reaches each machine's BMC (password encrypted)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bmcs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ipmi_address", sa.String(length=253), nullable=True))
        batch_op.add_column(sa.Column("ipmi_port", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ipmi_username", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ipmi_password", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bmcs", schema=None) as batch_op:
        batch_op.drop_column("ipmi_password")
        batch_op.drop_column("ipmi_username")
        batch_op.drop_column("ipmi_port")
        batch_op.drop_column("ipmi_address")
