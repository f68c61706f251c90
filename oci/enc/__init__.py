"""The Puppet external node classifier for Debian's puppet-module-oci.

`loader` (the one reader of the database) -> a `snapshot` of the node and its
cluster -> `values` (every computed parameter, by OCI's name), `classes` (which
class gets which parameter), `secrets` (parameter -> secret and transform),
`hosts`, `devices` -> `document` (checked against the installed module's
`interface` and `release`, dumped by yaml.safe_dump). `served` keeps documents
while their cluster's enc_serial (oci.models.changes) is unchanged.

May import: models, enrolment (options, ipam, secrets, the cluster helpers),
install.disks (the system disk rule), security (vault, pki). Writes nothing.
"""
