"""The lab's last step: discovered machines matched by profiles and enrolled.

INTEGRATION POINT for issue 5 (hardware profiles, LLDP racking, hands-free
enrolment, branch issue5): `enrol_discovered()` is called by `oci lab up`
once every machine is discovered and located by LLDP. Until matching exists
it does nothing and says so; when issue 5 lands, it should apply the example
profiles (or let the server's auto-enrolment do it) and wait until each
machine has the cluster, role, rack and availability zone the profiles give,
so that the progress display shows them reach "enrolled".
"""

from __future__ import annotations

from collections.abc import Callable

from oci.cli.client import ApiClient
from oci.lab.fleet import LabMachine

__all__ = ["enrol_discovered"]


def enrol_discovered(
    client: ApiClient, machines: list[LabMachine], show: Callable[[str], None]
) -> bool:
    """Place and enrol the lab's machines; True when they reached "enrolled".

    TODO(issue 5): match with the example profiles, place in racks and AZs, enrol.
    """
    del client, machines  # used once issue 5's matching exists
    show("enrolment by profiles: not available yet (issue 5); machines stay discovered")
    return False
