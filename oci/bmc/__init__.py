"""Machines' BMCs: IPMI calls (pyghmi) with deadlines, stored credentials,
vendor quirks as data (quirks.yaml) and the automatic BMC set-up.

May import: models, security (the vault), inventory (status), enrolment (ipam),
and the infrastructure modules. Writes: `credentials` and `setup`.
"""
