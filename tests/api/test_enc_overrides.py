"""Operator overrides: per role, cluster, cluster+role, node, cluster+node, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from oci.api.app import create_app
from oci.config import Settings
from oci.enc.overrides import OverrideError
from oci.security.vault import Vault
from tests.helpers import enc_clusters as ec
from tests.helpers.database import Credentials, Database

FQDN = "cl1-compute-1.example.com"


@pytest.fixture
def vault() -> Vault:
    return Vault(Fernet.generate_key())


@pytest.fixture
def compute(session: Session, vault: Vault) -> str:
    ec.cluster(session, vault, "cl1")
    ec.enrol(session, "cl1", "controller", 1)
    (fqdn,) = ec.enrol(session, "cl1", "compute", 1)
    session.commit()
    assert fqdn == FQDN
    return fqdn


def write(root: Path, relative: str, data: object) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


LAYERS = [
    "roles/compute.yaml",
    "clusters/cl1.yaml",
    "clusters/cl1/roles/compute.yaml",
    f"nodes/{FQDN}.yaml",
    f"clusters/cl1/nodes/{FQDN}.yaml",
]


def test_layers_merge_in_order_key_by_key(
    session: Session, vault: Vault, compute: str, tmp_path: Path
) -> None:
    def dns_domain() -> str:
        return ec.enc(session, vault, compute, tmp_path)["classes"]["oci::compute"][
            "neutron_dns_domain"
        ]

    assert dns_domain() == "example.com."
    domains = ["a.example.", "b.example.", "c.example.", "d.example.", "e.example."]
    for layer, domain in zip(LAYERS, domains, strict=True):
        write(tmp_path, layer, {"oci::compute::neutron_dns_domain": domain})
        assert dns_domain() == domain, layer  # each layer beats the ones before
    # A lower layer sets another key: both apply.
    write(
        tmp_path,
        "roles/compute.yaml",
        {
            "oci::compute::neutron_dns_domain": "a.example.",
            "oci::compute::has_subrole_dhcp_agent": False,
        },
    )
    params = ec.enc(session, vault, compute, tmp_path)["classes"]["oci::compute"]
    assert (params["neutron_dns_domain"], params["has_subrole_dhcp_agent"]) == (
        "e.example.",
        False,
    )
    # Keys for classes the node does not have apply to those classes' nodes only,
    # and keys of oci::generic reach every node.
    write(
        tmp_path,
        "clusters/cl1.yaml",
        {
            "oci::controller::neutron_dns_domain": "ctl.example.",
            "oci::generic::time_server_host": "ntp.example.com",
        },
    )
    classes = ec.enc(session, vault, compute, tmp_path)["classes"]
    assert classes["oci::compute"]["neutron_dns_domain"] == "e.example."
    assert classes["oci::generic"]["time_server_host"] == "ntp.example.com"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"oci::compute::cpu_modle": "EPYC"}, "has no parameter 'cpu_modle'"),
        ({"oci::controler::region_name": "x"}, "no class oci::controler"),
        ({"cpu_model": "EPYC"}, "is not oci::CLASS::PARAMETER"),
        ({"oci::compute::has_subrole_dhcp_agent": "no"}, "expected Boolean, got String"),
        ({"oci::controller::glance_backnd": "ceph"}, "class oci::controller has no parameter"),
        ({"oci::compute::pass_nova_messaging": "x"}, "secrets come from the cluster only"),
        ("- a list", "must be a mapping"),
        ("key: [unclosed", "cannot read it"),
    ],
)
def test_a_typo_is_an_error_naming_the_file(
    session: Session, vault: Vault, compute: str, tmp_path: Path, content, message
) -> None:
    path = write(tmp_path, "clusters/cl1/roles/compute.yaml", content)
    with pytest.raises(OverrideError) as caught:
        ec.enc(session, vault, compute, tmp_path)
    assert str(path) in caught.value.message
    assert message in caught.value.message


def test_override_values_stay_plain_strings(
    session: Session, vault: Vault, compute: str, tmp_path: Path
) -> None:
    nasty = "ntp: 1 # x - 'y' \"z\"\n!!python/object/apply:os.system ['true']"
    write(tmp_path, f"nodes/{FQDN}.yaml", {"oci::generic::time_server_host": nasty})
    from oci.enc import document

    text = document.dump(ec.enc(session, vault, compute, tmp_path))
    assert yaml.safe_load(text)["classes"]["oci::generic"]["time_server_host"] == nasty


def test_the_route_fails_loudly_on_a_bad_override_file(
    settings: Settings, database: Database, admin: Credentials, tmp_path: Path
) -> None:
    overrides = tmp_path / "overrides"
    app = create_app(settings.model_copy(update={"enc_overrides_dir": overrides}))
    try:
        with database.sessions() as s:
            ec.cluster(s, app.extensions["oci_vault"], "cl1")
            (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
            s.commit()
        client = app.test_client()
        write(overrides, "roles/compute.yaml", {"oci::compute::neutron_dns_domain": "gpu."})
        ok = client.get(f"/api/v1/enc/{fqdn}", headers=admin.bearer)
        assert ok.status_code == 200, ok.get_data(as_text=True)
        assert yaml.safe_load(ok.data)["classes"]["oci::compute"]["neutron_dns_domain"] == "gpu."
        path = write(overrides, "roles/compute.yaml", {"oci::compute::gpu": []})
        response = client.get(f"/api/v1/enc/{fqdn}", headers=admin.bearer)
        assert response.status_code == 500
        error = response.get_json()["error"]
        assert error["code"] == "enc_override_invalid"
        assert str(path) in error["message"]
    finally:
        app.extensions["oci_engine"].dispose()


def test_the_overrides_directory_is_a_setting(tmp_path: Path) -> None:
    from oci.config import load_settings

    assert load_settings({}).enc_overrides_dir == Path("/etc/oci/enc-overrides")
    env = {"OCI_CONFIG": str(tmp_path / "absent"), "OCI_ENC_OVERRIDES_DIR": "/srv/enc"}
    (tmp_path / "absent").write_text("")
    assert load_settings(env).enc_overrides_dir == Path("/srv/enc")


def test_a_document_the_installed_module_would_refuse_is_a_409_naming_the_parameter(
    settings: Settings, database: Database, admin: Credentials, tmp_path: Path
) -> None:
    """The server reads the module's interface from the module path: a module whose
    oci::compute lost a parameter we send makes the ENC refuse, naming it, before
    Puppet would."""
    import shutil

    overlay = tmp_path / "overlay"
    shutil.copytree("/usr/share/puppet/modules/oci", overlay / "oci", symlinks=True)
    compute_pp = overlay / "oci" / "manifests" / "compute.pp"
    lines = compute_pp.read_text().splitlines(keepends=True)
    compute_pp.write_text("".join(line for line in lines if "$region_name" not in line))
    path = f"{overlay}:/usr/share/puppet/modules"
    app = create_app(settings.model_copy(update={"puppet_module_path": path}))
    try:
        with database.sessions() as s:
            ec.cluster(s, app.extensions["oci_vault"], "cl1")
            (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
            s.commit()
        response = app.test_client().get(f"/api/v1/enc/{fqdn}", headers=admin.bearer)
        assert response.status_code == 409, response.get_data(as_text=True)
        error = response.get_json()["error"]
        assert error["details"]["puppet_errors"] == [
            "Class[Oci::Compute]: has no parameter named 'region_name'"
        ]
    finally:
        app.extensions["oci_engine"].dispose()
