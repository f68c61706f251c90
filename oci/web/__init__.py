"""The web dashboard served by `oci serve` under /ui: the fleet, the racks, each
machine and each cluster, for people to look at (`ocicli` stays the tool for scripts).

Pages are rendered on the server with oci.templates (sandboxed, StrictUndefined,
autoescaped) and read without JavaScript; a small script only refreshes the fleet
page while machines boot. Login is by the API's users, in a signed session cookie;
every form carries a CSRF token.

May import: api (session, machines, bmc: the reads and the BMC actions the API
runs), inventory, matching, enrolment, security.users, models, infrastructure.
Writes: nothing itself; its actions run the API's BMC functions (oci.api.bmc),
which write through oci.inventory.status.
"""
