"""Models and migrations agree, and the migrations go down and up again cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

import oci.models  # noqa: F401
from oci import migrate
from oci.db import Base
from oci.models import BUILTIN_ROLES, Role
from tests.helpers.database import Database


def _diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_models_and_migrations_agree(database: Database) -> None:
    assert _diff(database.engine) == []
    assert migrate.current_revision(database.engine) == migrate.head_revision(database.url)


def test_upgrade_downgrade_to_base_upgrade(database: Database) -> None:
    migrate.downgrade(database.url, "base")
    remaining = set(inspect(database.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    migrate.upgrade(database.url)
    assert _diff(database.engine) == []
    with database.sessions() as session:
        names = set(session.scalars(select(Role.name)))
    assert names == set(BUILTIN_ROLES)


def test_mariadb_tables_compare_text_exactly(database: Database) -> None:
    if database.backend != "mariadb":
        pytest.skip("SQLite and PostgreSQL compare text exactly already")
    with database.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT table_name, table_collation FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name <> 'alembic_version'"
        ).all()
    assert len(rows) == len(Base.metadata.tables)
    assert {collation for _, collation in rows} == {"utf8mb4_nopad_bin"}, rows


def test_going_down_from_0011_keeps_every_clusters_secrets_on_sqlite(tmp_path: Path) -> None:
    """0011's downgrade drops clusters.enc_serial without copying the table: a copy
    would cascade to cluster_secrets and lose every cluster's secrets."""
    from sqlalchemy import create_engine, text

    from oci import migrate

    url = f"sqlite:///{tmp_path}/oci.db"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO clusters (name, domain, options, enc_serial, created_at, updated_at)"
                " VALUES ('cl1', 'example.com', '{}', 3, '2026-01-01', '2026-01-01')"
            )
        )
        c.execute(
            text(
                "INSERT INTO cluster_secrets (cluster_id, name, ciphertext)"
                " SELECT id, 'nova/db', 'token' FROM clusters"
            )
        )
    migrate.downgrade(url, "0010")
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM cluster_secrets")).scalar() == 1
        columns = [row[1] for row in c.execute(text("PRAGMA table_info(clusters)"))]
    assert "enc_serial" not in columns
    engine.dispose()
