"""BMC set-up quirks are data: oci's own file picks the right entry for the real
machines of the fixtures and gives the expected ipmitool commands; a bad file is
refused with the entry and field named; generated passwords follow the rules."""

from __future__ import annotations

import ipaddress
import string
from pathlib import Path

import pytest

from oci.bmc import quirks as q
from oci.ingest.dmidecode import parse_dmidecode
from tests.helpers.paths import FIXTURES

NETWORK = ipaddress.IPv4Network("10.20.30.0/24")
LAN = q.lan_for("10.20.30.17", NETWORK, None)


def facts_of(folder: str) -> q.Facts:
    system = parse_dmidecode((FIXTURES / folder / "dmidecode.txt").read_text()).system
    return q.Facts(system.manufacturer, system.product_name, None)


@pytest.mark.parametrize(
    ("folder", "entry"),
    [
        ("dell-poweredge-r740-4da16fd4", "dell"),
        ("dell-poweredge-r7525-ffbad714", "dell"),
        ("hpe-proliant-dl380-gen10-e9f33a82", "hpe"),
        ("hpe-cray-xd665-64bb2de4", "hpe"),
        ("supermicro-sys-2049u-tr4-13107e8a", "supermicro"),
        ("lenovo-thinksystem-sr645-d7703201", "lenovo"),
        ("gigabyte-e252-p30-ampere-513b50b6", "default"),
        ("huawei-taishan-200-2280-d4c1a2bb", "default"),
    ],
)
def test_the_real_machines_get_their_vendors_entry(folder: str, entry: str) -> None:
    assert q.pick(q.load_quirks(), facts_of(folder)).name == entry


def _commands(quirk: q.Quirk, password: str = "Pw-0123456789abc") -> list[str]:
    return [step.command for step in q.plan(quirk, password, LAN)]


# Every entry of oci's file: the commands it makes the live system run.
EXPECTED = {
    "dell": (3, 1, 20, True),
    "hpe": (3, 2, 16, True),
    "supermicro": (3, 1, 16, True),
    "lenovo": (3, 1, 16, True),
    "cisco": (3, 1, 16, False),
    "default": (3, 1, 16, False),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_entry_gives_its_commands(name: str) -> None:
    quirk = next(x for x in q.load_quirks() if x.name == name)
    user, channel, size, sol = EXPECTED[name]
    expected = [
        f"ipmitool user set name {user} oci",
        "ipmitool exec /dev/stdin",
        f"ipmitool user priv {user} 4 {channel}",
        f"ipmitool channel setaccess {channel} {user} callin=on ipmi=on link=on privilege=4",
        f"ipmitool user enable {user}",
        *([f"ipmitool sol payload enable {channel} {user}"] if sol else []),
        f"ipmitool lan set {channel} ipsrc static",
        f"ipmitool lan set {channel} ipaddr 10.20.30.17",
        f"ipmitool lan set {channel} netmask 255.255.255.0",
        f"ipmitool lan set {channel} defgw ipaddr 10.20.30.1",
        f"ipmitool lan set {channel} vlan id off",
        f"ipmitool lan set {channel} access on",
    ]
    assert _commands(quirk) == expected
    password_step = q.plan(quirk, "Pw-0123456789abc", LAN)[1]
    assert password_step.stdin == f"user set password {user} Pw-0123456789abc {size}\n"
    assert quirk.password_length == size


def test_the_password_goes_only_to_stdin_and_is_masked() -> None:
    quirk = q.Quirk(name="x", user_id=4, channel=2, cipher_privs="XaaaXXaaaXXaaXX")
    password = q.generate_password(quirk)
    steps = q.plan(quirk, password, q.lan_for("10.20.30.17", NETWORK, 120))
    assert all(password not in " ".join(s.argv) for s in steps)
    assert [s.name for s in steps if password in s.stdin] == ["user password"]
    assert all(password not in s.display for s in steps)
    assert "********" in steps[1].display
    commands = [s.command for s in steps]
    assert "ipmitool lan set 2 vlan id 120" in commands
    assert "ipmitool lan set 2 cipher_privs XaaaXXaaaXXaaXX" in commands
    # A username a shell would split stays one word on the remote command line.
    odd = quirk.model_copy(update={"username": "a-b.c_d"})
    assert q.plan(odd, password, LAN)[0].command == "ipmitool user set name 4 a-b.c_d"


def test_generated_passwords_follow_the_vendor_rules() -> None:
    quirk = q.Quirk(name="x", user_id=3, password_length=12, password_symbols="-_.")
    seen = set()
    for _ in range(300):
        password = q.generate_password(quirk)
        assert len(password) == 12
        assert set(password) <= set(string.ascii_letters + string.digits + "-_.")
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_."):
            assert set(password) & set(group)
        seen.add(password)
    assert len(seen) == 300  # random, not a fixed or recycled list


def test_a_facts_match_needs_every_condition() -> None:
    quirks = q.parse_quirks(
        "version: 1\nvendors:\n"
        "  - {name: r740, user_id: 5, match: {manufacturer: dell, product: 'R7\\d0$'}}\n"
        "  - {name: idrac, user_id: 6, match: {bmc: '^Dell'}}\n"
        "  - {name: default, user_id: 3}\n",
        "test",
    )
    assert q.pick(quirks, q.Facts("Dell Inc.", "PowerEdge R740", None)).name == "r740"
    assert q.pick(quirks, q.Facts("Dell Inc.", "PowerEdge R7525", "Dell Inc.")).name == "idrac"
    assert q.pick(quirks, q.Facts(None, None, None)).name == "default"


BAD = [
    ("vendors: []\n", "version: Field required"),
    ("version: 1\nvendors: {}\n", "vendors: Input should be a valid list"),
    (
        "version: 1\nvendors:\n  - {name: acme, user_id: 1, match: {manufacturer: acme}}\n"
        "  - {name: default, user_id: 3}\n",
        "vendors.0 (acme).user_id: Input should be greater than or equal to 2",
    ),
    (
        "version: 1\nvendors:\n  - {name: acme, user_id: 3, match: {manufacturer: '(acme'}}\n"
        "  - {name: default, user_id: 3}\n",
        "vendors.0 (acme).match.manufacturer: not a regular expression",
    ),
    (
        "version: 1\nvendors:\n  - {name: default, user_id: 3, chanel: 2}\n",
        "vendors.0 (default).chanel: unknown field",
    ),
    (
        "version: 1\nvendors:\n  - {name: default, user_id: 3, password_symbols: '#-'}\n",
        "vendors.0 (default).password_symbols: '#' cannot go through ipmitool exec",
    ),
    (
        "version: 1\nvendors:\n  - {name: acme, user_id: 3, match: {manufacturer: acme}}\n",
        "the last entry must be the default",
    ),
    (
        "version: 1\nvendors:\n  - {name: default, user_id: 3}\n  - {name: default, user_id: 4}\n",
        "entry names used twice: default",
    ),
    (
        "version: 1\nvendors:\n  - {name: first, user_id: 3}\n  - {name: second, user_id: 4}\n",
        "entry 'first' has no `match` but is not last",
    ),
    ("version: 1\nvendors: [\n", "is not YAML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_quirks_file_is_refused_with_the_field_named(text: str, message: str) -> None:
    with pytest.raises(q.QuirksError) as caught:
        q.parse_quirks(text, "/etc/oci/bmc-quirks.yaml")
    assert caught.value.message.startswith("BMC quirks file /etc/oci/bmc-quirks.yaml")
    assert message in caught.value.message


def test_an_unreadable_quirks_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(q.QuirksError, match=r"cannot read BMC quirks file .*absent\.yaml"):
        q.load_quirks(tmp_path / "absent.yaml")
