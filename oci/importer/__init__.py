"""``oci import-oci``: an OCI 42.x MariaDB inventory moved into ours.

``read`` takes OCI's tables as plain rows (SQLAlchemy Core reflection, read
only), ``mapping`` turns them into a plan of our records (pure: no database,
no key) or refuses naming what it cannot map, and ``apply`` (the one module of
this package that writes) makes our database match the plan in the caller's
transaction, re-encrypting OCI's clear-text secrets with our key. Applying the
same plan twice changes nothing the second time.
"""
