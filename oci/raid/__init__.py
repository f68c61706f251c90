"""Hardware RAID on a machine's controller, built from its hardware profile (OCI's
machine-megacli-apply, -reset-raid, -check-megacli-applied).

- `plan`: a profile's layout (OCI's hdd.layout, or our apply.raid) as typed
  volume specs; the drives a controller reports, assigned to them (pure).
- `tools`: one family per vendor tool (storcli/perccli, megacli, ssacli): the
  argv that reads a controller, parses its answer, resets it and builds a plan
  (pure; no shell text is ever built by concatenation).
- `run`: over SSH in the live system (host keys pinned), the tool the BMC
  quirks name for the machine's vendor; what ran is a machine event (writes).
"""
