"""``oci hook list`` and ``oci hook run``: the operator's hooks, seen and run by hand."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from oci.admin.main import main
from oci.db import make_engine, make_sessionmaker
from oci.models import MachineEvent
from tests.helpers import factories
from tests.helpers.cli import base_env, oci_with


def test_list_and_run_by_hand(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks.d"
    oci = oci_with(base_env(tmp_path) | {"OCI_HOOKS_DIR": str(hooks), "OCI_HOOK_TIMEOUT": "5"})
    oci("db", "upgrade")
    engine = make_engine(f"sqlite:///{tmp_path}/data/oci.db")
    with make_sessionmaker(engine)() as session:
        factories.machine(session, "S1")
        session.commit()
    for name, body in (("10-dns", f"cat > {tmp_path}/doc.json"), ("20-cmdb", "exit 2")):
        path = hooks / "enrolled" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    listed = oci("hook", "list").splitlines()
    assert listed[0] == f"enrolled: {hooks}/enrolled/10-dns {hooks}/enrolled/20-cmdb"
    assert listed[1:] == [
        "installed: (none)",
        "puppet-success: (none)",
        "puppet-failure: (none)",
        "removed: (none)",
        "to-dns: (none)",
        "out-of-dns: (none)",
        "to-monitoring: (none)",
        "out-of-monitoring: (none)",
    ]
    ran = oci.run("hook", "run", "enrolled", "S1")
    assert ran.returncode == 1, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("hook enrolled/10-dns ran: exit 0 (")
    assert lines[1].startswith("hook enrolled/20-cmdb failed: exit 2 (")
    assert json.loads((tmp_path / "doc.json").read_text())["machine"]["serial"] == "S1"
    with make_sessionmaker(engine)() as session:
        kinds = session.scalars(select(MachineEvent.details).where(MachineEvent.kind == "hook"))
        assert [d["exit_status"] for d in kinds] == [0, 2]
    engine.dispose()
    assert oci.fails("hook", "run", "enrolled", "NOPE").startswith("no machine")


def test_help_says_layout_events_and_document() -> None:
    # In-process: what `oci hook --help` prints, and the events it accepts.
    shown = CliRunner().invoke(main, ["hook", "--help"])
    assert shown.exit_code == 0
    for word in ("HOOKS_DIR/EVENT/NAME", "puppet-failure", "hook_timeout", '"bmc_address"'):
        assert word in shown.output
    refused = CliRunner().invoke(main, ["hook", "run", "deployed", "S1"])
    assert refused.exit_code == 2 and "'deployed' is not one of" in refused.output
