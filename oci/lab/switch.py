"""An emulated switch for the lab: real LLDP frames on the wire of each NIC.

Each lab NIC has a QEMU `-netdev socket,udp=...` backend: QEMU sends the
guest's Ethernet frames as UDP datagrams to the switch port's address and
delivers the datagrams it receives there to the guest as frames. A switch
process owns one UDP socket per port and, every `interval` seconds, sends on
each an LLDP frame (IEEE 802.1AB) naming the switch (system name, e.g.
dc1-r2-rack5-sw1), the port (interface name, e.g. swp12), a chassis MAC and
the port's speed (802.3 MAC/PHY TLV), exactly what a real top-of-rack switch
advertises. lldpd in the guest receives it like any other frame. Frames
from the guest are read and dropped: this switch forwards nothing.

    python -m oci.lab.switch --interval 1 \
        dc1-r2-rack5-sw1:swp1:127.0.0.1:40001:127.0.0.1:40002 ...

Each PORT is SWITCH:PORT:BIND_HOST:BIND_PORT:QEMU_HOST:QEMU_PORT.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass

__all__ = ["LLDP_MULTICAST", "Port", "lldp_frame", "parse_port", "serve", "tlv"]

LLDP_MULTICAST = bytes.fromhex("0180c200000e")  # nearest bridge
LLDP_ETHERTYPE = 0x88CC
# TLV types (802.1AB) and subtypes
CHASSIS_ID, PORT_ID, TTL, PORT_DESCRIPTION, SYSTEM_NAME, SYSTEM_DESCRIPTION = 1, 2, 3, 4, 5, 6
SYSTEM_CAPABILITIES, MANAGEMENT_ADDRESS, ORGANIZATION, END = 7, 8, 127, 0
CHASSIS_MAC, PORT_IFNAME = 4, 5
CAPABILITY_BRIDGE, CAPABILITY_ROUTER = 0x04, 0x10
IEEE_8023_OUI = bytes.fromhex("00120f")
MAU_1000BASE_TFD = 30  # dot3MauType 1000BaseTFD (RFC 4836)


def tlv(kind: int, value: bytes) -> bytes:
    """One TLV: 7 bits of type, 9 bits of length, the value."""
    if not 0 <= kind < 128 or len(value) > 511:
        raise ValueError(f"TLV type {kind} with {len(value)} bytes")
    return struct.pack("!H", kind << 9 | len(value)) + value


def switch_mac(name: str, port: str = "") -> bytes:
    """A stable, locally administered MAC for a switch (or one of its ports)."""
    digest = hashlib.sha256(f"{name}/{port}".encode()).digest()
    return bytes([0x02, *digest[:5]])


def lldp_frame(switch: str, port: str, *, ttl: int = 120, mau: int = MAU_1000BASE_TFD) -> bytes:
    """The Ethernet frame a switch port sends: 802.1AB mandatory TLVs, names, speed."""
    chassis = switch_mac(switch)
    mac_phy = IEEE_8023_OUI + bytes([1]) + struct.pack("!BHH", 0x03, 0x6C01, mau)
    payload = b"".join(
        [
            tlv(CHASSIS_ID, bytes([CHASSIS_MAC]) + chassis),
            tlv(PORT_ID, bytes([PORT_IFNAME]) + port.encode()),
            tlv(TTL, struct.pack("!H", ttl)),
            tlv(PORT_DESCRIPTION, port.encode()),
            tlv(SYSTEM_NAME, switch.encode()),
            tlv(SYSTEM_DESCRIPTION, b"oci lab switch (oci/lab/switch.py)"),
            tlv(
                SYSTEM_CAPABILITIES,
                struct.pack("!HH", CAPABILITY_BRIDGE | CAPABILITY_ROUTER, CAPABILITY_BRIDGE),
            ),
            tlv(ORGANIZATION, mac_phy),
            tlv(END, b""),
        ]
    )
    header = LLDP_MULTICAST + switch_mac(switch, port) + struct.pack("!H", LLDP_ETHERTYPE)
    return header + payload


@dataclass(frozen=True)
class Port:
    switch: str
    name: str
    bind: tuple[str, int]  # where this switch port listens
    peer: tuple[str, int]  # where QEMU's socket netdev listens

    def spec(self) -> str:
        return ":".join(
            [self.switch, self.name, self.bind[0], str(self.bind[1]), *map(str, self.peer)]
        )


def parse_port(text: str) -> Port:
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(f"{text!r}: expected SWITCH:PORT:BIND_HOST:BIND_PORT:QEMU_HOST:QEMU_PORT")
    switch, name, host, port, peer_host, peer_port = parts
    return Port(switch, name, (host, int(port)), (peer_host, int(peer_port)))


def serve(ports: list[Port], interval: float, stop: list[bool]) -> None:
    """Send each port's LLDP frame every `interval` s until stop[0]; drop what comes in."""
    selector = selectors.DefaultSelector()
    wires = []
    for port in ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(port.bind)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        wires.append((sock, port.peer, lldp_frame(port.switch, port.name)))
    next_send = 0.0
    while not stop[0]:
        now = time.monotonic()
        if now >= next_send:
            for sock, peer, frame in wires:
                # QEMU not started yet, or gone: the next round
                with contextlib.suppress(OSError):
                    sock.sendto(frame, peer)
            next_send = now + interval
        for key, _ in selector.select(timeout=max(0.0, next_send - time.monotonic())):
            if isinstance(key.fileobj, socket.socket):  # all it watches: the wires
                with contextlib.suppress(OSError):
                    key.fileobj.recv(65536)
    for sock, _, _ in wires:
        sock.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ports", nargs="+", type=parse_port, metavar="PORT")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between frames")
    args = parser.parse_args(argv)
    stop = [False]

    def stopping(*_: object) -> None:
        stop[0] = True

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    print(f"oci lab switch: {len(args.ports)} port(s)", file=sys.stderr, flush=True)
    serve(args.ports, args.interval, stop)


if __name__ == "__main__":
    main()
