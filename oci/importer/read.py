"""OCI's database as plain rows: what ``mapping`` needs, read with SQLAlchemy Core.

Only SELECTs, through reflected tables: nothing is written to OCI's database.
Each row is a dict of column name to value; each table also gives its columns'
server defaults, so the mapping can tell a value an operator set from OCI's
default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, select
from sqlalchemy.engine import Connection, make_url

__all__ = ["TABLES", "OciSnapshot", "OciTable", "read_database", "read_rows"]

Row = dict[str, Any]

# The tables read, in the order they are read. sshkeypairs, rolecounts,
# blkdev_ctrl and physblockdevices are optional (old OCIs).
TABLES = (
    "swiftregions",
    "locations",
    "clusters",
    "roles",
    "rolecounts",
    "networks",
    "machines",
    "ifnames",
    "blockdevices",
    "blkdev_ctrl",
    "physblockdevices",
    "ips",
    "passwords",
    "sshkeypairs",
)
OPTIONAL = {"sshkeypairs", "rolecounts", "blkdev_ctrl", "physblockdevices"}
REQUIRED = frozenset(TABLES) - OPTIONAL


@dataclass
class OciTable:
    rows: list[Row] = field(default_factory=list)
    # column -> its default as OCI declares it (text, unquoted), None when it has none
    defaults: dict[str, str | None] = field(default_factory=dict)


@dataclass
class OciSnapshot:
    tables: dict[str, OciTable]

    def rows(self, name: str) -> list[Row]:
        table = self.tables.get(name)
        return table.rows if table is not None else []

    def defaults(self, name: str) -> Mapping[str, str | None]:
        table = self.tables.get(name)
        return table.defaults if table is not None else {}


class OciReadError(Exception):
    """OCI's database cannot be read as an OCI database; the message says why."""


def _default_text(table: Table, column: str) -> str | None:
    default = table.c[column].server_default
    text = getattr(getattr(default, "arg", None), "text", None)
    if text is None:
        return None
    text = str(text).strip()
    if text.upper() == "NULL":
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1]
    return text


def read_rows(connection: Connection, progress: Callable[[str, int], None]) -> OciSnapshot:
    """Every table of ``TABLES`` present, rows ordered by id."""
    metadata = MetaData()
    present = set(connection.dialect.get_table_names(connection))
    missing = sorted(REQUIRED - present)
    if missing:
        raise OciReadError(
            f"not an OCI database: table(s) {', '.join(missing)} missing "
            "(is this the database named in OCI's openstack-cluster-installer.conf?)"
        )
    tables: dict[str, OciTable] = {}
    for name in TABLES:
        if name not in present:
            continue
        table = Table(name, metadata, autoload_with=connection)
        order = [table.c.id] if "id" in table.c else []
        rows = [dict(row) for row in connection.execute(select(table).order_by(*order)).mappings()]
        defaults = {column.name: _default_text(table, column.name) for column in table.columns}
        tables[name] = OciTable(rows, defaults)
        progress(name, len(rows))
    return OciSnapshot(tables)


def read_database(url: str, progress: Callable[[str, int], None]) -> OciSnapshot:
    """Read OCI's database at ``url`` (mysql+pymysql://...) in one read-only transaction."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("mysql", "mariadb"):
        raise OciReadError(
            "OCI keeps its inventory in MariaDB: give a mysql+pymysql:// URL, "
            f"not {parsed.drivername}"
        )
    engine = create_engine(parsed, pool_pre_ping=False)
    try:
        with engine.connect() as connection:
            # Every later transaction of this session is read only (one statement's
            # own autobegun transaction ends at once).
            connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
            connection.commit()
            with connection.begin():
                return read_rows(connection, progress)
    finally:
        engine.dispose()
