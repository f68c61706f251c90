"""What the installer gets from the inventory (oci.install.inputs.gather): an
enrolled machine's disks, networks on its own NICs, hosts, certificates and
firmware; refusals that say what to do."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.config import Settings
from oci.enrolment import machines as enrolment
from oci.errors import Conflict
from oci.ingest.agentinfo import parse_agent_txt
from oci.ingest.report import parse_report
from oci.install import plan
from oci.install.inputs import gather
from oci.models import DiscoveryReport, Machine, Nic
from oci.security.pki import Pki
from oci.security.vault import Vault
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.enrolment import add, attach, network, ok
from tests.helpers.reports import archive

URL = "http://192.168.101.1:8080"


@pytest.fixture
def node_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"node_api_url": URL})


@pytest.fixture
def cluster(api: Api, session: Session) -> Api:
    """cl1 in zone1, networks on bonded 25G NICs (mgmt v4 and v6, the public one on
    VLAN 100), a jumbo VM network on eno3 and an OVS bridge on eno4; S1 and S2
    controllers, S3 a compute; S9 discovered only."""
    ok(api.post("/api/v1/swift-regions", json={"name": "region1"}), 201)
    ok(api.post("/api/v1/locations", json={"name": "zone1", "swift_region": "region1"}), 201)
    ok(api.post("/api/v1/clusters", json={"name": "cl1", "domain": "example.com"}), 201)
    network(api, "mgmt", "192.168.101.0", 24, "zone1")
    network(api, "mgmt6", "2001:db8:1::", 64, "zone1")
    network(api, "pub", "203.0.113.0", 28, "zone1", public=True)
    network(api, "vmnet", "10.50.0.0", 24, "zone1")
    network(api, "ext", "10.99.0.0", 24, "zone1")
    ok(attach(api, "mgmt", "cl1", "all", "25g1", "25g2"))
    ok(attach(api, "mgmt6", "cl1", "all", "25g1", "25g2"))
    ok(attach(api, "pub", "cl1", "controller", "25g1", "25g2"))
    ok(attach(api, "vmnet", "cl1", "vm-net", "eno3"))
    ok(attach(api, "ext", "cl1", "ovs-bridge", "eno4"))
    ok(api.patch("/api/v1/networks/pub", json={"vlan": 100}))
    ok(api.patch("/api/v1/networks/vmnet", json={"mtu": 9000}))
    for serial in ("S1", "S2", "S3", "S9"):
        machine = factories.machine(session, serial)
        for index, speed in ((2, 25000), (3, 10000), (4, 10000)):
            mac = f"02:00:00:{serial[1]}0:00:0{index}"
            machine.nics.append(Nic(name=f"eno{index}", mac=mac, physical=True, speed_mbps=speed))
    session.commit()
    ok(add(api, "S1"), 201)
    ok(add(api, "S2"), 201)
    ok(add(api, "S3", role="compute"), 201)
    return api


def machine(session: Session, serial: str) -> Machine:
    session.rollback()  # a fresh snapshot: the API wrote in its own transactions
    return session.scalars(select(Machine).where(Machine.serial == serial)).one()


def test_an_enrolled_controller(cluster: Api, session: Session, node_settings: Settings) -> None:
    inputs = gather(session, machine(session, "S1"), node_settings)
    assert (inputs.hostname, inputs.role, inputs.status_key) == (
        "cl1-controller-1.example.com", "controller", "S1",
    )  # fmt: skip
    assert sorted(d.name for d in inputs.disks) == ["nvme0n1", "sda", "sdb"]
    assert (inputs.install_on_raid, inputs.serial_console, inputs.firmware) == (
        False, "ttyS0", "auto",  # no discovery report says how it boots
    )  # fmt: skip
    networks = {n.name: n for n in inputs.networks}
    assert list(networks) == ["mgmt", "mgmt6", "pub", "vmnet", "ext"]
    assert networks["mgmt"].interfaces == ("eno1", "eno2")  # 25g1, 25g2
    assert networks["mgmt"].address == "192.168.101.2"
    assert networks["mgmt6"].address == "2001:db8:1::2"
    # the public network: its NICs and VLAN, no address (it holds the VIPs)
    assert (networks["pub"].vlan, networks["pub"].is_public) == (100, True)
    assert (networks["pub"].interfaces, networks["pub"].address) == (("eno1", "eno2"), None)
    assert (networks["vmnet"].interfaces, networks["vmnet"].mtu) == (("eno3",), 9000)
    # the OVS bridge network: no address, on the machines that carry VM traffic
    assert (networks["ext"].interfaces, networks["ext"].address) == (("eno4",), None)
    # the other controller and the API VIP, by their management addresses
    assert [(h.fqdn, h.address) for h in inputs.hosts] == [
        ("cl1-controller-2.example.com", "192.168.101.3"),
        ("cl1-api.example.com", "203.0.113.2"),
    ]
    pki = Pki(node_settings.pki_dir)
    crt, key = pki.node_paths(inputs.hostname)
    assert (inputs.certificate, inputs.private_key) == (crt.read_bytes(), key.read_bytes())
    assert inputs.ca_chain == pki.chain_path.read_bytes()
    assert (inputs.api_url, inputs.puppet_server) == (URL, "192.168.101.1")
    assert (inputs.debian_mirror, inputs.debian_release) == (
        "http://deb.debian.org/debian",
        "trixie",
    )

    # ... and the bundle made of it
    bundle = {f.path: f.content.decode(errors="replace") for f in plan.bundle_files(inputs)}
    interfaces = bundle["target/etc/network/interfaces"]
    for stanza in ("iface bond0 inet static", "iface bond0 inet6 static",
                   "iface bond0.100 inet manual", "iface eno3 inet static",
                   "iface br-ex inet manual", "allow-br-ex eno4"):  # fmt: skip
        assert stanza in interfaces, stanza
    assert "OCI_STATUS_URL=" + URL + "/api/v1/machines/S1/status" in bundle["install.env"]


def test_a_compute_lists_controllers_not_computes(
    cluster: Api, session: Session, node_settings: Settings
) -> None:
    ok(add(cluster, "S9", role="compute"), 201)
    inputs = gather(session, machine(session, "S3"), node_settings)
    assert [h.fqdn for h in inputs.hosts] == [
        "cl1-controller-1.example.com",
        "cl1-controller-2.example.com",
        "cl1-api.example.com",
    ]
    assert "pub" not in {n.name for n in inputs.networks}


def report(session: Session, machine_id: int, agent: str) -> None:
    data = archive({"agent.txt": agent, "commands.txt": ""})
    session.add(
        DiscoveryReport(
            machine_id=machine_id,
            source="127.0.0.1",
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            archive=data,
        )
    )
    session.commit()


def test_the_firmware_the_newest_report_gives(
    cluster: Api, session: Session, node_settings: Settings
) -> None:
    s1 = machine(session, "S1")
    report(session, s1.id, "version=0.1.0\nfirmware=uefi\n")
    assert gather(session, machine(session, "S1"), node_settings).firmware == "uefi"
    report(session, s1.id, "version=0.1.0\nfirmware=bios\n")
    assert gather(session, machine(session, "S1"), node_settings).firmware == "bios"
    report(session, s1.id, "version=0.0.9\n")  # an agent from before firmware was reported
    assert gather(session, machine(session, "S1"), node_settings).firmware == "auto"


def test_refusals_say_what_to_do(
    cluster: Api, session: Session, settings: Settings, node_settings: Settings
) -> None:
    with pytest.raises(Conflict, match="machine 'S9' is in no cluster: machine-add it first"):
        gather(session, machine(session, "S9"), node_settings)
    with pytest.raises(Conflict, match="set node_api_url"):
        gather(session, machine(session, "S1"), settings)
    # the lead's fallback: the URL the request came to
    assert gather(session, machine(session, "S1"), settings, api_url=URL).api_url == URL

    ok(cluster.patch("/api/v1/networks/vmnet", json={"iface1": "100g1"}))
    with pytest.raises(Conflict, match=r"network vmnet uses '100g1', which designates no NIC"):
        gather(session, machine(session, "S1"), node_settings)
    ok(cluster.patch("/api/v1/networks/vmnet", json={"iface1": "eno3"}))

    Pki(node_settings.pki_dir).forget_node("cl1-controller-2.example.com")
    with pytest.raises(Conflict, match=r"no node certificate .* `oci pki renew cl1`"):
        gather(session, machine(session, "S2"), node_settings)


def test_a_machine_without_an_address(
    cluster: Api, session: Session, node_settings: Settings
) -> None:
    ok(cluster.post("/api/v1/locations", json={"name": "zone2", "swift_region": "region1"}), 201)
    ok(add(cluster, "S9", role="compute", location="zone2"), 201)
    with pytest.raises(Conflict, match="has no address in any network"):
        gather(session, machine(session, "S9"), node_settings)


def test_a_serial_that_cannot_be_in_a_url_path(
    cluster: Api, session: Session, node_settings: Settings
) -> None:
    odd = factories.machine(session, "AB/12 3")
    odd.nics.append(Nic(name="eno2", mac="02:00:00:99:00:02", physical=True, speed_mbps=25000))
    session.commit()
    enrolment.add_machine(
        session, "AB/12 3", "cl1", "swiftstore", "zone1", vault=Vault(Fernet.generate_key())
    )
    session.commit()
    found = machine(session, "AB/12 3")
    assert found.hostname is not None
    Pki(node_settings.pki_dir).issue_node(found.hostname, [])
    inputs = gather(session, found, node_settings)
    assert inputs.status_key == "cl1-swiftstore-1.example.com"


@pytest.mark.parametrize(
    ("text", "firmware"),
    [
        ("version=0.1.0\nboot_mac=52:54:00:12:34:56\nfirmware=uefi\n", "uefi"),
        ("firmware=bios", "bios"),
        ("firmware=coreboot\n", None),
        ("version=0.1.0\n", None),
        ("garbage\n=\nfirmware\n", None),
    ],
)
def test_agent_txt_firmware(text: str, firmware: str | None) -> None:
    assert parse_agent_txt(text).firmware == firmware
    assert parse_report({"agent.txt": text}).system.firmware == firmware


def test_agent_txt_other_keys() -> None:
    info = parse_agent_txt("version=0.1.0\nboot_mac=52:54:00:12:34:56\ncollected_at=x\n")
    assert (info.version, info.boot_mac) == ("0.1.0", "52:54:00:12:34:56")
