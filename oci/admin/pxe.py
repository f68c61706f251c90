"""``oci pxe``: build the TFTP tree and write DHCP server configurations."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from oci.admin import context
from oci.boot import dhcp, tftp
from oci.config import Settings
from oci.models.status import MachineStatus


def _server_url(given: str | None, settings: Settings) -> str:
    url = given or settings.boot_server_url
    if not url:
        raise click.UsageError("give --server-url (or set boot_server_url)")
    return url.rstrip("/")


@click.group()
def pxe() -> None:
    """PXE infrastructure: the TFTP tree and DHCP server configuration."""


@pxe.command("tftp-tree")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to build it [default: the tftp_root setting].",
)
@click.option("--server-url", help="The boot service as machines reach it [boot_server_url].")
@click.option(
    "--live-image",
    type=click.Path(file_okay=False, path_type=Path),
    help="The live image whose kernel and initrd GRUB loads [default: live_image_dir].",
)
@click.option("--no-machines", is_flag=True, help="Write no per-machine file (no database).")
def tftp_tree(
    root: Path | None, server_url: str | None, live_image: Path | None, no_machines: bool
) -> None:
    """Build the TFTP tree: iPXE, shim and GRUB from the Debian packages, and GRUB's configs.

    Needs the packages ipxe, shim-signed and grub-efi-amd64-signed. Debian
    12's signed GRUB reads only TFTP: the live image's kernel and initrd are
    copied in, and each machine whose state says "boot from the local disk"
    gets its own grub/machines/MAC.cfg. Run it again when states change.

    \b
    Examples:
      oci pxe tftp-tree --server-url http://192.168.101.2:8080
      oci pxe tftp-tree --root /srv/tftp --live-image /srv/oci/live --no-machines
    """
    settings = context.settings()
    url = _server_url(server_url, settings)
    target = root or settings.effective_tftp_root
    image = live_image or settings.effective_live_image_dir
    machines: dict[str, MachineStatus] = {}
    if not no_machines:
        machines = _machine_states()
    try:
        written = tftp.build_tree(
            target,
            url,
            live_image=image if (image / "vmlinuz").is_file() else None,
            machines=machines,
            console=settings.boot_console,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for item in written:
        click.echo(f"{target / item.path}\t{item.size}\t{item.source}")


def _machine_states() -> dict[str, MachineStatus]:
    """MAC of every physical NIC -> its machine's state."""
    from sqlalchemy import select

    from oci.models import Machine, Nic

    with context.session() as session:
        rows = session.execute(
            select(Nic.mac, Machine.status).join(Machine).where(Nic.physical.is_(True))
        )
        return {mac: status for mac, status in rows}


@pxe.command("dhcp-config")
@click.option(
    "--server",
    "kind",
    type=click.Choice(["dnsmasq", "kea"]),
    required=True,
    help="The DHCP server to configure.",
)
@click.option("--server-url", help="The boot service as machines reach it [boot_server_url].")
@click.option("--tftp-server", required=True, help="IPv4 address of the TFTP server.")
@click.option(
    "--network",
    "names",
    multiple=True,
    help="A network to serve (repeatable) [default: every IPv4 network that is not public].",
)
@click.option("--range-size", default=64, show_default=True, help="Dynamic addresses per network.")
@click.option("--secure-boot", is_flag=True, help="UEFI machines get shim and GRUB, not iPXE.")
@click.option("--tftp-root", help="dnsmasq's TFTP root [default: the tftp_root setting].")
def dhcp_config(
    kind: str,
    server_url: str | None,
    tftp_server: str,
    names: tuple[str, ...],
    range_size: int,
    secure_boot: bool,
    tftp_root: str | None,
) -> None:
    """Print a DHCP configuration for our networks that PXE-boots machines from oci.

    BIOS firmware gets undionly.kpxe, UEFI ipxe.efi (or shim with
    --secure-boot) over TFTP; iPXE (user class "iPXE") gets the boot
    service's script. Check the result with `dnsmasq --test --conf-file=FILE`
    or `kea-dhcp4 -t FILE`.

    \b
    Examples:
      oci pxe dhcp-config --server dnsmasq --tftp-server 192.168.101.2 \\
          --server-url http://192.168.101.2:8080 > /etc/dnsmasq.d/oci.conf
      oci pxe dhcp-config --server kea --network mgmt-zone1 --tftp-server 192.168.101.2
    """
    from sqlalchemy import select

    from oci.models import Network

    settings = context.settings()
    url = _server_url(server_url, settings)
    root = tftp_root or str(settings.effective_tftp_root)
    try:
        options = dhcp.PxeOptions(
            url, ipaddress.IPv4Address(tftp_server), tftp_root=root, secure_boot=secure_boot
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    with context.session() as session:
        rows = list(session.scalars(select(Network).order_by(Network.name)))
        found = {row.name: row for row in rows}
        unknown = [name for name in names if name not in found]
        if unknown:
            raise click.ClickException(f"no network named {', '.join(unknown)}")
        chosen = [found[n] for n in names] or [
            row for row in rows if row.ip_version == 4 and not row.is_public
        ]
        try:
            networks = [dhcp.dhcp_network(row.name, row.cidr, range_size) for row in chosen]
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    if not networks:
        raise click.ClickException("no IPv4 network to serve (ocicli network-create)")
    render = dhcp.dnsmasq_config if kind == "dnsmasq" else dhcp.kea_config
    click.echo(render(networks, options), nl=False)
