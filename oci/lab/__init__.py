"""The virtual lab (`oci lab`): QEMU machines that PXE-boot from a private oci
server, an emulated LLDP switch and simulated BMCs.

May import: cli.client (it drives the server over HTTP as an operator would),
bmc.ipmi, agent, security.users, migrate, config, db and templates. Writes to
its server's database once, as `oci db upgrade` and `oci user add` would (the
schema and the admin user), then only through the API; and to its own
directory (.lab/).
"""
