"""OCI's machine commands: root passwords (machine-gen-root-pass), kept encrypted

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A Fernet token (oci.security.vault) or NULL: none made, or forgotten.
    op.add_column("root_key_pairs", sa.Column("root_password", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("root_key_pairs", "root_password")
