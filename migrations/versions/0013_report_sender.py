"""report sender: discovery_reports.sender, the user whose credentials came with a report

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: sent without credentials, or kept before this revision (unknown).
    op.add_column("discovery_reports", sa.Column("sender", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("discovery_reports", "sender")
