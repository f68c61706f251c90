"""Column types that normalise values once, at the field, on every backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import netaddr
from sqlalchemy import DateTime, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class InvalidMac(ValueError):
    pass


def normalise_mac(value: str) -> str:
    """``AA-BB-CC-DD-EE-FF`` or ``aabb.ccdd.eeff`` -> ``aa:bb:cc:dd:ee:ff``."""
    try:
        eui = netaddr.EUI(value.strip())
    except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
        raise InvalidMac(f"not a MAC address: {value!r}") from exc
    if eui.version != 48:
        raise InvalidMac(f"not a 48-bit MAC address: {value!r}")
    eui.dialect = netaddr.mac_unix_expanded
    return str(eui)


class MacAddress(TypeDecorator[str]):
    """A MAC address stored lower-case with colons, whatever form it came in."""

    impl = String(17)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else normalise_mac(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, naive UTC in the database."""

    impl = DateTime()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # MySQL and MariaDB drop fractions of a second unless asked to keep them.
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class JSONText(TypeDecorator[Any]):
    """JSON kept as text: identical on SQLite, PostgreSQL and MariaDB."""

    impl = Text()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def utcnow() -> datetime:
    return datetime.now(UTC)
