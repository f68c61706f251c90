"""Which hardware profile a machine is and where it stands: the profile file
shape (`profiles`, `units`), the matcher (`match`), racking from LLDP
(`racking`), and where profiles live (`store`). Example profiles in examples/.

May import: inventory.view, enrolment.options (the typed options a profile
sets), enrolment.oci_flags (OCI's machine-set lines as those options), models
and the infrastructure modules. Writes: `store` only; the rest is pure.
"""
