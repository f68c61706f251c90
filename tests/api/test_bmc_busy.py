"""machine-set-ipmi (PUT) and machine-set --ipmi-* (PATCH) while a BMC or RAID run
holds the machine's mark (`bmc_setup_until`): a 409, nothing changed.

Found in review: machine-set-ipmi during machine-renew-ipmi-password stored the
operator's password, then the renewal's end saved its own over it. And a mark
that has passed no longer stops them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import Bmc, Machine
from oci.models.types import utcnow
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Database

CHANGES = {
    "PUT": {"username": "ops", "password": "operator-pw", "address": "10.9.9.9", "port": 6230},
    "PATCH": {"username": "ops", "address": "10.9.9.9", "port": 6230},
}


def _stored(database: Database) -> tuple[object, ...]:
    with database.sessions() as s:
        b = s.scalars(select(Bmc)).one()
        return (b.ipmi_username, b.ipmi_password, b.ipmi_address, b.ipmi_port)


@pytest.mark.parametrize("method", sorted(CHANGES))
def test_ipmi_credentials_wait_for_a_running_bmc_run(
    method: str, api: Api, database: Database, session: Session
) -> None:
    factories.machine(session, "S1", bmc=Bmc(ip_address="10.0.0.5"))
    session.commit()
    put = {"username": "oci", "password": "renewed-pw", "address": "10.0.0.5"}
    assert (
        api.client.put("/api/v1/machines/S1/ipmi", json=put, headers=api.user.bearer).status_code
        == 200
    )
    before = _stored(database)
    with database.sessions() as s, s.begin():
        s.scalars(select(Machine)).one().bmc_setup_until = utcnow() + timedelta(minutes=5)

    answer = api.client.open(
        "/api/v1/machines/S1/ipmi", method=method, json=CHANGES[method], headers=api.user.bearer
    )
    assert answer.status_code == 409, answer.get_json()
    message = answer.get_json()["error"]["message"]
    assert "a BMC, RAID or wipe run on machine S1 is in progress" in message
    assert "saves the BMC credentials it set when it ends" in message
    assert _stored(database) == before

    # Once the mark has passed (a run that died), the change goes through.
    with database.sessions() as s, s.begin():
        s.scalars(select(Machine)).one().bmc_setup_until = utcnow() - timedelta(seconds=1)
    answer = api.client.open(
        "/api/v1/machines/S1/ipmi", method=method, json=CHANGES[method], headers=api.user.bearer
    )
    assert answer.status_code == 200, answer.get_json()
    assert _stored(database)[2:] == ("10.9.9.9", 6230)


def test_an_install_waits_for_a_wipe_raid_or_bmc_run(
    api: Api, database: Database, session: Session
) -> None:
    # machine-wipe holds the mark while it zeroes the disks: an install must not start.
    factories.machine(session, "S2", bmc_setup_until=utcnow() + timedelta(minutes=5))
    session.commit()
    answer = api.client.post("/api/v1/machines/S2/install", json={}, headers=api.user.bearer)
    assert answer.status_code == 409, answer.get_json()
    message = answer.get_json()["error"]["message"]
    assert "a BMC, RAID or wipe run on machine S2 is in progress" in message
    assert "install once it has ended" in message
    with database.sessions() as s:
        assert s.scalars(select(Machine)).one().status == "live"
