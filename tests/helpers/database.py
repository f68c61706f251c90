"""A migrated database of one backend, and users with their credentials in it."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from oci.db import Base, make_sessionmaker
from oci.security import users

# Rows the migrations create, kept between tests.
SEEDED_TABLES = {"roles"}


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    def wipe(self) -> None:
        """Empty every table but the seeded ones: the next test starts clean."""
        with self.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name not in SEEDED_TABLES:
                    conn.execute(delete(table))


@dataclass
class Credentials:
    login: str
    password: str
    token: str

    @property
    def basic(self) -> dict[str, str]:
        raw = base64.b64encode(f"{self.login}:{self.password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_user(database: Database, login: str, *, admin: bool) -> Credentials:
    password = f"{login}-password"
    with database.sessions() as s, s.begin():
        user = users.add_user(s, login, password, admin=admin)
        token = users.create_token(s, user)
    return Credentials(login, password, token)
