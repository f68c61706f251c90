"""Placing machines into clusters: Swift regions, locations, networks and
clusters (`clusters`), machine-add/-remove/-set (`machines`), addresses and host
names (`ipam`), typed options (`options`), generated cluster secrets
(`secrets`), machines' root SSH key pairs and the fill of what older clusters
lack (`keys`) and hands-free enrolment (`automation`).

May import: models, matching, inventory, security (vault, PKI),
hooks.document (to queue the operator's hooks) and the infrastructure
modules. Writes: `clusters`, `machines`, `ipam.allocate`, `keys`,
`automation`; `ipam` (but `allocate`), `options`, `oci_flags` (OCI's
machine-set lines as options) and `secrets` are pure.
"""
