"""storage controllers, RAID members, Secure Boot and firmware facts (OCI's agent and ours)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # placeholder: filled by the work this revision is reserved for


def downgrade() -> None:
    pass
