"""What a booting machine is told: iPXE/GRUB scripts, the TFTP tree, DHCP
server configurations, and the discovery live image (live-build).

No database here (callers pass the states they read): scripts, TFTP tree and
DHCP files are pure rendering; `live_image` runs live-build. The templates are
data in pxe/ at the top of the tree, shipped as `oci.pxe`.
May import: models.status (the state vocabulary) and templates.
"""
