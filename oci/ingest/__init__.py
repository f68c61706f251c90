"""Discovery reports: from the agent's raw tool outputs to normalised facts.

One parser per tool (dmidecode, lscpu, lsblk, nvme, lspci, ip link, ethtool,
lldpcli, ipmitool, nvidia-smi, meminfo), `report` to run them all, `archive` to
unpack the upload, `identity` and `changes` for what inventory compares, and
`summary` for the one-line hardware summaries an operator reads.
Pure: may import only the standard library, its own modules and oci.errors;
no database, no Flask. Writes nothing.
"""
