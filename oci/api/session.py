"""One database session per request, closed when the request ends."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["oci_sessionmaker"]()
    return g.db_session


def init_sessions(app: Flask) -> None:
    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
