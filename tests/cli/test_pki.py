"""The cluster PKI: chains that `openssl verify` accepts, private files, node
certificates issued at machine-add, renewal and the cluster's API certificate."""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from oci.config import Settings
from oci.errors import Invalid
from oci.security.pki import Pki
from tests.helpers.api import Api
from tests.helpers.cli import base_env
from tests.helpers.commands import Command
from tests.helpers.database import Database
from tests.helpers.enrolment import add, make_cluster, ok


@pytest.fixture
def cluster(api: Api, session: Session) -> Api:
    return make_cluster(api, session)


def openssl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *args], input=stdin, capture_output=True, text=True, check=False
    )


def verify(root: Path, cert: Path, purpose: str = "sslserver") -> str:
    """openssl's verdict on `cert` against our root, through the intermediate."""
    result = openssl(
        "verify", "-purpose", purpose, "-CAfile", str(root / "root-ca.crt"),
        "-untrusted", str(root / "intermediate-ca.crt"), str(cert),
    )  # fmt: skip
    return (result.stdout + result.stderr).strip()


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_cas_and_a_node_certificate(tmp_path: Path) -> None:
    root = tmp_path / "pki"
    pki = Pki(root)
    issued = pki.issue_node("cl1-compute-3.example.com", ["192.168.101.7", "2001:db8:7::7"])
    cert, key = pki.node_paths("cl1-compute-3.example.com")
    for purpose in ("sslserver", "sslclient"):
        assert verify(root, cert, purpose) == f"{cert}: OK"
    text = openssl("x509", "-in", str(cert), "-noout", "-ext", "subjectAltName").stdout
    assert "DNS:cl1-compute-3.example.com" in text
    assert "IP Address:192.168.101.7" in text and "IP Address:2001:DB8:7:0:0:0:0:7" in text
    assert issued.issuer == "CN=oci intermediate CA,O=oci"
    # Keys for the owner only, in directories for the owner only.
    for private in (key, root / "root-ca.key", root / "intermediate-ca.key"):
        assert mode(private) == 0o600, private
    assert mode(root) == 0o700 and mode(root / "nodes") == 0o700
    # The key belongs to the certificate.
    assert (
        openssl("x509", "-in", str(cert), "-noout", "-pubkey").stdout
        == openssl("pkey", "-in", str(key), "-pubout").stdout
    )
    # A second CA of ours is not trusted by the first: verification can fail.
    other = Pki(tmp_path / "other")
    other.issue_node("intruder.example.com", [])
    intruder = other.node_paths("intruder.example.com")[0]
    assert "unable to get local issuer certificate" in verify(root, intruder)


def test_api_certificates_ours_or_the_operators(tmp_path: Path) -> None:
    pki = Pki(tmp_path / "pki")
    ours = pki.issue_api("cl1", "cl1-api.example.com", ["203.0.113.2"])
    assert ours.dns_names == ("cl1-api.example.com",) and ours.ip_addresses == ("203.0.113.2",)
    crt, key, chain = pki.api_paths("cl1")
    result = openssl("verify", "-CAfile", str(tmp_path / "pki" / "root-ca.crt"),
                     "-untrusted", str(chain), str(crt))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert mode(key) == 0o600
    our_key = key.read_bytes()

    # An operator's certificate (here from another CA) replaces it, its key must match.
    operator = Pki(tmp_path / "operator")
    operator.issue_node("api.cloud.example.net", [])
    op_crt, op_key = operator.node_paths("api.cloud.example.net")
    installed = pki.install_api("cl1", op_crt.read_bytes(), op_key.read_bytes())
    assert installed.dns_names == ("api.cloud.example.net",)
    with pytest.raises(Invalid, match="does not belong to the certificate"):
        pki.install_api("cl1", op_crt.read_bytes(), our_key)
    with pytest.raises(Invalid, match="not a PEM certificate"):
        pki.install_api("cl1", b"garbage", op_key.read_bytes())
    assert pki.api_certificate("cl1") == installed  # the refusals changed nothing


def test_machine_add_issues_and_machine_remove_forgets(cluster: Api, settings: Settings) -> None:
    api = cluster
    added = ok(add(api, "S1"), 201)
    shown = ok(api.get("/api/v1/machines/S1/certificate"))
    assert shown["dns_names"] == ["cl1-controller-1.example.com"]
    assert sorted(shown["ip_addresses"]) == sorted(
        str(ipaddress.ip_address(a["address"])) for a in added["addresses"]
    )
    assert "PRIVATE KEY" not in str(shown)
    root = settings.pki_dir
    pem = root / "check.crt"
    pem.write_text(shown["pem"])
    assert verify(root, pem) == f"{pem}: OK"
    assert api.delete("/api/v1/machines/S1/enrolment").status_code == 204
    gone = api.get("/api/v1/machines/S1/certificate")
    assert gone.status_code == 404 and "machine-add" in gone.get_json()["error"]["message"]
    assert not Pki(root).node_paths("cl1-controller-1.example.com")[1].exists()


def test_renewal_and_the_api_certificate_from_the_command_line(
    cluster: Api, settings: Settings, database: Database
) -> None:
    api = cluster
    ok(add(api, "S1"), 201)
    ok(add(api, "S2", role="compute"), 201)
    before = {
        s: ok(api.get(f"/api/v1/machines/{s}/certificate"))["serial_number"] for s in ("S1", "S2")
    }
    env = base_env(settings.data_dir)
    env |= {"OCI_DATA_DIR": str(settings.data_dir), "OCI_DATABASE_URL": database.url}
    oci = Command("oci", env)
    out = oci("pki", "renew", "cl1")
    assert "renewed 2 node certificate(s) of cluster cl1" in out
    assert "API: cl1-api.example.com, 203.0.113.2" in out  # the VIP host name and address
    after = {
        s: ok(api.get(f"/api/v1/machines/{s}/certificate"))["serial_number"] for s in ("S1", "S2")
    }
    assert all(before[s] != after[s] for s in before)
    shown = ok(api.get("/api/v1/clusters/cl1/api-certificate"))
    assert shown["dns_names"] == ["cl1-api.example.com"]
    assert "no cluster named 'nosuch'" in oci.run("pki", "renew", "nosuch").stderr
