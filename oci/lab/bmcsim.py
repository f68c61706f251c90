"""A simulated BMC on pyghmi's server side: what the lab's machines answer IPMI with.

    python -m oci.lab.bmcsim --port 6230 --user admin --password-file F \
        [--address 127.0.0.1] [--on-power-on CMD [--console FILE]] [--on-power-off CMD]

It keeps a power state and a boot device, answers `ipmitool -I lanplus` and
pyghmi clients, and can run a command when powered on or off: the lab's
machines are QEMU guests that their BMC starts at power-on (their serial
console appended to FILE) and ends at power-off, so a power-off or cycle
through IPMI really stops or restarts the machine. One BMC per process:
pyghmi's session machinery is process-wide.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyghmi.ipmi import bmc
from pyghmi.ipmi import command as ipmicommand
from pyghmi.ipmi.private import serversession

# RMCP+ open session request: byte 12 is the authentication algorithm the
# client proposes (table 13-17); 3 is HMAC-SHA256, which pyghmi's server side
# does not implement but would acknowledge. Refusing it (status 0x11, "invalid
# authentication algorithm") makes pyghmi's client fall back to SHA-1, as real
# BMCs without SHA-256 do; ipmitool proposes SHA-1 already.
_SHA256 = 3
_INVALID_AUTH_ALGORITHM = 0x11
# pyghmi is untyped: the signature its server side gives this method.
_respond: Callable[[Any, bytearray], bytearray] = (
    serversession.ServerSession.create_open_session_response
)


def _open_session_response(self: Any, request: bytearray) -> bytearray:
    if len(request) > 12 and request[12] == _SHA256:
        self.clientsessionid = request[4:8]
        return bytearray([request[0], _INVALID_AUTH_ALGORITHM, 0, 0]) + request[4:8]
    return _respond(self, request)


serversession.ServerSession.create_open_session_response = _open_session_response


class SimulatedBmc(bmc.Bmc):  # type: ignore[misc]  # pyghmi is untyped: bmc.Bmc is Any
    def __init__(
        self,
        authdata: dict[str, str],
        port: int,
        address: str,
        on_power_on: str | None = None,
        on_power_off: str | None = None,
        console: Path | None = None,
    ) -> None:
        super().__init__(authdata, port=port, address=address)
        self.power = "off"
        self.bootdevice = "default"
        # Boot flags byte of boot option 5: bit 7 valid, 6 persistent, 5 UEFI.
        self.boot_flags = 0
        self.on_power_on = on_power_on
        self.on_power_off = on_power_off
        self.console = console
        self.child: subprocess.Popen[bytes] | None = None

    def _run(self, command: str | None) -> None:
        if not command:
            return
        if self.console is None:
            self.child = subprocess.Popen(shlex.split(command), stdin=subprocess.DEVNULL)
            return
        with open(self.console, "ab") as out:
            self.child = subprocess.Popen(
                shlex.split(command), stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )

    def get_power_state(self) -> str:
        if self.child is not None and self.child.poll() is not None:
            self.power = "off"  # the machine powered itself off
            self.child = None
        return self.power

    def power_on(self) -> None:
        if self.get_power_state() == "on":
            return
        self.power = "on"
        self._run(self.on_power_on)

    def power_off(self) -> None:
        self.power = "off"
        if self.child is not None:
            # Pulling the plug: at once, so the answer goes out before the
            # client's resend (pyghmi's server side would run a resent cycle again).
            self.child.kill()
            self.child.wait()
            self.child = None
        self._run(self.on_power_off)

    def power_shutdown(self) -> None:
        self.power_off()

    def power_cycle(self) -> None:
        self.power_off()
        self.power_on()

    def power_reset(self) -> None:
        self.power_cycle()

    def get_boot_device(self) -> str:
        return self.bootdevice

    def set_boot_device(self, bootdevice: str) -> None:
        self.bootdevice = bootdevice

    def set_system_boot_options(self, request: dict[str, Any], session: Any) -> None:
        data = request["data"]
        if data[0] == 5 and len(data) > 2:
            self.boot_flags = data[1]
        super().set_system_boot_options(request, session)

    def get_system_boot_options(self, request: dict[str, Any], session: Any) -> None:
        if request["data"][0] != 5:
            super().get_system_boot_options(request, session)
            return
        device = ipmicommand.boot_devices.get(self.bootdevice, 0)
        device = device if isinstance(device, int) else 0
        session.send_ipmi_response(
            data=[1, 5, self.boot_flags, device, 0, 0, 0]
        )  # device: already <<2
        return None

    def cold_reset(self) -> int:
        return 0

    def is_active(self) -> bool:
        return self.power == "on"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--on-power-on", help="command run when powered on")
    parser.add_argument("--on-power-off", help="command run when powered off")
    parser.add_argument(
        "--console", type=Path, help="file the power-on command's output is appended to"
    )
    args = parser.parse_args(argv)
    password = args.password_file.read_text().strip()
    sim = SimulatedBmc(
        {args.user: password},
        args.port,
        args.address,
        args.on_power_on,
        args.on_power_off,
        args.console,
    )

    def stop(*_: object) -> None:
        if sim.child is not None:
            sim.child.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"bmcsim listening on {args.address}:{args.port}", flush=True)
    sim.listen()


if __name__ == "__main__":
    main()
