"""Which database servers the suite runs against, and how to reach them.

SQLite always. PostgreSQL and MariaDB when reachable, at the URLs below or in
OCI_TEST_POSTGRESQL_URL / OCI_TEST_MARIADB_URL. Under CI (CI=true) both must
be reachable: a suite that silently skipped them would prove nothing.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER_URLS = {
    "postgresql": os.environ.get(
        "OCI_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/oci_test"
    ),
    "mariadb": os.environ.get(
        "OCI_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/oci_test?charset=utf8mb4"
    ),
}
# Where to connect to create the test database.
ADMIN_DATABASE = {"postgresql": "postgres", "mariadb": ""}


def _admin_url(name: str) -> str:
    return (
        make_url(SERVER_URLS[name])
        .set(database=ADMIN_DATABASE[name])
        .render_as_string(hide_password=False)
    )


def reachable(name: str) -> str | None:
    """None if the server answers, else why not."""
    connect_args = {"connect_timeout": 3}
    try:
        engine = create_engine(_admin_url(name), connect_args=connect_args)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return str(exc).splitlines()[0]
    return None


def recreate_database(name: str, database: str) -> str:
    """Drop and create ``database`` on server ``name``; return its URL."""
    engine = create_engine(_admin_url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if name == "postgresql":
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        else:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{database}`"))
            conn.execute(text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4"))
    engine.dispose()
    return make_url(SERVER_URLS[name]).set(database=database).render_as_string(hide_password=False)


def select_backends() -> tuple[list[str], dict[str, str]]:
    """(backends to run, {skipped backend: reason})."""
    wanted = os.environ.get("OCI_TEST_BACKENDS", "sqlite,postgresql,mariadb").split(",")
    chosen, skipped = [], {}
    for name in (w.strip() for w in wanted if w.strip()):
        if name == "sqlite":
            chosen.append(name)
            continue
        if name not in SERVER_URLS:
            raise SystemExit(f"OCI_TEST_BACKENDS: unknown backend {name!r}")
        why = reachable(name)
        if why is None:
            chosen.append(name)
        else:
            skipped[name] = why
    return chosen, skipped
