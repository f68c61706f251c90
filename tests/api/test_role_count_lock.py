"""cluster-rolecounts-set reads the host names in use under the role counter's lock.

A machine-add takes its number under that lock. Read before it, a machine-add
committing in between was missed: the counter could be set below the number it
took, and every later machine-add of the role would then collide with a host
name in use (a 409 on each, until an operator set the count again).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Select, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session

from oci.models import Machine, RoleCounter
from tests.helpers.api import Api
from tests.helpers.database import Database
from tests.helpers.enrolment import add, make_cluster, ok


def test_host_names_are_read_while_the_counter_is_locked(
    api: Api, session: Session, database: Database
) -> None:
    if database.backend == "sqlite":
        pytest.skip("one writer at a time: no machine-add runs beside it")
    make_cluster(api, session)
    ok(add(api, "S1", role="compute"), 201)
    counter_locked: list[bool] = []

    def when_host_names_are_read(state: ORMExecuteState) -> None:
        if not isinstance(state.statement, Select):
            return
        reads = state.statement.column_descriptions
        if len(reads) != 1 or reads[0]["expr"] is not Machine.hostname:
            return
        with database.sessions() as other:  # a machine-add taking its number now
            try:
                other.scalar(select(RoleCounter).with_for_update(nowait=True))
                counter_locked.append(False)
            except OperationalError:
                counter_locked.append(True)

    event.listen(Session, "do_orm_execute", when_host_names_are_read)
    try:
        path = "/api/v1/clusters/cl1/rolecounts/compute"
        set_ = api.client.put(path, json={"count": 4}, headers=api.user.bearer)
    finally:
        event.remove(Session, "do_orm_execute", when_host_names_are_read)
    assert set_.status_code == 200, set_.get_json()
    assert counter_locked == [True]
    assert ok(add(api, "S2", role="compute"), 201)["hostname"].startswith("cl1-compute-5.")
