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
