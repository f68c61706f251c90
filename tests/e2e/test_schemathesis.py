"""Schemathesis against a real ``oci serve`` and the OpenAPI document it serves (issue 26).

Every operation, every check, as an admin, with a fixed generation (deterministic
mode, bounded by --max-examples): no answer may be a server error (5xx) or a status
the document does not list for the operation. The other checks (a schema-valid value
the server refuses on other grounds, say) are printed, not failed on: the document
cannot say that a network must exist before a cluster uses it.

By hand, against a running server (the gzip upload needs the hooks):

    SCHEMATHESIS_HOOKS=tests.helpers.schemathesis_hooks .venv/bin/st run \\
        http://127.0.0.1:8080/api/v1/openapi.json -H "Authorization: Bearer $TOKEN" \\
        --checks all --generation-deterministic --max-examples 60
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers.database import Credentials
from tests.helpers.paths import REPO
from tests.helpers.server import BIN, LiveServer

# Cases per operation and phase: about 2 minutes a database on 2 busy cores.
MAX_EXAMPLES = 60
SEED = 26
TIMEOUT = 900  # the whole run, in seconds: far above what it takes


@dataclass
class Outcome:
    cases: int = 0
    operations: set[str] = field(default_factory=set)
    server_errors: list[str] = field(default_factory=list)
    undocumented: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    other_failures: Counter[str] = field(default_factory=Counter)


def _bytes(recorded: Any) -> str:
    """A recorded body (``{"$base64": ...}`` or text), shortened for a message."""
    if isinstance(recorded, dict) and "$base64" in recorded:
        return repr(base64.b64decode(recorded["$base64"])[:300])
    return repr(str(recorded)[:300])


def _shown(interaction: dict[str, Any]) -> str:
    """One request and its answer, as a person would replay them."""
    request, response = interaction["request"], interaction.get("response") or {}
    sent = f"{request['method']} {request['uri']}"
    if request.get("body"):
        sent += f"\n    body: {_bytes(request['body'])}"
    status = response.get("status_code", "no answer")
    return f"{sent}\n    -> {status} {_bytes(response.get('content', ''))}"


def read_report(path: Path) -> Outcome:
    """What the run's NDJSON events say: cases, operations, and what failed how."""
    outcome = Outcome()
    for line in path.read_text().splitlines():
        event = json.loads(line)
        if "NonFatalError" in event:
            error = event["NonFatalError"]
            outcome.errors.append(f"{error.get('label')}: {error['value']['message']}")
            continue
        scenario = event.get("ScenarioFinished")
        if scenario is None:
            continue
        recorder = scenario["recorder"]
        cases = recorder.get("cases", {})
        outcome.cases += len(cases)
        if cases and scenario["phase"] != "stateful":
            outcome.operations.add(recorder["label"])
        interactions = recorder.get("interactions", {})
        for case_id, interaction in interactions.items():
            response = interaction.get("response")
            if response is not None and response["status_code"] >= 500:
                outcome.server_errors.append(f"{case_id}: {_shown(interaction)}")
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check["status"] != "failure":
                    continue
                failure = check["failure_info"]["failure"]
                if failure.get("code") == "ST103":
                    shown = _shown(interactions[case_id]) if case_id in interactions else ""
                    outcome.undocumented.append(f"{failure['operation']}: {shown}")
                elif failure.get("code") != "ST101":  # ST101 is the 5xx itself
                    outcome.other_failures[f"{failure.get('code')} {failure['title']}"] += 1
    return outcome


def _tracebacks(log: Path) -> str:
    text = log.read_text(errors="replace")
    found = re.findall(r"Traceback \(most recent call last\):\n(?:[ \t].*\n)*.*", text)
    return "\n\n".join(found[-5:])


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_undocumented_status(
    live_server: LiveServer, admin: Credentials, tmp_path: Path
) -> None:
    if live_server.database.backend == "mariadb":
        pytest.skip("run on SQLite and PostgreSQL only: the suite's time budget")
    doc = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=30).json()
    documented = {f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops}
    documented.discard("GET /api/v1/openapi.json")  # Schemathesis leaves the document out
    report = tmp_path / "events.ndjson"
    command = [
        str(BIN / "st"),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {admin.token}",
        "--checks",
        "all",
        "--generation-deterministic",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCI_")}
    env |= {"SCHEMATHESIS_HOOKS": "tests.helpers.schemathesis_hooks", "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    seconds = time.monotonic() - started
    # 0: every check passed; 1: some check failed (judged below); else the tool broke.
    assert run.returncode in (0, 1), run.stdout[-5000:] + run.stderr[-5000:]
    outcome = read_report(report)
    print(
        f"schemathesis on {live_server.database.backend}: {outcome.cases} cases, "
        f"{len(outcome.operations)} operations, {seconds:.0f} s; "
        f"{len(outcome.server_errors)} server errors, "
        f"{len(outcome.undocumented)} undocumented statuses; other checks: "
        + (", ".join(f"{n} {what}" for what, n in outcome.other_failures.items()) or "none")
    )
    problems = [f"server error: {s}" for s in outcome.server_errors]
    problems += [f"undocumented status: {s}" for s in outcome.undocumented]
    problems += [f"not run: {e}" for e in outcome.errors]
    problems += [f"no case: {label}" for label in sorted(documented - outcome.operations)]
    if problems:
        shown = "\n".join(problems[:40])
        more = f"\n... and {len(problems) - 40} more" if len(problems) > 40 else ""
        pytest.fail(
            f"{len(problems)} problems in {outcome.cases} cases:\n{shown}{more}\n\n"
            f"server tracebacks:\n{_tracebacks(live_server.log)}"
        )
    assert outcome.cases > 20 * len(documented)
