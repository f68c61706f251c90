"""Cluster secrets: generated strong at cluster-create, encrypted at rest, shown only on request."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oci.config import Settings
from oci.db import Base
from oci.enrolment import secrets as cluster_secrets
from oci.security.vault import Vault, VaultError, load_or_create_key
from tests.helpers.api import Api
from tests.helpers.database import Credentials, Database


@pytest.fixture
def secrets(api: Api) -> dict[str, str]:
    assert (
        api.post("/api/v1/clusters", json={"name": "cl1", "domain": "example.com"}).status_code
        == 201
    )
    response = api.get("/api/v1/clusters/cl1/secrets")
    assert response.status_code == 200
    return response.get_json()["secrets"]


def test_cluster_create_generates_every_secret(api: Api, secrets: dict[str, str]) -> None:
    # OCI's 87, the three SSH key pairs stored as a private and a public half each.
    assert len(cluster_secrets.OCI_SECRETS) == 87
    assert sorted(secrets) == list(cluster_secrets.STORED_NAMES) and len(secrets) == 90
    for name in ("nova/db", "nova/messaging", "nova/authtoken", "panko/db", "zabbix/authtoken"):
        assert re.fullmatch(r"[0-9a-f]{64}", secrets[name]), name
    assert re.fullmatch(r"[0-9a-f-]{36}", secrets["ceph/fsid"])
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", secrets["keystone/credential1"])
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", secrets["designate/rndckey"])
    assert len(secrets["ceph/mgrkey"]) == 40  # base64 of a 12-byte header + 16-byte key
    assert re.fullmatch(r"AAAAB3NzaC1yc2E[A-Za-z0-9+/]+=*", secrets["nova/ssh_pub"])  # ssh-rsa
    assert "BEGIN OPENSSH PRIVATE KEY" in secrets["glance/ssh_priv"]
    # No two secrets alike, and another cluster gets its own.
    assert len(set(secrets.values())) == len(secrets)
    api.post("/api/v1/clusters", json={"name": "cl2", "domain": "example.com"})
    other = api.get("/api/v1/clusters/cl2/secrets").get_json()["secrets"]
    assert other.keys() == secrets.keys()
    assert not set(other.values()) & set(secrets.values())


def test_secrets_need_an_admin_and_appear_nowhere_else(
    client: FlaskClient, reader: Credentials, api: Api, secrets: dict[str, str]
) -> None:
    denied = client.get("/api/v1/clusters/cl1/secrets", headers=reader.bearer)
    assert denied.status_code == 403
    assert client.get("/api/v1/clusters/cl1/secrets").status_code == 401
    shown = [
        client.get("/api/v1/clusters/cl1", headers=reader.bearer),
        api.get("/api/v1/clusters"),
        api.patch("/api/v1/clusters/cl1", json={"time_server_host": "ntp.example.com"}),
        api.patch("/api/v1/clusters/cl1", json={"time_server_host": "no such host!"}),
        api.post("/api/v1/clusters", json={"name": "cl1", "domain": "example.com"}),
        api.get("/api/v1/openapi.json"),
    ]
    for response in shown:
        text = response.get_data(as_text=True)
        assert not [name for name, value in secrets.items() if value in text]


def test_the_database_holds_no_secret_in_clear(database: Database, secrets: dict[str, str]) -> None:
    with database.sessions() as session:
        rows = [
            repr(row)
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table)).all()
        ]
    dump = "\n".join(rows)
    assert "cluster_secrets" in Base.metadata.tables and len(rows) > len(secrets)
    assert not [name for name, value in secrets.items() if value in dump]
    if database.backend == "sqlite":
        # The files themselves, write-ahead log included: no value, no fragment of a key.
        path = Path(database.engine.url.database or "")
        # Read by another process: opening and closing the file here would drop
        # this process's SQLite (POSIX) locks on it, held by pooled connections.
        files = sorted(str(p) for p in path.parent.glob(path.name + "*"))
        raw = subprocess.run(["cat", *files], capture_output=True, check=True).stdout
        assert len(raw) > 100_000
        for name, value in secrets.items():
            probe = value.splitlines()[1] if "\n" in value else value
            assert probe.encode() not in raw, name


def test_the_key_file_is_private_and_checked(
    tmp_path: Path, app: Flask, settings: Settings
) -> None:
    # The server created its key on first start, in data_dir, readable by its user only.
    key_file = settings.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    path = tmp_path / "keys" / "secret.key"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key  # read back, not replaced
    vault = Vault(key)
    token = vault.encrypt("s3cret")
    assert "s3cret" not in token and vault.decrypt(token) == "s3cret"
    with pytest.raises(VaultError, match="does not decrypt with this server's key"):
        Vault(load_or_create_key(tmp_path / "other.key")).decrypt(token)
    path.chmod(0o640)
    with pytest.raises(VaultError, match=r"readable by other users; chmod 600"):
        load_or_create_key(path)
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key\n")
    garbage.chmod(0o600)
    with pytest.raises(VaultError, match="does not hold a Fernet key"):
        load_or_create_key(garbage)


def test_serve_refuses_a_key_file_others_can_read(tmp_path: Path) -> None:
    from tests.helpers.cli import base_env, oci_with
    from tests.helpers.server import free_port

    oci = oci_with(base_env(tmp_path))
    oci("db", "upgrade")
    key_file = tmp_path / "data" / "secret.key"
    key_file.write_text("whatever\n")
    key_file.chmod(0o644)
    error = oci.fails("serve", "--port", str(free_port()))
    assert (
        error == f"the secret key file {key_file} is readable by other users; chmod 600 {key_file}"
    )
    key_file.chmod(0o600)
    error = oci.fails("serve", "--port", str(free_port()))
    assert error == f"{key_file} does not hold a Fernet key (32 url-safe base64 bytes)"


def test_secrets_under_another_key_are_a_clear_error(
    app: Flask, api: Api, secrets: dict[str, str], tmp_path: Path
) -> None:
    app.extensions["oci_vault"] = Vault(load_or_create_key(tmp_path / "other.key"))
    response = api.get("/api/v1/clusters/cl1/secrets")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "secret_key_error"
    assert error["message"] == (
        "a stored secret does not decrypt with this server's key (was secret_key_file changed?)"
    )


def test_the_key_file_setting(tmp_path: Path) -> None:
    from oci.config import load_settings

    absent = {"OCI_CONFIG": str(tmp_path / "absent.toml")}
    (tmp_path / "absent.toml").write_text("")
    default = load_settings(environ=absent | {"OCI_DATA_DIR": str(tmp_path / "data")})
    assert default.effective_secret_key_file == tmp_path / "data" / "secret.key"
    moved = load_settings(environ=absent | {"OCI_SECRET_KEY_FILE": "/etc/oci/secret.key"})
    assert moved.effective_secret_key_file == Path("/etc/oci/secret.key")


def test_db_upgrade_fills_in_an_old_cluster_with_the_servers_key(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from oci import migrate
    from tests.helpers.cli import base_env, oci_with

    oci = oci_with(base_env(tmp_path))
    data = tmp_path / "data"
    url = f"sqlite:///{data}/oci.db"
    head = migrate.head_revision(url)
    # Nothing to fill: no key file made (the server makes it, as its own user).
    assert oci("db", "upgrade") == f"database at {head}\n"
    assert not (data / "secret.key").exists()

    oci("db", "downgrade", "0008")
    vault = Vault(load_or_create_key(data / "secret.key"))
    engine = sa.create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        tables = sa.MetaData()
        tables.reflect(conn, only=["clusters", "cluster_secrets"])
        conn.execute(
            tables.tables["clusters"].insert(),
            {"name": "old", "domain": "example.com", "options": "{}"}
            | {"created_at": now, "updated_at": now},
        )
        conn.execute(
            tables.tables["cluster_secrets"].insert(),
            [
                {"cluster_id": 1, "name": name, "ciphertext": vault.encrypt(f"{name}!")}
                for name in ("nova_db_password", "galera_sst_password", "ceph_fsid")
            ],
        )
    assert oci("db", "upgrade") == (
        f"database at {head}\n"
        "filled in: 85 secret(s) added to 1 cluster(s), 0 root key pair(s) made\n"
    )
    assert oci("db", "upgrade") == f"database at {head}\n"
    with engine.connect() as conn:
        query = sa.text("SELECT name, ciphertext FROM cluster_secrets")
        rows: dict[str, str] = {name: token for name, token in conn.execute(query)}
    engine.dispose()
    assert sorted(rows) == list(cluster_secrets.STORED_NAMES)
    assert vault.decrypt(rows["nova/db"]) == "nova_db_password!"
    assert vault.decrypt(rows["ceph/fsid"]) == "ceph_fsid!"
    assert len(vault.decrypt(rows["panko/db"])) == 64
