"""The virtual lab (`oci lab`): QEMU machines that PXE-boot from a private oci
server, an emulated LLDP switch and simulated BMCs.

May import: cli.client (it drives the server over HTTP as an operator would),
bmc.ipmi, agent, config, db and templates. Writes to the server only through its
API, and to its own directory (.lab/).
"""
