"""machine-ipmi-cmd's checks and argv (pure): the password is never an argument."""

from __future__ import annotations

import pytest

from oci.bmc.ipmi import BmcAccess
from oci.bmc.ipmitool import argv_for, parse_command
from oci.bmc.live import parse_user_list
from oci.errors import Invalid


def test_the_password_goes_to_the_environment_not_the_arguments() -> None:
    access = BmcAccess("10.0.0.5", 6230, "oci", "Pw-with spaces'", 5)
    argv = argv_for(access, parse_command("chassis bootdev pxe options=persistent"))
    assert argv[:10] == ["ipmitool", "-I", "lanplus", "-H", "10.0.0.5", "-p", "6230", "-U",
                         "oci", "-E"]  # fmt: skip
    assert argv[-4:] == ["chassis", "bootdev", "pxe", "options=persistent"]
    assert not any("Pw-with" in word for word in argv)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("shell", "'shell' is not one of"),
        ("exec cmds", "'exec' is not one of the commands oci runs: it reads a file"),
        ("power status -H evil", "'-H' looks like an option"),
        ("--help", "looks like an option"),
        ("sol Activate", "interactive"),
        ("chassis power\x07status", "control characters"),
        ("raw " + "0 " * 40, "more than 32 words"),
    ],
)
def test_refused_commands_say_why(text: str, why: str) -> None:
    with pytest.raises(Invalid, match=why):
        parse_command(text)


# Found in review: each of these was accepted. Files on the server, passwords in argv.
@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("sdr dump /etc/oci/oci.toml", "'sdr dump' is not one of the read-only"),
        ("sdr dump oci.toml", "'sdr dump' is not one of the read-only"),
        ("sel save FILE", "'sel save' is not one of the read-only"),
        ("sel readraw /etc/shadow", "'sel readraw' is not one of the read-only"),
        ("sel writeraw out", "'sel writeraw' is not one of the read-only"),
        ("fru write 0 /var/lib/oci/secret.key", "'fru write' is not one of the read-only"),
        ("fru read 0 dump", "'fru read' is not one of the read-only"),
        ("sdr fill file x", "'sdr fill' is not one of the read-only"),
        ("sensor get /etc/shadow", "looks like a file on the server"),
        ("user test 2 16 PW", "'user test' would put a password in ipmitool's arguments"),
        ("user set password 2 PW", "machine-renew-ipmi-password"),
        ("lan set 1 password PW", "machine-set-ipmi --password-file"),
        ("lan set 1 ipaddr 10.0.0.9", "'lan set' is not one of the read-only"),
        ("user set name 3 x", "'user set' is not one of the read-only"),
        ("raw 0x06 0x47 0x02 0x02 0x50 0x57", "'raw' can set a password"),
        ("RAW 0x06 0x01", "'raw' can set a password"),
        ("chassis power explode", "'chassis power' takes one of"),
        ("mc reset", "'mc reset' takes one of: cold, warm"),
        ("sel time set now", "'sel time' takes one of: get"),
        ("chassis", "'chassis' is not one of the read-only"),
        ("delloem lan set dedicated", "'delloem lan' is not one of the read-only"),
    ],
)
def test_files_and_passwords_are_refused(text: str, why: str) -> None:
    with pytest.raises(Invalid, match=why):
        parse_command(text)


@pytest.mark.parametrize(
    "text",
    [
        "chassis status",
        "chassis power cycle",
        "chassis bootdev pxe options=persistent,efiboot",
        "chassis identify 15",
        "power status",
        "power soft",
        "mc info",
        "mc reset cold",
        "sel",
        "sel elist",
        "sel clear",
        "sdr type Temperature",
        "sensor get 'CPU1 Temp'",
        "fru print",
        "lan print 1",
        "user list 1",
        "channel getaccess 1 2",
        "sol deactivate",
        "dcmi power reading",
    ],
)
def test_read_only_and_power_forms_are_accepted(text: str) -> None:
    assert parse_command(text)


def test_quoted_words_stay_whole() -> None:
    assert parse_command("sel list 'last 10'") == ("sel", "list", "last 10")


def test_user_list_read_by_its_fixed_columns() -> None:
    # ipmitool prints "%-4d%-17s...": a name may hold a blank, an empty slot has none.
    text = (
        "ID  Name\t     Callin  Link Auth\tIPMI Msg   Channel Priv Limit\n"
        "1                    true    false      false      Unknown (0x00)\n"
        "2   root             false   true       true       ADMINISTRATOR\n"
        "3   oci ops          true    true       true       ADMINISTRATOR\n"
        "4   oci              true    true       true       ADMINISTRATOR\n"
    )
    assert parse_user_list(text) == {"root": 2, "oci ops": 3, "oci": 4}
