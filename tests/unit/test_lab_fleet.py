"""The lab without booting: LLDP frames, the wiring, QEMU command lines, stages."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path
from typing import Any

from oci.lab import switch
from oci.lab.fleet import fleet, machine_spec, switch_ports
from oci.lab.progress import detail, reached, stage, where
from oci.lab.qemu import qemu_argv


def tlvs(frame: bytes) -> list[tuple[int, bytes]]:
    """Decode an LLDP frame's TLVs (802.1AB: 7 bits type, 9 bits length)."""
    assert frame[:6] == bytes.fromhex("0180c200000e")
    assert struct.unpack("!H", frame[12:14])[0] == 0x88CC
    found, rest = [], frame[14:]
    while rest:
        (head,) = struct.unpack("!H", rest[:2])
        kind, length = head >> 9, head & 0x1FF
        found.append((kind, rest[2 : 2 + length]))
        rest = rest[2 + length :]
        if kind == 0:
            break
    assert rest == b""
    return found


def test_an_lldp_frame_names_the_switch_and_the_port() -> None:
    decoded = tlvs(switch.lldp_frame("dc1-r2-rack5-sw1", "swp12"))
    kinds = [kind for kind, _ in decoded]
    assert kinds[:3] == [1, 2, 3] and kinds[-1] == 0  # chassis, port, TTL first; end last
    values = dict(decoded)
    assert values[1][0] == 4 and len(values[1]) == 7  # chassis id: a MAC
    assert values[2] == b"\x05swp12"  # port id: an interface name
    assert struct.unpack("!H", values[3]) == (120,)
    assert values[5] == b"dc1-r2-rack5-sw1"
    assert values[127][:4] == bytes.fromhex("00120f01")  # 802.3 MAC/PHY
    assert struct.unpack("!H", values[127][-2:]) == (30,)  # 1000BaseTFD


def test_the_switch_sends_its_frame_on_every_port() -> None:
    receivers = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    for sock in receivers:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
    binds = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    for sock in binds:
        sock.bind(("127.0.0.1", 0))
    ports = [
        switch.Port("sw1", f"swp{i + 1}", binds[i].getsockname(), receivers[i].getsockname())
        for i in range(2)
    ]
    for sock in binds:
        sock.close()
    stop = [False]
    thread = threading.Thread(target=switch.serve, args=(ports, 0.2, stop))
    thread.start()
    try:
        frames = [sock.recv(2048) for sock in receivers]
    finally:
        stop[0] = True
        thread.join(timeout=5)
        for sock in receivers:
            sock.close()
    assert [dict(tlvs(frame))[2] for frame in frames] == [b"\x05swp1", b"\x05swp2"]
    assert switch.parse_port(ports[0].spec()) == ports[0]


def test_the_fleet_alternates_firmware_and_wires_each_nic_to_its_switch() -> None:
    machines = fleet(3, list(range(40000, 40012)))
    assert [m.firmware for m in machines] == ["BIOS", "UEFI", "BIOS"]
    assert [m.serial for m in machines] == ["OCILAB0001", "OCILAB0002", "OCILAB0003"]
    assert [(w.switch, w.port) for w in machines[2].wires] == [
        ("dc1-r2-rack5-sw1", "swp3"),
        ("dc1-r2-rack5-sw2", "swp3"),
    ]
    ports = switch_ports(machines)
    assert len({p.bind for p in ports} | {p.peer for p in ports}) == 12  # no port twice


def test_a_lab_machine_pxe_boots_from_its_first_nic(tmp_path: Path) -> None:
    bios, uefi = fleet(2, list(range(40000, 40008)))
    argv = qemu_argv(machine_spec(bios, tmp_path, "http://192.168.101.1:8080/boot/ipxe"))
    line = " ".join(argv)
    assert "-kernel" not in argv and "-boot strict=on" in line
    assert (
        "user,id=user0,net=192.168.101.0/24,host=192.168.101.1,dns=192.168.101.253,"
        "dhcpstart=192.168.101.200,bootfile=http://192.168.101.1:8080/boot/ipxe"
    ) in argv
    assert "hubport,id=hubwire0,hubid=0,netdev=wire0" in argv
    assert "socket,udp=127.0.0.1:40000,localaddr=127.0.0.1:40001,id=wire0" in argv
    assert (
        "virtio-net-pci,netdev=net0,mac=52:54:00:1a:01:01,bootindex=1,speed=10000,duplex=full"
    ) in argv
    assert "e1000e,netdev=net1,mac=52:54:00:1a:01:02,romfile=" in argv
    assert "serial=OCILAB0001" in line and "if=pflash" not in line
    # it reboots (into its installed disk) rather than ending QEMU, the NVMe disk next in line
    assert "-no-reboot" not in argv
    assert "nvme,drive=nvme0,serial=OCINVME0001,bootindex=2" in argv
    assert "if=pflash" in " ".join(qemu_argv(machine_spec(uefi, tmp_path, "http://x/boot/ipxe")))


def test_stages_come_from_the_server_log_the_console_and_the_inventory() -> None:
    machine = fleet(1, list(range(4)))[0]
    assert stage(machine, "", "", None) == "powered-on"
    log = '"GET /boot/ipxe?mac=52-54-00-1a-01-01&uuid=... HTTP/1.1" 200'
    assert stage(machine, log, "", None) == "pxe"
    assert stage(machine, log, "[0.0] Linux version 6.1", None) == "kernel"
    record: dict[str, Any] = {"switch": "dc1-r2-rack5-sw1:swp1", "cluster": None}
    assert stage(machine, log, "", record) == "discovered"  # one NIC located, not both
    record["switch"] = "dc1-r2-rack5-sw1:swp1, dc1-r2-rack5-sw2:swp1"
    assert stage(machine, log, "", record) == "located"
    assert reached(machine, log, "", record) == ["discovered", "located"]
    # hands-free enrolment may do the rest on the same report: every stage is listed
    record |= {"hardware_profile": "lab-controller", "rack": "5", "cluster": {"name": "cl1"}}
    assert stage(machine, log, "", record) == "enrolled"
    assert reached(machine, log, "", record) == [
        "discovered",
        "located",
        "matched",
        "placed",
        "enrolled",
    ]
    record["switch"] = ""  # enrolled without the lab's LLDP: "located" is not claimed
    assert reached(machine, log, "", record) == ["discovered", "matched", "placed", "enrolled"]


def test_progress_lines_say_what_the_inventory_holds() -> None:
    full = {
        "switch": "dc1-r2-rack5-sw1:swp1, dc1-r2-rack5-sw2:swp1",
        "hardware_profile": "lab-controller",
        "datacenter": "dc1",
        "row": "2",
        "rack": "5",
        "u_position": 1,
        "compute_aggregate": "az-dc1-r2",
        "hostname": "cl1-controller-1.example.com",
        "cluster": {"id": 1, "name": "cl1", "url": "/api/v1/clusters/cl1"},
        "role": {"id": 1, "name": "controller", "url": "/api/v1/roles/controller"},
        "location": {"id": 1, "name": "zone1", "url": "/api/v1/locations/zone1"},
        "ip_addresses": [
            # none on the public network: it holds the cluster's VIP only
            {"network": "mgmt-zone1", "address": "192.168.101.2", "purpose": "host"},
        ],
    }
    assert detail("located", full) == "dc1-r2-rack5-sw1:swp1, dc1-r2-rack5-sw2:swp1"
    assert detail("matched", full) == "profile lab-controller"
    assert detail("placed", full) == "rack dc1/2/5 U1, aggregate az-dc1-r2"
    assert detail("enrolled", full) == (
        "cl1-controller-1.example.com: cluster cl1, role controller, AZ zone1, "
        "192.168.101.2 (mgmt-zone1)"
    )
    assert where(full) == "cl1-controller-1.example.com (controller) in zone1, rack 5 U1"
    assert where({"rack": "5", "u_position": None, "hostname": None}) == "rack 5"
    assert where({"hostname": None, "rack": None}) == ""


def test_each_machine_s_ssh_is_forwarded_to_its_own_host_port(tmp_path: Path) -> None:
    first, second = fleet(2, list(range(40000, 40008)), ssh_ports=[2201, 2202])
    argv = " ".join(qemu_argv(machine_spec(first, tmp_path, "http://x/boot/ipxe")))
    # Only on loopback: the live system's root login is not offered to the network.
    assert "hostfwd=tcp:127.0.0.1:2201-:22" in argv and "2202" not in argv
    assert "hostfwd=tcp:127.0.0.1:2202-:22" in " ".join(
        qemu_argv(machine_spec(second, tmp_path, "http://x/boot/ipxe"))
    )
    plain = fleet(1, list(range(4)))[0]
    assert "hostfwd" not in " ".join(qemu_argv(machine_spec(plain, tmp_path, "http://x")))
