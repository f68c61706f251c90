"""ocicli's RAID commands say which profile the server used, the matcher's winner
included (found in review: the help said only "the profile applied to it")."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from oci.cli import raid
from oci.cli.main import main


class Api:
    timeout = 30.0

    def __init__(self) -> None:
        self.bodies: list[Any] = []

    def post(self, path: str, body: Any) -> dict[str, Any]:
        self.bodies.append(body)
        return {
            "serial": "S1",
            "profile": "gigabyte-mirror",  # no profile named, none applied: the winner
            "tool": "storcli64",
            "controller": "0",
            "status": "planned",
            "applied": False,
            "reasons": [],
            "ran": [{"command": "storcli64 /c0 show J", "exit_status": 0, "output": ""}],
            "planned": ["storcli64 /c0/fall delete"],
        }


def test_the_profile_used_goes_to_stderr_first(monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api()
    monkeypatch.setattr(raid, "client_from", lambda ctx: api)
    for args in (["machine-megacli-apply", "S1", "-d"], ["machine-check-megacli-applied", "S1"]):
        said = CliRunner().invoke(main, args)
        assert said.exit_code == 0, said.output
        assert said.stderr.splitlines()[0] == "profile: gigabyte-mirror", args
    assert api.bodies == [{"dry_run": True, "force": False}, {}]


@pytest.mark.parametrize("command", ["machine-megacli-apply", "machine-check-megacli-applied"])
def test_the_help_says_the_matchers_winner_is_the_last_default(command: str) -> None:
    shown = CliRunner().invoke(main, [command, "--help"])
    assert "else the one that matches it" in " ".join(shown.output.split())
