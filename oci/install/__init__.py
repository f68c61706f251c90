"""Installing Debian on an enrolled machine from its live system.

- `inputs.py`: what the database knows of the machine -> `InstallInputs` (read only).
- `plan.py`: `InstallInputs` -> the bundle's files (pure): installer settings,
  partitioning/RAID, networking, hosts, certificates, Puppet, first boot.
- `oci-install`: the installer script the live system runs (POSIX sh).
- `run.py`: push the bundle over SSH (oci.remote), start the installer, follow its log.

May import: ingest (the live system's report), enrolment (options, ipam, clusters),
security.pki, models and the infrastructure modules. Writes
nothing to the database: the API records the install's state through
inventory.status.
"""
