"""Fixtures: a migrated database per backend, the app, clients, users, a live server."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from oci import migrate
from oci.api.app import create_app
from oci.config import Settings
from oci.db import Base, make_engine, make_sessionmaker
from oci.security import users
from tests.backends import recreate_database, select_backends

BACKENDS, SKIPPED = select_backends()
# Rows the migrations create, kept between tests.
SEEDED_TABLES = {"roles"}
BIN = Path(sys.executable).parent


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") == "true":
        missing = {"postgresql", "mariadb"} - set(BACKENDS)
        if missing:
            reasons = "; ".join(f"{name}: {SKIPPED.get(name, 'not selected')}" for name in missing)
            raise pytest.UsageError(f"CI needs every database backend; not run: {reasons}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"oci database backends: {', '.join(BACKENDS)}"]
    lines += [f"oci backend skipped: {name} ({why})" for name, why in SKIPPED.items()]
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
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
def app(settings: Settings):  # type: ignore[no-untyped-def]
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    application.extensions["oci_engine"].dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


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


@pytest.fixture
def admin(database: Database) -> Credentials:
    return make_user(database, "admin", admin=True)


@pytest.fixture
def reader(database: Database) -> Credentials:
    return make_user(database, "reader", admin=False)


@pytest.fixture
def api(client, admin: Credentials):  # type: ignore[no-untyped-def]
    """The test client, authenticated as an admin by token."""

    class Api:
        def get(self, path: str, **kw):  # type: ignore[no-untyped-def]
            return client.get(path, headers=admin.bearer, **kw)

        def post(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
            return client.post(path, json=json, headers=admin.bearer, **kw)

        def patch(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
            return client.patch(path, json=json, headers=admin.bearer, **kw)

        def delete(self, path: str, **kw):  # type: ignore[no-untyped-def]
            return client.delete(path, headers=admin.bearer, **kw)

    return Api()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited {process.returncode}:\n{log.read_text()}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or a busy machine
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}:\n{log.read_text()}")


@dataclass
class LiveServer:
    url: str
    database: Database
    log: Path  # what the server printed: access log, errors


@contextlib.contextmanager
def serve(
    migrated: Database, workdir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """``oci serve`` as operators run it (gunicorn, 2 workers) on ``migrated``'s database,
    with ``extra_env`` (OCI_* settings) added."""
    port = free_port()
    log = workdir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env |= {
        "OCI_DATABASE_URL": migrated.url,
        "OCI_DATA_DIR": str(workdir),
        "OCI_CONFIG": str(workdir / "absent.toml"),
    }
    env |= extra_env or {}
    (workdir / "absent.toml").write_text("")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                str(BIN / "oci"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/api/v1/health", process, log)
        yield LiveServer(url, migrated, log)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def live_server_process(
    migrated: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """``oci serve`` with default settings, on the session's database."""
    with serve(migrated, tmp_path_factory.mktemp(f"server-{migrated.backend}")) as server:
        yield server


@pytest.fixture
def token_cli(live_server: LiveServer, admin: Credentials, tmp_path: Path):  # type: ignore[no-untyped-def]
    """ocicli as the admin with an API token, against the live server."""
    from tests.test_cli import clean_env, ocicli

    env = clean_env(tmp_path) | {"OCI_API_URL": live_server.url, "OCI_API_TOKEN": admin.token}
    return ocicli(env)


@pytest.fixture
def live_server(live_server_process: LiveServer, database: Database) -> LiveServer:
    return live_server_process
