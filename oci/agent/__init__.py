"""The discovery agent: a POSIX shell script (oci-agent) and its launcher.

The script runs in a busybox initramfs or the live image, so it is sh, not
Python; `command` only finds and runs it. Imports nothing of oci. Writes
nothing: it posts its report to the API.
"""
