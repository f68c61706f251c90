"""OCI's network options: an address range for hosts and the IPMI match of an ipmi network

OCI's role counts are our role_counters (0002); its filebeat output hosts stay the
cluster option filebeat_output_hosts (options live in a JSON column, 0010): neither
needs a table of its own.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_ip", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("last_ip", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("ipmi_match_address", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("ipmi_match_prefix_length", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.drop_column("ipmi_match_prefix_length")
        batch_op.drop_column("ipmi_match_address")
        batch_op.drop_column("last_ip")
        batch_op.drop_column("first_ip")
