"""Root SSH key pairs per enrolled machine, the fill of what older clusters lack, and
migration 0009 converting a cluster made with the old secret names."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci import migrate
from oci.enc import secrets as enc_secrets
from oci.enrolment import clusters, keys
from oci.enrolment import secrets as cluster_secrets
from oci.models import Cluster, ClusterSecret, Machine, RootKeyPair
from oci.security.vault import Vault
from tests.helpers.api import Api
from tests.helpers.database import Database
from tests.helpers.enrolment import add, make_cluster, ok


def app_vault(app: Flask) -> Vault:
    the_vault: Vault = app.extensions["oci_vault"]
    return the_vault


def pair_of(session: Session, serial: str) -> RootKeyPair | None:
    session.commit()  # a new snapshot: the API committed in its own session
    machine = session.scalars(select(Machine).where(Machine.serial == serial)).one()
    return session.scalar(select(RootKeyPair).where(RootKeyPair.machine_id == machine.id))


def assert_matching_rsa(private: str, body: str) -> None:
    key = serialization.load_ssh_private_key(private.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert line.decode() == f"ssh-rsa {body}"


def test_an_enrolled_machine_gets_a_root_key_pair_and_loses_it_when_removed(
    app: Flask, api: Api, session: Session
) -> None:
    make_cluster(api, session)
    assert pair_of(session, "S1") is None
    ok(add(api, "S1", role="compute"), 201)
    pair = pair_of(session, "S1")
    assert pair is not None
    # The public body in clear, the private key only encrypted.
    assert " " not in pair.public_key
    assert "PRIVATE KEY" not in pair.private_ciphertext
    machine_id = pair.machine_id
    found = keys.root_key_pair(session, machine_id, app_vault(app))
    assert found is not None
    private, body = found
    assert body == pair.public_key
    assert_matching_rsa(private, body)
    params = enc_secrets.root_key_parameters(private, body)
    assert params["pass_root_ssh_pub"] == body

    ok(add(api, "S2", role="compute"), 201)
    other = pair_of(session, "S2")
    assert other is not None and other.public_key != body

    assert api.delete("/api/v1/machines/S1/enrolment").status_code == 204
    assert pair_of(session, "S1") is None
    # Added again: a new pair, not the old one.
    ok(add(api, "S1", role="compute"), 201)
    again = pair_of(session, "S1")
    assert again is not None and again.public_key != body
    # Forgetting the machine forgets its pair.
    assert api.delete("/api/v1/machines/S2").status_code == 204
    session.commit()
    assert session.scalar(select(sa.func.count()).select_from(RootKeyPair)) == 1


def test_fill_adds_what_a_cluster_lacks_once(
    app: Flask, api: Api, session: Session, database: Database
) -> None:
    make_cluster(api, session)
    ok(add(api, "S1"), 201)
    ok(add(api, "S2", role="compute"), 201)
    vault = app_vault(app)
    with database.sessions() as s, s.begin():
        cluster = s.scalars(select(Cluster).where(Cluster.name == "cl1")).one()
        before = clusters.reveal_secrets(cluster, vault)
        for row in list(cluster.secrets):
            if row.name in ("panko/db", "nova/ssh_pub", "ceph/mgrkey"):
                s.delete(row)
        s.execute(sa.delete(RootKeyPair))
    opened: list[Vault] = []

    def open_vault() -> Vault:
        opened.append(vault)
        return vault

    with database.sessions() as s, s.begin():
        filled = keys.fill(s, open_vault)
    assert filled.secrets == {"cl1": ["nova/ssh", "ceph/mgrkey", "panko/db"]}
    assert filled.key_pairs == ["cl1-controller-1.example.com", "cl1-compute-1.example.com"]
    assert filled.summary() == "3 secret(s) added to 1 cluster(s), 2 root key pair(s) made"
    with database.sessions() as s:
        cluster = s.scalars(select(Cluster).where(Cluster.name == "cl1")).one()
        after = clusters.reveal_secrets(cluster, vault)
    assert sorted(after) == list(cluster_secrets.STORED_NAMES)
    # What was there is kept; the key pair is made whole again, both halves new.
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"panko/db", "nova/ssh_pub", "nova/ssh_priv", "ceph/mgrkey"}
    assert_matching_rsa(after["nova/ssh_priv"], after["nova/ssh_pub"])
    # Idempotent, and a database with nothing to fill opens no key file.
    opened.clear()
    with database.sessions() as s, s.begin():
        again = keys.fill(s, open_vault)
    assert (again.secrets, again.key_pairs, opened) == ({}, [], [])


def migration_0009() -> ModuleType:
    return importlib.import_module("oci.migrations.versions.0009_secrets")


def old_secret_names() -> list[str]:
    """Every name 0008's code generated (59)."""
    module = migration_0009()
    return [*module.RENAMES, *module.DROPPED]


def test_migration_0009_converts_an_old_cluster(database: Database) -> None:
    vault = Vault(Fernet.generate_key())
    old = {name: f"value of {name}" for name in old_secret_names()}
    assert len(old) == 59
    now = datetime.now(UTC).replace(tzinfo=None)
    migrate.downgrade(database.url, "0008")
    try:
        with database.engine.begin() as conn:
            tables = sa.MetaData()
            tables.reflect(conn, only=["clusters", "cluster_secrets", "machines", "roles"])
            clusters_t, secrets_t = tables.tables["clusters"], tables.tables["cluster_secrets"]
            machines_t, roles_t = tables.tables["machines"], tables.tables["roles"]
            stamps = {"created_at": now, "updated_at": now}
            conn.execute(
                clusters_t.insert(),
                [
                    {"name": name, "domain": "example.com", "options": "{}", **stamps}
                    for name in ("old", "empty")
                ],
            )
            old_id = conn.scalar(select(clusters_t.c.id).where(clusters_t.c.name == "old"))
            conn.execute(
                secrets_t.insert(),
                [
                    {"cluster_id": old_id, "name": name, "ciphertext": vault.encrypt(value)}
                    for name, value in old.items()
                ],
            )
            compute = conn.scalar(select(roles_t.c.id).where(roles_t.c.name == "compute"))
            machine: dict[str, Any] = {
                "status": "live",
                "is_first_master": False,
                "settings": "{}",
                "discovery_count": 1,
                **stamps,
            }
            enrolled = {
                "serial": "OLD1",
                "cluster_id": old_id,
                "role_id": compute,
                "hostname": "old-compute-1.example.com",
            }
            conn.execute(machines_t.insert(), [machine | enrolled])
            conn.execute(machines_t.insert(), [machine | {"serial": "FREE1"}])
    finally:
        migrate.upgrade(database.url)

    module = migration_0009()
    with database.sessions() as s:
        rows = {
            row.name: vault.decrypt(row.ciphertext)
            for row in s.scalars(select(ClusterSecret).join(Cluster).where(Cluster.name == "old"))
        }
    # Renamed with their values kept; the five nobody reads are gone; nothing encrypted yet.
    assert rows == {new: old[name] for name, new in module.RENAMES.items()}
    assert rows["nova/db"] == "value of nova_db_password"
    assert rows["novaneutron/shared_secret"] == "value of metadata_proxy_shared_secret"
    assert rows["ceph/bootstraposdkey"] == "value of ceph_bootstrap_osd_key"
    assert rows["keystone/adminuser"] == "value of keystone_admin_password"
    assert set(rows) <= set(cluster_secrets.STORED_NAMES)

    # What `oci db upgrade` runs next.
    with database.sessions() as s, s.begin():
        filled = keys.fill(s, lambda: vault)
    assert len(filled.secrets["old"]) == 87 - len(module.RENAMES)
    assert len(filled.secrets["empty"]) == 87
    assert filled.key_pairs == ["old-compute-1.example.com"]
    with database.sessions() as s:
        for cluster in s.scalars(select(Cluster)):
            clear = clusters.reveal_secrets(cluster, vault)
            assert sorted(clear) == list(cluster_secrets.STORED_NAMES)
            # Every secret-valued class parameter can be made.
            made = enc_secrets.parameters(enc_secrets.SECRET_PARAMETERS, clear)
            assert len(made) == 90
        ids = {serial: id_ for serial, id_ in s.execute(select(Machine.serial, Machine.id))}
        assert keys.root_key_pair(s, ids["OLD1"], vault) is not None
        assert keys.root_key_pair(s, ids["FREE1"], vault) is None  # in no cluster
    with database.sessions() as s, s.begin():
        again = keys.fill(s, lambda: vault)
    assert (again.secrets, again.key_pairs) == ({}, [])


def test_migration_0009_goes_back_to_the_old_names(database: Database) -> None:
    vault = Vault(Fernet.generate_key())
    new = {name: f"value of {name}" for name in cluster_secrets.STORED_NAMES}
    module = migration_0009()
    now = datetime.now(UTC).replace(tzinfo=None)
    # From 0009 itself: what later revisions do on the way down is theirs to test.
    migrate.downgrade(database.url, "0009")
    try:
        with database.engine.begin() as conn:
            tables = sa.MetaData()
            tables.reflect(conn, only=["clusters", "cluster_secrets"])
            clusters_t, secrets_t = tables.tables["clusters"], tables.tables["cluster_secrets"]
            conn.execute(
                clusters_t.insert(),
                {"name": "cl1", "domain": "example.com", "options": "{}"}
                | {"created_at": now, "updated_at": now},
            )
            cluster_id = conn.scalar(select(clusters_t.c.id))
            conn.execute(
                secrets_t.insert(),
                [
                    {"cluster_id": cluster_id, "name": name, "ciphertext": vault.encrypt(value)}
                    for name, value in new.items()
                ],
            )
        migrate.downgrade(database.url, "0008")
        with database.engine.connect() as conn:
            rows = {
                name: vault.decrypt(token)
                for name, token in conn.execute(select(secrets_t.c.name, secrets_t.c.ciphertext))
            }
            tables_left = set(sa.inspect(conn).get_table_names())
    finally:
        migrate.upgrade(database.url)
    assert rows == {name: new[oci_name] for name, oci_name in module.RENAMES.items()}
    assert "root_key_pairs" not in tables_left
