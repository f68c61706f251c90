"""``oci``: the server administrator's command (serve, database, users, PKI, boot, lab).

Each command group lives in its own module; this one only assembles them.
"""

from __future__ import annotations

import click

from oci.admin.database import db
from oci.admin.hooks import hook
from oci.admin.import_oci import import_oci
from oci.admin.live_image import live_image_group
from oci.admin.machines import machine, ssh_key
from oci.admin.pki import pki
from oci.admin.pxe import pxe
from oci.admin.serve import serve
from oci.admin.users import user
from oci.lab.command import lab


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oci")
def main() -> None:
    """Administer the oci server: its database, its users, and the server itself.

    Settings come from /etc/oci/oci.toml (or the file in OCI_CONFIG), then from
    OCI_* environment variables such as OCI_DATA_DIR and OCI_DATABASE_URL.
    """


for command in (serve, db, user, machine, ssh_key, pki, pxe, live_image_group, hook, lab):
    main.add_command(command)
main.add_command(import_oci)
