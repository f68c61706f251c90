"""Alembic environment of oci (installed as the ``oci.migrations`` package)."""
