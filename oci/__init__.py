"""oci: a bare-metal OpenStack cluster installer."""

__version__ = "0.1.0"
