"""Fixtures every category may use: a migrated database per backend, the app,
clients, users, a live server. Helpers they build on live in tests/helpers/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from oci import migrate
from oci.api.app import create_app
from oci.config import Settings
from oci.db import make_engine
from tests.helpers.api import Api
from tests.helpers.backends import recreate_database, select_backends
from tests.helpers.cli import clean_env, ocicli
from tests.helpers.commands import Command
from tests.helpers.database import Credentials, Database, make_user
from tests.helpers.server import LiveServer, serve

BACKENDS, SKIPPED = select_backends()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Under CI (CI=true) a run with database tests needs every backend: a suite that
    silently skipped them would prove nothing. A run without any (tests/unit) needs none."""
    if os.environ.get("CI") != "true":
        return
    if not any("migrated" in getattr(item, "fixturenames", ()) for item in items):
        return
    missing = {"postgresql", "mariadb"} - set(BACKENDS)
    if missing:
        reasons = "; ".join(f"{name}: {SKIPPED.get(name, 'not selected')}" for name in missing)
        raise pytest.UsageError(f"CI needs every database backend; not run: {reasons}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"oci database backends: {', '.join(BACKENDS)}"]
    lines += [f"oci backend skipped: {name} ({why})" for name, why in SKIPPED.items()]
    return lines


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    ran: dict[str, int] = {}
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            for name in BACKENDS:
                if f"[{name}" in report.nodeid or f"-{name}]" in report.nodeid:
                    ran[name] = ran.get(name, 0) + 1
    summary = ", ".join(f"{name} ({ran.get(name, 0)} tests)" for name in BACKENDS)
    terminalreporter.write_line(f"database backends that ran: {summary}")
    for name, why in SKIPPED.items():
        terminalreporter.write_line(f"database backend NOT run: {name}: {why}")


@pytest.fixture(scope="session", params=BACKENDS)
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A database per backend, built once per session by running the migrations."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'oci.db'}"
    else:
        url = recreate_database(backend, f"oci_test_{os.getpid()}")
    migrate.upgrade(url)
    engine = make_engine(url)
    yield Database(backend, url, engine)
    engine.dispose()


@pytest.fixture
def database(migrated: Database) -> Iterator[Database]:
    migrated.wipe()
    yield migrated
    migrated.wipe()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.sessions() as s:
        yield s


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    return Settings(database_url=database.url, data_dir=tmp_path, max_request_bytes=64 * 1024)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    application.extensions["oci_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin(database: Database) -> Credentials:
    return make_user(database, "admin", admin=True)


@pytest.fixture
def reader(database: Database) -> Credentials:
    return make_user(database, "reader", admin=False)


@pytest.fixture
def api(client: FlaskClient, admin: Credentials) -> Api:
    """The test client, authenticated as an admin by token."""
    return Api(client, admin)


@pytest.fixture(scope="session")
def live_server_process(
    migrated: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """``oci serve`` with default settings, on the session's database."""
    with serve(migrated, tmp_path_factory.mktemp(f"server-{migrated.backend}")) as server:
        yield server


@pytest.fixture
def token_cli(live_server: LiveServer, admin: Credentials, tmp_path: Path) -> Command:
    """ocicli as the admin with an API token, against the live server."""
    env = clean_env(tmp_path) | {"OCI_API_URL": live_server.url, "OCI_API_TOKEN": admin.token}
    return ocicli(env)


@pytest.fixture
def live_server(live_server_process: LiveServer, database: Database) -> LiveServer:
    return live_server_process
