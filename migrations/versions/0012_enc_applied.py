"""enc applied: machines.enc_applied, the (encrypted) ENC document of the last successful Puppet run

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("machines", sa.Column("enc_applied", sa.Text(), nullable=True))


def downgrade() -> None:
    # In place, not a batch copy: dropping the old machines table would cascade to its rows.
    op.drop_column("machines", "enc_applied")
