"""vips: machines take addresses on non-public networks only; each VIP says its usage

ip_addresses.vip_usage says what a VIP is for (api, sql, messaging; NULL on host
and bmc rows), as OCI's ips.vip_usage; one VIP of each usage per network. The
VIPs reserved so far were all the API's (network-add of a public network):
they become vip_usage 'api'.

Machines that already hold an address on a public network keep it: an
installed machine is configured with it and must not lose it under its
feet. From now on machine-add gives none there; machine-remove frees it as
any other.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ip_addresses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vip_usage", sa.String(length=16), nullable=True))
    op.execute("UPDATE ip_addresses SET vip_usage = 'api' WHERE purpose = 'vip'")
    with op.batch_alter_table("ip_addresses", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_ip_addresses_network_id_vip_usage"), ["network_id", "vip_usage"]
        )


def downgrade() -> None:
    # Only the API's VIPs existed before: the others go (their addresses are freed).
    op.execute("DELETE FROM ip_addresses WHERE purpose = 'vip' AND vip_usage <> 'api'")
    with op.batch_alter_table("ip_addresses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ip_addresses_network_id_vip_usage"), type_="unique")
        batch_op.drop_column("vip_usage")
