"""``oci``, the administrator's command, run as a subprocess the way an operator runs it.

SQLite in a temporary data directory unless a test says otherwise; these tests
do not use the shared ``database`` fixture. Settings come from an (empty or
written) configuration file named by OCI_CONFIG and from OCI_* variables.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from oci import migrate
from oci.api.app import create_app
from oci.config import Settings
from oci.db import make_engine
from tests.helpers.backends import ADMIN_DATABASE, SERVER_URLS, reachable, recreate_database
from tests.helpers.cli import base_env, oci_with
from tests.helpers.commands import Command
from tests.helpers.server import free_port

HEAD = migrate.head_revision("sqlite://")
PASSWORD = "correct horse battery"


@pytest.fixture
def oci(tmp_path: Path) -> Command:
    return oci_with(base_env(tmp_path))


@pytest.fixture
def migrated_oci(oci: Command) -> Command:
    oci("db", "upgrade")
    return oci


def sqlite_url(oci: Command) -> str:
    return f"sqlite:///{oci.env['OCI_DATA_DIR']}/oci.db"


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


# -- database ---------------------------------------------------------------------------


def test_db_upgrade_current_downgrade(oci: Command, tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Asking does not create anything.
    assert oci("db", "current") == f"current: none\nhead: {HEAD}\n"
    assert not data.exists()

    assert oci("db", "upgrade") == f"database at {HEAD}\n"
    assert (data / "oci.db").is_file()
    assert {"machines", "clusters", "networks", "users", "roles"} <= tables(sqlite_url(oci))
    assert oci("db", "current") == f"current: {HEAD}\nhead: {HEAD}\n"
    assert oci("db", "upgrade") == f"database at {HEAD}\n"  # idempotent

    assert oci("db", "downgrade", "base") == "database downgraded to base\n"
    assert tables(sqlite_url(oci)) <= {"alembic_version"}
    assert oci("db", "current") == f"current: none\nhead: {HEAD}\n"

    oci("db", "upgrade")
    assert oci("db", "current") == f"current: {HEAD}\nhead: {HEAD}\n"
    assert "machines" in tables(sqlite_url(oci))


def test_unmigrated_database_is_refused(oci: Command, tmp_path: Path) -> None:
    port = str(free_port())
    # No database at all: serving would only create an empty file.
    error = oci.fails("serve", "--port", port)
    assert error.endswith("run `oci db upgrade`"), error
    assert str(tmp_path / "data" / "oci.db") in error
    assert not (tmp_path / "data" / "oci.db").exists()
    assert "run `oci db upgrade`" in oci.fails("user", "list")
    assert oci.fails("db", "downgrade", "base").startswith("there is no database at")

    # A database without the schema (downgraded to base).
    oci("db", "upgrade")
    oci("db", "downgrade", "base")
    error = oci.fails("serve", "--port", port)
    assert error == f"the database schema is at nothing, not {HEAD}: run `oci db upgrade`"
    assert "run `oci db upgrade`" in oci.fails(
        "user", "add", "alice", env={"OCI_PASSWORD": PASSWORD}
    )


def test_the_sqlite_database_is_private_to_its_owner(oci: Command, tmp_path: Path) -> None:
    """Its rows hold token hashes and encrypted secrets: 0600, like the key file."""
    umask = os.umask(0o022)  # the usual umask, which would make a new file 0644
    try:
        oci("db", "upgrade")
        oci("user", "add", "alice", env={"OCI_PASSWORD": PASSWORD})
    finally:
        os.umask(umask)
    data = tmp_path / "data"
    assert oct(stat.S_IMODE((data / "oci.db").stat().st_mode)) == "0o600"
    # A server's open connections keep the WAL files, which SQLite makes alike.
    engine = make_engine(sqlite_url(oci))
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE users SET login = login"))
            wal = [data / "oci.db-wal", data / "oci.db-shm"]
            assert [oct(stat.S_IMODE(p.stat().st_mode)) for p in wal] == ["0o600", "0o600"]
    finally:
        engine.dispose()


def test_unreachable_database_is_one_line(oci: Command) -> None:
    url = f"postgresql+psycopg://oci:secret@127.0.0.1:{free_port()}/oci"
    env = {"OCI_DATABASE_URL": url}
    error = oci.fails("db", "upgrade", env=env)
    assert error.startswith("database postgresql+psycopg://oci:***@127.0.0.1:")
    assert "secret" not in error
    assert "secret" not in oci.fails("db", "current", env=env)
    assert oci.fails("user", "list", env=env).startswith("cannot reach the database: ")


# -- users ---------------------------------------------------------------------------------


def api_status(database_url: str, tmp_path: Path, headers: dict[str, str]) -> int:
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path))
    try:
        return app.test_client().get("/api/v1/clusters", headers=headers).status_code
    finally:
        app.extensions["oci_engine"].dispose()


def basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def test_user_add_list_delete(migrated_oci: Command, tmp_path: Path) -> None:
    oci = migrated_oci
    url = sqlite_url(oci)
    out = oci("user", "add", "alice", "--admin", "--token", env={"OCI_PASSWORD": PASSWORD})
    first, second = out.splitlines()
    assert first == "added admin user alice"
    assert second.startswith("API token (shown once, store it now): oci_")
    token = second.rsplit(" ", 1)[1]
    assert api_status(url, tmp_path, {"Authorization": f"Bearer {token}"}) == 200
    assert api_status(url, tmp_path, basic("alice", PASSWORD)) == 200
    assert api_status(url, tmp_path, basic("alice", "wrong password")) == 401

    assert oci("user", "add", "bob", env={"OCI_PASSWORD": PASSWORD}) == (
        "added read-only user bob\n"
    )
    assert oci("user", "list") == "alice\tadmin\t1 token(s)\nbob\tread-only\t0 token(s)\n"

    another = oci("user", "token", "bob").strip()
    assert another.startswith("oci_") and another != token
    assert api_status(url, tmp_path, {"Authorization": f"Bearer {another}"}) == 200

    assert oci.fails("user", "add", "alice", env={"OCI_PASSWORD": PASSWORD}) == (
        "user 'alice' already exists"
    )
    assert oci.fails("user", "add", "carol", env={"OCI_PASSWORD": "short"}) == (
        "the password must have at least 8 characters"
    )
    assert oci.fails("user", "add", "carol") == (
        "no password: set OCI_PASSWORD or run in a terminal"
    )
    assert "invalid login 'Carol'" in oci.fails(
        "user", "add", "Carol", env={"OCI_PASSWORD": PASSWORD}
    )

    assert oci("user", "delete", "alice") == "deleted user alice\n"
    assert oci("user", "list") == "bob\tread-only\t1 token(s)\n"
    # Deleting a user revokes their tokens.
    assert api_status(url, tmp_path, {"Authorization": f"Bearer {token}"}) == 401
    assert oci.fails("user", "delete", "alice") == "no user named 'alice'"


# -- configuration -----------------------------------------------------------------------------


def test_bad_configuration_names_the_key(oci: Command, tmp_path: Path) -> None:
    config = Path(oci.env["OCI_CONFIG"])

    config.write_text('data_dir = "/tmp"\nlisten_prot = 8080\n')
    error = oci.fails("db", "current")
    assert "listen_prot" in error and str(config) in error

    config.write_text('listen_port = "eighty"\n')
    assert "listen_port" in oci.fails("db", "current")

    config.write_text("workers = [\n")
    assert oci.fails("db", "current").startswith(f"cannot read configuration file {config}")

    config.write_text("")
    assert "workers" in oci.fails("db", "current", env={"OCI_WORKERS": "0"})
    assert "log_level" in oci.fails("serve", env={"OCI_LOG_LEVEL": "LOUD"})

    missing = tmp_path / "missing.toml"
    assert oci.fails("db", "current", env={"OCI_CONFIG": str(missing)}) == (
        f"OCI_CONFIG names {missing}, which does not exist"
    )


def test_environment_overrides_the_file(oci: Command, tmp_path: Path) -> None:
    from_file, from_env = tmp_path / "from-file", tmp_path / "from-env"
    Path(oci.env["OCI_CONFIG"]).write_text(f'data_dir = "{from_file}"\n')
    env = {k: v for k, v in oci.env.items() if k != "OCI_DATA_DIR"}

    oci_with(env)("db", "upgrade")
    assert (from_file / "oci.db").is_file()

    oci_with(env | {"OCI_DATA_DIR": str(from_env)})("db", "upgrade")
    assert (from_env / "oci.db").is_file()

    # database_url beats data_dir, and the variable beats the file.
    elsewhere = tmp_path / "elsewhere.db"
    oci_with(env | {"OCI_DATABASE_URL": f"sqlite:///{elsewhere}"})("db", "upgrade")
    assert elsewhere.is_file()


# -- a database server -----------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_database_server(oci: Command, tmp_path: Path, backend: str) -> None:
    why = reachable(backend)
    if why is not None:
        pytest.skip(f"{backend} not reachable: {why}")
    name = f"oci_manage_{os.getpid()}"
    url = recreate_database(backend, name)
    env = {"OCI_DATABASE_URL": url}
    try:
        assert oci("db", "upgrade", env=env) == f"database at {HEAD}\n"
        assert oci("db", "current", env=env) == f"current: {HEAD}\nhead: {HEAD}\n"
        oci("user", "add", "alice", "--admin", env=env | {"OCI_PASSWORD": PASSWORD})
        assert oci("user", "list", env=env) == "alice\tadmin\t0 token(s)\n"
        assert api_status(url, tmp_path, basic("alice", PASSWORD)) == 200
        oci("db", "downgrade", "base", env=env)
        assert tables(url) <= {"alembic_version"}
        assert "run `oci db upgrade`" in oci.fails("user", "list", env=env)
        # Nothing went to SQLite.
        assert not (tmp_path / "data" / "oci.db").exists()
    finally:
        _drop(backend, name)


def _drop(backend: str, name: str) -> None:
    admin = make_url(SERVER_URLS[backend]).set(database=ADMIN_DATABASE[backend])
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    quoted = f'"{name}"' if backend == "postgresql" else f"`{name}`"
    force = " WITH (FORCE)" if backend == "postgresql" else ""
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}{force}"))
    engine.dispose()
