"""options: cluster and machine options renamed to OCI's names

The options stored in clusters.options and machines.settings (JSON text) take
the names of Debian's OpenStack Cluster Installer:

  cluster  time_server           -> time_server_host
           bgp_to_host           -> bgp_to_the_host
           notification_email    -> admin_email_address
           notifications         -> disable_notifications (inverted)
           cpu_model             -> cpu_mode (host-passthrough, host-model), or
                                    cpu_mode custom + cpu_model (a named model)
           ceph_osds_on_computes -> compute_is_cephosd on each of the cluster's
                                    computes (a machine option in OCI)
           monitoring_host       -> dropped (OCI has no such option)
           swift_part_power      -> 18 written down where unset (the default became
                                    OCI's 19; a ring's part power never changes)
  machine  cpu_model             -> as the cluster's

Downgrade: the reverse, and options the old names cannot hold are dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 11:30:00
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = {
    "time_server": "time_server_host",
    "bgp_to_host": "bgp_to_the_host",
    "notification_email": "admin_email_address",
}
CPU_MODES = ("host-passthrough", "host-model")
OLD_SWIFT_PART_POWER = 18
# What 0009's models know: the rest cannot go down.
OLD_CLUSTER_KEYS = {
    "time_server",
    "vip_hostname",
    "self_signed_api_cert",
    "initial_cluster_setup",
    "swift_part_power",
    "swift_replicas",
    "swift_min_part_hours",
    "swift_proxy_hostname",
    "cpu_model",
    "openstack_release",
    "monitoring_host",
    "monitoring_graphite_host",
    "monitoring_graphite_port",
    "notification_email",
    "notifications",
    "ceph_osds_on_computes",
    "remote_swift_cluster",
    "bgp_to_host",
    "bgp_asn_base",
}
OLD_MACHINE_KEYS = {
    "install_on_raid",
    "raid_type",
    "raid_devices",
    "serial_console",
    "use_ceph_if_available",
    "cpu_model",
    "gpus",
}
OLD_CPU_MODELS = {
    "host-passthrough",
    "host-model",
    "Haswell-noTSX-IBRS",
    "Broadwell-IBRS",
    "Skylake-Server-IBRS",
    "Cascadelake-Server",
    "Icelake-Server",
    "SapphireRapids",
    "EPYC",
    "EPYC-IBPB",
    "EPYC-Rome",
    "EPYC-Milan",
    "EPYC-Genoa",
}

clusters = sa.table("clusters", sa.column("id", sa.Integer), sa.column("options", sa.Text))
machines = sa.table(
    "machines",
    sa.column("id", sa.Integer),
    sa.column("cluster_id", sa.Integer),
    sa.column("role_id", sa.Integer),
    sa.column("settings", sa.Text),
)
roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("name", sa.String))


def _load(text: str | None) -> dict[str, Any]:
    return dict(json.loads(text)) if text else {}


def _dump(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True)


def _cpu_up(values: dict[str, Any]) -> None:
    model = values.pop("cpu_model", None)
    if model in CPU_MODES:
        values["cpu_mode"] = model
    elif model is not None:
        values["cpu_mode"] = "custom"
        values["cpu_model"] = model


def _cpu_down(values: dict[str, Any]) -> None:
    mode = values.pop("cpu_mode", None)
    model = values.pop("cpu_model", None)
    if mode in CPU_MODES:
        values["cpu_model"] = mode
    elif model in OLD_CPU_MODELS:
        values["cpu_model"] = model


def cluster_up(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for old, new in RENAMED.items():
        if old in values:
            values[new] = values.pop(old)
    if "notifications" in values:
        values["disable_notifications"] = not values.pop("notifications")
    values.pop("monitoring_host", None)
    values.pop("ceph_osds_on_computes", None)  # moved onto the computes by the caller
    values.setdefault("swift_part_power", OLD_SWIFT_PART_POWER)
    _cpu_up(values)
    return values


def cluster_down(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for old, new in RENAMED.items():
        if new in values:
            values[old] = values.pop(new)
    if "disable_notifications" in values:
        values["notifications"] = not values.pop("disable_notifications")
    _cpu_down(values)
    return {key: value for key, value in values.items() if key in OLD_CLUSTER_KEYS}


def machine_up(values: dict[str, Any], cephosd: bool) -> dict[str, Any]:
    values = dict(values)
    _cpu_up(values)
    if cephosd:
        values["compute_is_cephosd"] = True
    return values


def machine_down(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    _cpu_down(values)
    return {key: value for key, value in values.items() if key in OLD_MACHINE_KEYS}


def _rewrite(
    conn: sa.Connection, table: Any, column: str, change: Callable[[int, dict[str, Any]], Any]
) -> None:
    for row_id, text in conn.execute(sa.select(table.c.id, table.c[column])).all():
        before = _load(text)
        after = change(row_id, before)
        if after != before:
            conn.execute(table.update().where(table.c.id == row_id).values({column: _dump(after)}))


def _computes(conn: sa.Connection) -> dict[int, int | None]:
    """Machine id -> cluster id of every compute."""
    query = (
        sa.select(machines.c.id, machines.c.cluster_id)
        .select_from(machines.join(roles, roles.c.id == machines.c.role_id))
        .where(roles.c.name == "compute")
    )
    return {machine_id: cluster_id for machine_id, cluster_id in conn.execute(query).all()}


def upgrade() -> None:
    conn = op.get_bind()
    hyperconverged = {
        row_id
        for row_id, text in conn.execute(sa.select(clusters.c.id, clusters.c.options)).all()
        if _load(text).get("ceph_osds_on_computes")
    }
    computes = _computes(conn)
    _rewrite(conn, clusters, "options", lambda _id, values: cluster_up(values))
    _rewrite(
        conn,
        machines,
        "settings",
        lambda machine_id, values: machine_up(
            values, machine_id in computes and computes[machine_id] in hyperconverged
        ),
    )


def downgrade() -> None:
    conn = op.get_bind()
    computes = _computes(conn)
    hyperconverged = {
        computes[row_id]
        for row_id, text in conn.execute(sa.select(machines.c.id, machines.c.settings)).all()
        if row_id in computes and _load(text).get("compute_is_cephosd")
    }

    def cluster(row_id: int, values: dict[str, Any]) -> dict[str, Any]:
        values = cluster_down(values)
        if row_id in hyperconverged:
            values["ceph_osds_on_computes"] = True
        return values

    _rewrite(conn, clusters, "options", cluster)
    _rewrite(conn, machines, "settings", lambda _id, values: machine_down(values))
