"""What a booting machine is told: iPXE/GRUB scripts, the TFTP tree, DHCP
server configurations, and the discovery live image (live-build).

Pure rendering: no database here (callers pass the states they read). The
templates are data in pxe/ at the top of the tree, shipped as `oci.pxe`.
May import: models.status (the state vocabulary), templates, config.
"""
