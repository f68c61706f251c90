"""Hooks: executables an operator drops in ``hooks_dir/<event>/``, run after a
machine's change is committed, with a JSON document about the machine on stdin.

Our form of OCI's plugins (its DNS, root password and monitoring scripts,
called on machine-add, on "installed" and on Puppet success). ``document``
builds the document and queues it on the writing session (pure but for the
ORM reads); ``run`` finds and runs the executables (no database);
``dispatch`` starts them after the commit, in a background thread, and
records each outcome as a machine event.

May import: models, ``oci.config``, ``oci.transactions``.
Writes: machine events (the hooks' outcomes, ``dispatch``).
"""
