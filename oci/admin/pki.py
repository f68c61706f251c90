"""`oci pki`: the server administrator's view of the cluster PKI."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from oci.admin import context
from oci.enrolment.clusters import by_name, cluster_options
from oci.models import Cluster, IpAddress, Machine
from oci.security.pki import CertificateInfo, Pki


def _pki() -> Pki:
    return Pki(context.settings().pki_dir)


def _line(what: str, cert: CertificateInfo) -> str:
    names = ", ".join([*cert.dns_names, *cert.ip_addresses]) or cert.subject
    return f"{what}: {names} (until {cert.not_after:%Y-%m-%d}, sha256 {cert.sha256[:23]}...)"


@click.group()
def pki() -> None:
    """The cluster PKI: root and intermediate CAs, node and API certificates.

    Everything is kept under DATA_DIR/pki (keys mode 0600), never in the
    database. Node certificates are issued at machine-add.
    """


@pki.command("init")
def pki_init() -> None:
    """Create the root CA and the intermediate now (else: at the first machine-add)."""
    the_pki = _pki()
    the_pki.ensure()
    click.echo(f"CA chain: {the_pki.chain_path}")


@pki.command("renew")
@click.argument("cluster")
def pki_renew(cluster: str) -> None:
    """Issue new certificates to every machine of CLUSTER, and a new API
    certificate unless the cluster's self_signed_api_cert option is off (the
    operator brings that one: oci pki api-cert CLUSTER --cert ... --key ...)."""
    the_pki = _pki()
    with context.session() as session:
        the_cluster = by_name(session, Cluster, cluster, "cluster")
        machines = session.scalars(
            select(Machine).where(Machine.cluster_id == the_cluster.id).order_by(Machine.hostname)
        ).all()
        nodes = [
            (m.hostname, [ip.address for ip in m.ip_addresses if ip.purpose == "host"])
            for m in machines
            if m.hostname
        ]
        options = cluster_options(the_cluster)
        vips = session.scalars(
            select(IpAddress.address).where(
                IpAddress.purpose == "vip",
                IpAddress.vip_usage == "api",  # the API's certificate: not the SQL VIP
                IpAddress.network.has(cluster_id=the_cluster.id),
            )
        ).all()
    with click.progressbar(nodes, label="renewing", file=sys.stderr) as bar:
        for hostname, addresses in bar:
            the_pki.issue_node(hostname, addresses)
    if options.self_signed_api_cert and options.vip_hostname:
        click.echo(_line("API", the_pki.issue_api(cluster, options.vip_hostname, vips)))
    click.echo(f"renewed {len(nodes)} node certificate(s) of cluster {cluster}")


@pki.command("api-cert")
@click.argument("cluster")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chain", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def pki_api_cert(cluster: str, cert: Path | None, key: Path | None, chain: Path | None) -> None:
    """Give CLUSTER's API its certificate: an operator's (--cert, --key and
    its --chain), or without them one from oci's CA for the VIP host name.

    \b
    Examples:
      oci pki api-cert cl1
      oci pki api-cert cl1 --cert api.crt --key api.key --chain issuer.crt
    """
    if (cert is None) != (key is None):
        raise click.UsageError("give --cert and --key together")
    the_pki = _pki()
    if cert is not None and key is not None:
        chain_pem = chain.read_bytes() if chain else b""
        with context.session() as session:
            by_name(session, Cluster, cluster, "cluster")
        installed = _checked_install(
            the_pki, cluster, cert.read_bytes(), key.read_bytes(), chain_pem
        )
        click.echo(_line("API", installed))
        return
    with context.session() as session:
        the_cluster = by_name(session, Cluster, cluster, "cluster")
        hostname = cluster_options(the_cluster).vip_hostname
        vips = session.scalars(
            select(IpAddress.address).where(
                IpAddress.purpose == "vip",
                IpAddress.vip_usage == "api",  # the API's certificate: not the SQL VIP
                IpAddress.network.has(cluster_id=the_cluster.id),
            )
        ).all()
    if not hostname:
        raise click.ClickException(
            f"cluster {cluster} has no vip_hostname: ocicli cluster-set {cluster} "
            "--vip-hostname NAME"
        )
    click.echo(_line("API", the_pki.issue_api(cluster, hostname, vips)))


def _checked_install(
    the_pki: Pki, cluster: str, cert: bytes, key: bytes, chain: bytes
) -> CertificateInfo:
    from oci.errors import OciError

    try:
        return the_pki.install_api(cluster, cert, key, chain)
    except OciError as exc:
        raise click.ClickException(exc.message) from exc
