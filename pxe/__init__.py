"""Boot infrastructure an operator deploys, as data: iPXE and GRUB templates,
the dnsmasq template and DHCP examples (see README.md beside this file).

Shipped in the package as `oci.pxe` so that an installed oci renders them; the
Python that renders them is oci/boot/.
"""
