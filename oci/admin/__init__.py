"""`oci`, the server administrator's command: serve, db, user, machine, ssh-key,
pki, pxe, live-image (and `lab`, from oci.lab).

One module per command group; `context` holds what they share (settings, the
data directory, database sessions). May import every stage package; nothing
imports it but the `oci` console script. Writes only through the stages.
"""
