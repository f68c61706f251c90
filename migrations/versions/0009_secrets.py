"""secrets: OCI's per-cluster secrets by service/type and per-host root SSH key pairs

Creates ``root_key_pairs`` and renames each cluster's secrets to the names
OCI's ENC uses (``nova_db_password`` -> ``nova/db``...), keeping their values.
Five old secrets no class of puppet-module-oci reads are deleted:
``swift_db_password``, ``keystone_keystone_password``, ``galera_sst_password``
and the Ed25519 ``nova_ssh_*`` pair (the module declares the key as ssh-rsa).

The secrets OCI has and we did not (ceilometer, manila, panko, keystone
credential/fernet/ssh keys, an RSA nova key...) and the machines' root key
pairs must be encrypted with the server's key, which Alembic does not have:
``oci db upgrade`` adds them right after the migrations
(``oci.enrolment.keys.fill``, idempotent).

Downgrade renames back and deletes what has no old name; the five deleted
secrets do not come back (the ENC of 0008 answers 409 naming them).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import oci.models.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_nopad_bin"}

# The services of the old names, as 0008's code generated them.
_SERVICES = (
    "keystone",
    "nova",
    "neutron",
    "glance",
    "cinder",
    "placement",
    "heat",
    "swift",
    "barbican",
    "octavia",
    "magnum",
    "designate",
    "aodh",
    "gnocchi",
    "cloudkitty",
)
_MESSAGING = tuple(s for s in _SERVICES if s not in ("keystone", "swift", "placement"))

# old name -> OCI name; the value is kept.
RENAMES: dict[str, str] = {
    **{f"{s}_db_password": f"{s}/db" for s in _SERVICES if s != "swift"},
    **{f"{s}_keystone_password": f"{s}/authtoken" for s in _SERVICES if s != "keystone"},
    **{f"{s}_rabbitmq_password": f"{s}/messaging" for s in _MESSAGING},
    "keystone_admin_password": "keystone/adminuser",
    "mysql_root_password": "mysql/rootuser",
    "rabbitmq_erlang_cookie": "rabbitmq/cookie",
    "haproxy_stats_password": "haproxy/stats",
    "horizon_secret_key": "horizon/secretkey",
    "metadata_proxy_shared_secret": "novaneutron/shared_secret",
    "ceph_fsid": "ceph/fsid",
    "ceph_libvirt_secret_uuid": "ceph/libvirtuuid",
    "ceph_admin_key": "ceph/adminkey",
    "ceph_mon_key": "ceph/monkey",
    "ceph_bootstrap_osd_key": "ceph/bootstraposdkey",
    "ceph_openstack_key": "ceph/openstackkey",
    "swift_hash_path_prefix": "swift/hashpathprefix",
    "swift_hash_path_suffix": "swift/hashpathsuffix",
}
# Old names no OCI class reads.
DROPPED = (
    "swift_db_password",
    "keystone_keystone_password",
    "galera_sst_password",
    "nova_ssh_private_key",
    "nova_ssh_public_key",
)

_secrets = sa.table("cluster_secrets", sa.column("name", sa.String(64)))


def upgrade() -> None:
    op.create_table(
        "root_key_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("private_ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at", oci.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", oci.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_root_key_pairs_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_root_key_pairs")),
        sa.UniqueConstraint("machine_id", name=op.f("uq_root_key_pairs_machine_id")),
        **MYSQL_TABLE,
    )
    op.execute(_secrets.delete().where(_secrets.c.name.in_(DROPPED)))
    for old, new in RENAMES.items():
        op.execute(_secrets.update().where(_secrets.c.name == old).values(name=new))


def downgrade() -> None:
    op.execute(_secrets.delete().where(_secrets.c.name.not_in(list(RENAMES.values()))))
    for old, new in RENAMES.items():
        op.execute(_secrets.update().where(_secrets.c.name == new).values(name=old))
    op.drop_table("root_key_pairs")
