"""The oci and ocicli console scripts, run as an operator runs them."""
