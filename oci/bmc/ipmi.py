"""Talking to a machine's BMC over IPMI (pyghmi), with a deadline on every call.

A dead BMC, a wrong password or a BMC that answers half a handshake must
never hold a server worker: each operation runs in a helper thread and the
caller gets a clear `BmcError` after `timeout` seconds at the most.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from oci.errors import OciError

__all__ = [
    "BOOT_DEVICES",
    "POWER_ACTIONS",
    "BmcAccess",
    "BmcError",
    "BmcTimeout",
    "power",
    "power_state",
    "set_boot_device",
]

T = TypeVar("T")
PowerAction = Literal["on", "off", "cycle", "reset", "soft"]
POWER_ACTIONS: tuple[str, ...] = ("on", "off", "cycle", "reset", "soft")
# Our names -> pyghmi's boot device names.
BOOT_DEVICES = {"pxe": "network", "disk": "hd"}
_CHASSIS_CONTROL = 0x02
_POWER_CYCLE = 0x02


class BmcError(OciError):
    """The BMC refused or failed: the message says which BMC and why."""

    status = 502
    code = "bmc_error"


class BmcTimeout(BmcError):
    status = 504
    code = "bmc_timeout"


@dataclass(frozen=True)
class BmcAccess:
    address: str
    port: int
    username: str
    password: str
    timeout: float = 10.0

    def __repr__(self) -> str:  # never the password, even in a traceback
        return f"BmcAccess({self.username}@{self.where})"

    @property
    def where(self) -> str:
        return (
            f"{self.address}:{self.port}"
            if ":" not in self.address
            else (f"[{self.address}]:{self.port}")
        )


def _login(access: BmcAccess) -> Any:
    from pyghmi.ipmi import command
    from pyghmi.ipmi.private.session import Session

    try:
        return command.Command(
            bmc=access.address,
            userid=access.username,
            password=access.password,
            port=access.port,
        )
    finally:
        # pyghmi can leave a login in its process-wide table of logins in
        # progress (after a refused password; after falling back from SHA-256
        # to SHA-1, as older BMCs and pyghmi's own simulator make it), and the
        # next login with the same BMC and credentials waits on it for ever.
        Session.initting_sessions.pop(
            (access.address, access.username, access.password, access.port, None), None
        )


# One call at a time per BMC in this process: pyghmi hands every caller of the
# same BMC and credentials one shared session, which a logout would end under
# the other caller. A BMC has few session slots, so a queue is kind to it too.
_LOCKS: dict[tuple[str, int], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_of(access: BmcAccess) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((access.address, access.port), threading.Lock())


def _logout(session: Any) -> None:
    """Close the BMC session: otherwise pyghmi keeps it in its process-wide
    tables and alive for ever (Command does not pass `keepalive` on), one of
    the BMC's few session slots per BMC the server ever talked to."""
    with contextlib.suppress(Exception):  # the BMC drops it on its own time-out
        session.ipmi_session.logout()


def _call(access: BmcAccess, what: str, operation: Callable[[Any], T]) -> T:
    """``operation(session)`` in a daemon thread, given up after ``access.timeout``
    (the thread of a BMC that never answers is left behind, not the caller)."""
    from pyghmi import exceptions

    deadline = time.monotonic() + access.timeout
    results: list[T] = []  # operation's answer, once
    errors: list[BaseException] = []  # or what it raised
    answered, abandoned = threading.Event(), threading.Event()

    def run() -> None:
        lock = _lock_of(access)
        if not lock.acquire(timeout=access.timeout):
            return  # an earlier call to this BMC still waits on it
        session = None
        try:
            if abandoned.is_set():  # too late: the caller was told it timed out
                return
            session = _login(access)
            results.append(operation(session))
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)
        finally:
            answered.set()
            if session is not None:
                _logout(session)
            lock.release()

    worker = threading.Thread(target=run, name=f"bmc {access.where}", daemon=True)
    worker.start()
    if not answered.wait(access.timeout):
        abandoned.set()
        raise BmcTimeout(
            f"the BMC at {access.where} did not answer {what} within {access.timeout:g} s"
        )
    # the logout, within what is left of the deadline (a CLI may exit next)
    worker.join(max(0.0, deadline - time.monotonic()))
    error = errors[0] if errors else None
    if isinstance(error, exceptions.IpmiException):
        reason = str(error) if str(error) not in ("", "None") else ""
        if not reason:
            raise BmcTimeout(f"the BMC at {access.where} did not answer {what}") from error
        raise BmcError(f"the BMC at {access.where} refused {what}: {reason}") from error
    if isinstance(error, OSError):
        raise BmcError(
            f"cannot reach the BMC at {access.where}: {error.strerror or error}"
        ) from error
    if error is not None:
        raise error
    return results[0]


def _checked(response: Any, access: BmcAccess, what: str) -> Any:
    if isinstance(response, dict) and "error" in response:
        raise BmcError(f"the BMC at {access.where} refused {what}: {response['error']}")
    return response


def power_state(access: BmcAccess) -> str:
    """ "on" or "off"."""
    result = _call(access, "a power status query", lambda s: s.get_power())
    return str(_checked(result, access, "a power status query")["powerstate"])


def power(access: BmcAccess, action: PowerAction) -> str:
    """Do `action`; the power state the BMC reports afterwards."""
    what = f"power {action}"

    def operate(session: Any) -> str:
        if action == "cycle":
            # pyghmi has no cycle; chassis control 2 is IPMI's own power cycle.
            current = session.get_power()["powerstate"]
            if current == "off":
                _checked(session.set_power("on"), access, what)
            else:
                _checked(
                    session.raw_command(netfn=0, command=_CHASSIS_CONTROL, data=(_POWER_CYCLE,)),
                    access,
                    what,
                )
        else:
            state = {"soft": "shutdown"}.get(action, action)
            _checked(session.set_power(state), access, what)
        return str(session.get_power()["powerstate"])

    return _call(access, what, operate)


def set_boot_device(
    access: BmcAccess, device: str, *, persistent: bool = False, uefi: bool = False
) -> None:
    """Boot from `device` ("pxe" or "disk") next time, or every time."""
    what = f"boot device {device}"
    if device not in BOOT_DEVICES:
        raise BmcError(f"unknown boot device {device!r}: one of {', '.join(BOOT_DEVICES)}")
    _call(
        access,
        what,
        lambda s: _checked(
            s.set_bootdev(BOOT_DEVICES[device], persist=persistent, uefiboot=uefi), access, what
        ),
    )
