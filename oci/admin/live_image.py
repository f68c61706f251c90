"""``oci live-image``: build the discovery live image the boot service serves."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

from oci.admin import context
from oci.boot import live_image


@click.group("live-image")
def live_image_group() -> None:
    """The discovery live image (Debian live-build)."""


@live_image_group.command("build")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where vmlinuz, initrd.img and filesystem.squashfs go [default: live_image_dir].",
)
@click.option(
    "--work",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/var/cache/oci/live-build"),
    show_default=True,
    help="live-build's working directory (keeps its package cache between builds).",
)
@click.option(
    "--ssh-key",
    "ssh_keys",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Another public key file allowed to log in as root on the live system "
    "(repeatable); the server's own key (`oci ssh-key`) is always in.",
)
@click.option(
    "--agent-deb",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Install the agent from this oci-live-agent package (`make deb` builds it: "
    "build/oci-live-agent_VERSION_all.deb) instead of copying oci's own script.",
)
@click.option("--mirror", help="Debian mirror [default: http://deb.debian.org/debian/].")
@click.option("--distribution", help="Debian release [default: bookworm].")
@click.option("--dry-run", is_flag=True, help="Prepare the work directory, build nothing.")
def build(
    output: Path | None,
    work: Path,
    ssh_keys: tuple[Path, ...],
    agent_deb: Path | None,
    mirror: str | None,
    distribution: str | None,
    dry_run: bool,
) -> None:
    """Build the live image with live-build (as root; ~4 min the first time).

    The image boots with `boot=live fetch=<squashfs URL>`, starts lldpd, SSH
    (keys only: the server's own, which machine-install-os logs in with, and
    any --ssh-key) and oci-agent, which reports to the oci.server=URL the boot
    service puts on the kernel command line. Progress shows live-build's
    stages; its whole output is in WORK/oci-build.log.

    \b
    Examples:
      oci live-image build --ssh-key ~/.ssh/id_ed25519.pub
      oci live-image build --output /srv/oci/live --mirror http://mirror.example/debian/
      oci live-image build --dry-run --work /tmp/lb   # see what would be built
    """
    from oci.agent.command import script_path
    from oci.remote import server_key

    settings = context.settings()
    target = output or settings.effective_live_image_dir
    server_key(settings.ssh_key_file)  # made on first use
    keys = (settings.ssh_key_file.with_suffix(".pub"), *ssh_keys)
    work = work.resolve()
    if agent_deb is not None and not agent_deb.name.endswith("_all.deb"):
        raise click.BadParameter("live-build takes NAME_VERSION_all.deb", param_hint="--agent-deb")
    live_image.prepare(work, Path(script_path()), keys, agent_deb)
    click.echo(f"live-build configuration prepared in {work}")
    click.echo(f"root may log in with: {', '.join(str(key) for key in keys)}")
    if dry_run:
        click.echo(f"dry run: would run `lb config` and `lb build` there, then copy to {target}:")
        for name in live_image.OUTPUTS:
            click.echo(f"  {target / name}")
        return
    missing = live_image.missing_tools()
    if missing:
        raise click.ClickException(
            f"missing {', '.join(missing)}: apt-get install live-build squashfs-tools"
        )
    started = time.monotonic()

    def show(stage: str) -> None:
        click.echo(f"[{time.monotonic() - started:6.0f} s] {stage}")

    try:
        result = live_image.build(
            work, target.resolve(), show, mirror=mirror, distribution=distribution
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"built in {result.seconds:.0f} s into {target}:")
    for name, size in result.files.items():
        click.echo(f"  {name:20} {size / 1e6:8.1f} MB")
    free = shutil.disk_usage(work).free
    click.echo(f"(work directory {work}; {free / 1e9:.0f} GB free there)", err=True)
    sys.stdout.flush()
