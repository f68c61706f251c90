"""Swift rings of a cluster, built with Debian's swift-ring-builder and sent to its nodes.

- `plan.py`: the cluster's view -> the rings and their devices (pure): OCI's
  layout, weights from disk sizes.
- `inputs.py`: the inventory read into that view (read only).
- `builder.py`: runs swift-ring-builder (argument lists, never a shell) and reads
  its listing.
- `rings.py`: the ring files kept under ``data_dir/swift-rings/CLUSTER``: made
  or brought up to date from a plan, shown, handed to publish.
- `calculation.py`: a calculation run in a thread, its state in a file beside
  the rings (a rebalance outlasts a request).
- `publish.py`: the ring files to a node's /etc/swift over SSH (oci.remote, host
  keys pinned at discovery).

May import: enc (snapshot, values, devices, loader), enrolment.options, models,
the infrastructure modules. Writes nothing to the database: the rings are files
in the data directory, beside the PKI and the server's SSH key.
"""
