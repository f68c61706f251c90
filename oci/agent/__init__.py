"""The discovery agent: a POSIX shell script (oci-agent) and its launcher."""
