"""oci-puppet-enc against a live server, and real Puppet compiling every role's document."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from oci.enrolment import clusters
from oci.security.vault import Vault
from tests.helpers import enc_clusters as ec
from tests.helpers import puppet
from tests.helpers.commands import BIN
from tests.helpers.database import Credentials
from tests.helpers.paths import REPO
from tests.helpers.server import LiveServer, free_port


def config(path: Path, url: str, token: str, mode: int = 0o600) -> Path:
    path.write_text(f'api_url = "{url}"\ntoken = "{token}"\ntimeout = 20\n')
    path.chmod(mode)
    return path


def run_enc(*args: str, env: dict[str, str] | None = None):
    import subprocess

    base = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    return subprocess.run(
        [str(BIN / "oci-puppet-enc"), *args],
        env=base | (env or {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def server_vault(live_server: LiveServer) -> Vault:
    return Vault.from_file(live_server.log.parent / "secret.key")


@pytest.fixture
def compute(live_server: LiveServer) -> str:
    with live_server.database.sessions() as s:
        ec.cluster(s, server_vault(live_server), "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
    return fqdn


def test_the_enc_command_prints_the_document(
    live_server: LiveServer, admin: Credentials, compute: str, tmp_path: Path
) -> None:
    cfg = config(tmp_path / "enc.toml", live_server.url, admin.token)
    expected = requests.get(
        f"{live_server.url}/api/v1/enc/{compute}", headers=admin.bearer, timeout=20
    ).text
    result = run_enc("--config", str(cfg), compute)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout == expected
    # The file can also be named by OCI_PUPPET_ENC_CONFIG (puppetserver passes no
    # environment: it uses /etc/oci/puppet-enc.toml).
    by_env = run_enc(compute, env={"OCI_PUPPET_ENC_CONFIG": str(cfg)})
    assert (by_env.returncode, by_env.stdout) == (0, expected)
    # The wrapper in puppet-enc/ runs the same program.
    import subprocess

    direct = subprocess.run(
        [str(REPO / "puppet-enc" / "oci-puppet-enc"), "--config", str(cfg), compute],
        env={"OCI_PYTHON": str(BIN / "python"), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (direct.returncode, direct.stdout) == (0, expected), direct.stderr


def failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_enc_command_fails_loudly(
    live_server: LiveServer, admin: Credentials, reader: Credentials, compute: str, tmp_path: Path
) -> None:
    cfg = config(tmp_path / "enc.toml", live_server.url, admin.token)
    line = failure(run_enc("--config", str(cfg), "nobody.example.com"))
    assert "no enrolled machine with host name 'nobody.example.com'" in line
    assert line.startswith("oci-puppet-enc: nobody.example.com: the oci server answered 404")

    wrong = config(tmp_path / "wrong.toml", live_server.url, "oci_not-a-token")
    assert "answered 401" in failure(run_enc("--config", str(wrong), compute))
    # A read-only user's token does not get secrets.
    weak = config(tmp_path / "weak.toml", live_server.url, reader.token)
    assert "answered 403" in failure(run_enc("--config", str(weak), compute))

    down = config(tmp_path / "down.toml", f"http://127.0.0.1:{free_port()}", admin.token)
    assert "cannot reach the oci server" in failure(run_enc("--config", str(down), compute))

    shared = config(tmp_path / "shared.toml", live_server.url, admin.token, mode=0o644)
    assert "readable by other users; chmod 600" in failure(
        run_enc("--config", str(shared), compute)
    )
    assert "cannot read the configuration file" in failure(
        run_enc("--config", str(tmp_path / "absent.toml"), compute)
    )
    typo = tmp_path / "typo.toml"
    typo.write_text(f'api_url = "{live_server.url}"\ntokn = "x"\n')
    typo.chmod(0o600)
    assert "unknown key(s) tokn" in failure(run_enc("--config", str(typo), compute))


# -- Real Puppet -------------------------------------------------------------------------

needs_puppet = pytest.mark.skipif(not puppet.available(), reason="puppet is not installed")


def enc_command(cfg: Path) -> str:
    return f"{BIN / 'oci-puppet-enc'} --config {cfg}"


def compile_all(workdir: Path, environments: Path, enc: str, hosts: list[str]) -> dict[str, str]:
    """Puppet's errors per host that did not compile (exit status not 0)."""

    def one(fqdn: str) -> tuple[str, str | None]:
        result = puppet.apply(workdir / fqdn, environments, enc, fqdn)
        return fqdn, None if result.returncode == 0 else puppet.errors(result)

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(one, hosts))
    return {fqdn: error for fqdn, error in outcomes if error is not None}


@needs_puppet
@pytest.mark.slow
def test_every_machine_of_the_reference_cluster_compiles(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    if live_server.database.backend != "sqlite":
        pytest.skip("Puppet's compile does not depend on the database: run on SQLite only")
    with live_server.database.sessions() as s:
        built = ec.reference(s, server_vault(live_server))
        # The Swift-only cluster peers by BGP: the Oci::Bgp shape is compiled too.
        clusters.set_cluster_options(s, "swift1", {"bgp_to_host": True})
        s.commit()
    hosts = [fqdn for roles in built.values() for names in roles.values() for fqdn in names]
    assert len(hosts) == 30
    cfg = config(tmp_path / "enc.toml", live_server.url, admin.token)
    environments = puppet.environment(tmp_path / "puppet")
    started = time.monotonic()
    failed = compile_all(tmp_path / "nodes", environments, enc_command(cfg), hosts)
    print(f"\n{len(hosts)} catalogs compiled in {time.monotonic() - started:.1f} s")
    assert failed == {}


def _broken_module(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    copy = tmp_path / "oci-module"
    shutil.copytree(puppet.MODULE, copy)
    manifest = copy / "manifests" / "compute.pp"
    manifest.write_text(edit(manifest.read_text()))
    return copy


@needs_puppet
@pytest.mark.slow
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: re.sub(r"Boolean(\s+)\$dhcp_agent", r"Integer\1$dhcp_agent", text),
            "parameter 'dhcp_agent' expects an Integer value, got Boolean",
        ),
        (
            lambda text: re.sub(r"\n\s*Array\[Oci::Gpu\]\s+\$gpus,", "", text),
            "has no parameter named 'gpus'",
        ),
    ],
    ids=["wrong-type", "undeclared-parameter"],
)
def test_a_wrong_parameter_or_type_fails_the_compile(
    live_server: LiveServer, admin: Credentials, tmp_path: Path, edit, message
) -> None:
    if live_server.database.backend != "sqlite":
        pytest.skip("Puppet's compile does not depend on the database: run on SQLite only")
    with live_server.database.sessions() as s:
        ec.cluster(s, server_vault(live_server), "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "compute", 1)
        s.commit()
    cfg = config(tmp_path / "enc.toml", live_server.url, admin.token)
    good = puppet.apply(
        tmp_path / "good", puppet.environment(tmp_path / "p1"), enc_command(cfg), fqdn
    )
    assert good.returncode == 0, puppet.errors(good)
    broken = puppet.environment(tmp_path / "p2", _broken_module(tmp_path, edit))
    result = puppet.apply(tmp_path / "bad", broken, enc_command(cfg), fqdn)
    assert result.returncode == 1
    assert message in puppet.errors(result)


def test_ocicli_shows_documents_and_sets_the_enc_options(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    from tests.helpers.cli import clean_env
    from tests.helpers.commands import Command

    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home) | {"OCI_API_URL": live_server.url, "OCI_API_TOKEN": admin.token}
    cli = Command("ocicli", env, quiet=True)
    with live_server.database.sessions() as s:
        vault = server_vault(live_server)
        ec.cluster(s, vault, "swift1", 2, public_role=None)
        ec.cluster(s, vault, "cl1")
        (fqdn,) = ec.enrol(s, "cl1", "controller", 1)
        s.commit()
    options = cli.json(
        "cluster-set", "cl1", "--remote-swift-cluster", "swift1", "--bgp-to-host", "yes",
        "--ceph-osds-on-computes", "no", "--bgp-asn-base", "4210000000",
    )  # fmt: skip
    assert options["remote_swift_cluster"] == "swift1"
    assert (options["bgp_to_host"], options["bgp_asn_base"]) == (True, 4_210_000_000)
    shown = cli("enc-show", fqdn)
    assert (
        shown
        == requests.get(
            f"{live_server.url}/api/v1/enc/{fqdn}", headers=admin.bearer, timeout=20
        ).text
    )
    assert "glance_backend: swift" in shown
    assert "no enrolled machine" in cli.fails("enc-show", "nobody.example.com")
    assert "no cluster named 'nope'" in cli.fails(
        "cluster-set", "cl1", "--remote-swift-cluster", "nope"
    )
