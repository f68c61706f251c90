"""Migration 0010 renames the stored cluster and machine options to OCI's names, and
gives them back on the way down."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from oci import migrate
from oci.enrolment.options import ClusterOptions, MachineSettings
from tests.helpers.database import Database

OLD_CLUSTER = {
    "time_server": "ntp.example.com",
    "bgp_to_host": True,
    "notification_email": "ops@example.com",
    "notifications": True,
    "monitoring_host": "mon.example.com",
    "ceph_osds_on_computes": True,
    "cpu_model": "EPYC-Rome",
    "swift_replicas": 2,
}


def _filler(column: sa.Column[Any], n: int) -> Any:
    """A value for a required column that has no default in the database."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.DateTime):
        return datetime.now(UTC)
    if isinstance(kind, sa.String) and kind.length and kind.length < 8:
        return str(n)[: kind.length]
    return f"x{n}"


def _insert(conn: sa.Connection, table: sa.Table, n: int, **values: Any) -> int:
    if "status" in table.c:
        values.setdefault("status", "live")
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        if column.primary_key:
            continue
        values[column.name] = _filler(column, n)
    return int(conn.execute(table.insert().values(**values)).inserted_primary_key[0])


def _options(conn: sa.Connection, table: str, column: str, row_id: int) -> dict[str, Any]:
    text = conn.execute(sa.text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id})
    return dict(json.loads(text.scalar_one()))


def test_0010_renames_options_both_ways(database: Database) -> None:
    migrate.downgrade(database.url, "0009")
    try:
        meta = sa.MetaData()
        meta.reflect(database.engine, only=["clusters", "machines", "roles"])
        clusters, machines = meta.tables["clusters"], meta.tables["machines"]
        with database.engine.begin() as conn:
            roles: dict[str, int] = dict(conn.execute(sa.text("SELECT name, id FROM roles")).all())
            hyper = _insert(
                conn,
                clusters,
                1,
                name="hyper",
                domain="example.com",
                options=json.dumps(OLD_CLUSTER),
            )
            plain = _insert(
                conn,
                clusters,
                2,
                name="plain",
                domain="example.com",
                options=json.dumps({"cpu_model": "host-model"}),
            )
            compute = _insert(
                conn,
                machines,
                3,
                serial="C1",
                cluster_id=hyper,
                role_id=roles["compute"],
                settings=json.dumps({}),
            )
            controller = _insert(
                conn,
                machines,
                4,
                serial="C2",
                cluster_id=hyper,
                role_id=roles["controller"],
                settings=json.dumps({"cpu_model": "host-passthrough"}),
            )
            other = _insert(
                conn,
                machines,
                5,
                serial="C3",
                cluster_id=plain,
                role_id=roles["compute"],
                settings=json.dumps({"cpu_model": "EPYC", "serial_console": "ttyS1"}),
            )

        migrate.upgrade(database.url, "0010")
        with database.engine.connect() as conn:
            up = _options(conn, "clusters", "options", hyper)
            assert up == {
                "time_server_host": "ntp.example.com",
                "bgp_to_the_host": True,
                "admin_email_address": "ops@example.com",
                "disable_notifications": False,
                "cpu_mode": "custom",
                "cpu_model": "EPYC-Rome",
                "swift_replicas": 2,
                "swift_part_power": 18,  # the old default, kept: a ring's never changes
            }
            assert _options(conn, "clusters", "options", plain) == {
                "cpu_mode": "host-model",
                "swift_part_power": 18,
            }
            assert _options(conn, "machines", "settings", compute) == {"compute_is_cephosd": True}
            assert _options(conn, "machines", "settings", controller) == {
                "cpu_mode": "host-passthrough"
            }
            assert _options(conn, "machines", "settings", other) == {
                "cpu_mode": "custom",
                "cpu_model": "EPYC",
                "serial_console": "ttyS1",
            }
            # what the migration wrote is valid for today's models
            for row in (hyper, plain):
                ClusterOptions.model_validate(_options(conn, "clusters", "options", row))
            for row in (compute, controller, other):
                MachineSettings.model_validate(_options(conn, "machines", "settings", row))

        migrate.downgrade(database.url, "0009")
        with database.engine.connect() as conn:
            down = _options(conn, "clusters", "options", hyper)
            assert down == {k: v for k, v in OLD_CLUSTER.items() if k != "monitoring_host"} | {
                "swift_part_power": 18
            }
            assert _options(conn, "machines", "settings", compute) == {}
            assert _options(conn, "machines", "settings", controller) == {
                "cpu_model": "host-passthrough"
            }
            assert _options(conn, "machines", "settings", other) == {
                "cpu_model": "EPYC",
                "serial_console": "ttyS1",
            }
    finally:
        migrate.upgrade(database.url)
