"""The machine lifecycle table."""

from __future__ import annotations

from itertools import pairwise

import pytest

from oci.models.status import TRANSITIONS, InvalidTransition, MachineStatus, check_transition

S = MachineStatus

OCI_PATH = [S.LIVE, S.INSTALLING, S.INSTALLED, S.FIRSTBOOT, S.PUPPET_RUNNING, S.PUPPET_SUCCESS]


def test_every_state_has_a_row() -> None:
    assert set(TRANSITIONS) == set(MachineStatus)


def test_the_install_path_is_allowed_step_by_step() -> None:
    for current, wanted in pairwise(OCI_PATH):
        check_transition(current, wanted)


@pytest.mark.parametrize("state", list(MachineStatus))
def test_any_state_can_go_back_to_live(state: MachineStatus) -> None:
    check_transition(state, S.LIVE)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.LIVE, S.INSTALLED),  # skipping the installer
        (S.LIVE, S.PUPPET_SUCCESS),
        (S.INSTALLING, S.FIRSTBOOT),
        (S.PUPPET_SUCCESS, S.INSTALLING),  # reinstall only through live
        (S.INSTALLED, S.INSTALLED),
    ],
)
def test_skipping_states_is_refused_with_the_allowed_ones(
    current: MachineStatus, wanted: MachineStatus
) -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, wanted)
    for allowed in TRANSITIONS[current]:
        assert allowed in str(info.value)
