"""One database session per request, closed when the request ends.

Flask keeps what the app was made with in untyped stores (``g``,
``app.extensions``, ``app.config``); these accessors give it back typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from oci import transactions
from oci.config import Settings
from oci.security.pki import Pki
from oci.security.vault import Vault

T = TypeVar("T")


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["oci_sessionmaker"]()
    session: Session = g.db_session
    return session


def write(work: Callable[[Session], T]) -> T:
    """``work`` in a transaction of its own, retried if it loses a race (oci.transactions)."""
    return transactions.run(current_app.extensions["oci_sessionmaker"], work)


def app_settings() -> Settings:
    settings: Settings = current_app.config["OCI_SETTINGS"]
    return settings


def vault() -> Vault:
    the_vault: Vault = current_app.extensions["oci_vault"]
    return the_vault


def pki() -> Pki:
    the_pki: Pki = current_app.extensions["oci_pki"]
    return the_pki


def init_sessions(app: Flask) -> None:
    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
