"""``oci pxe``: the TFTP tree and the DHCP configuration (placeholder, filled below)."""

from __future__ import annotations

import click


@click.group()
def pxe() -> None:
    """PXE infrastructure: the TFTP tree and DHCP server configuration."""
