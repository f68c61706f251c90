"""The machine lifecycle: its states and the only transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TRANSITIONS", "InvalidTransition", "MachineStatus", "check_transition"]


class MachineStatus(StrEnum):
    LIVE = "live"  # booted the discovery image and reporting
    INSTALLING = "installing"  # the OS installer runs in the live system
    INSTALL_FAILED = "install-failed"
    INSTALLED = "installed"  # installer finished; next boot is from disk
    FIRSTBOOT = "firstboot"  # booted the installed OS for the first time
    PUPPET_RUNNING = "puppet-running"
    PUPPET_SUCCESS = "puppet-success"
    PUPPET_FAILURE = "puppet-failure"


S = MachineStatus

# Every state may go back to LIVE: rebooting a machine on the live image
# (OCI's machine-reboot-on-live) or re-discovering it starts it over.
TRANSITIONS: dict[MachineStatus, frozenset[MachineStatus]] = {
    S.LIVE: frozenset({S.INSTALLING}),
    S.INSTALLING: frozenset({S.INSTALLED, S.INSTALL_FAILED}),
    S.INSTALL_FAILED: frozenset({S.INSTALLING}),
    S.INSTALLED: frozenset({S.FIRSTBOOT}),
    S.FIRSTBOOT: frozenset({S.PUPPET_RUNNING}),
    S.PUPPET_RUNNING: frozenset({S.PUPPET_SUCCESS, S.PUPPET_FAILURE}),
    S.PUPPET_SUCCESS: frozenset({S.PUPPET_RUNNING}),
    S.PUPPET_FAILURE: frozenset({S.PUPPET_RUNNING}),
}
TRANSITIONS = {state: targets | {S.LIVE} for state, targets in TRANSITIONS.items()}


class InvalidTransition(ValueError):
    def __init__(self, current: MachineStatus, wanted: MachineStatus) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        super().__init__(
            f"a machine in state '{current}' cannot go to '{wanted}' (allowed: {allowed})"
        )
        self.current = current
        self.wanted = wanted


def check_transition(current: MachineStatus, wanted: MachineStatus) -> None:
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(current, wanted)
