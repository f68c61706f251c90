"""ocicli's BMC help says what the server does (found in review: defaults and
refusals described as they were before)."""

from __future__ import annotations

from click.testing import CliRunner

from oci.cli.main import main


def _help(command: str) -> str:
    # Wide: click would split hyphenated words at the line's end.
    shown = CliRunner().invoke(main, [command, "--help"], terminal_width=300, max_content_width=300)
    assert shown.exit_code == 0, shown.output
    return " ".join(shown.output.split())


def test_apply_ipmi_defaults_name_the_machines_own_settings_first() -> None:
    text = _help("machine-apply-ipmi")
    assert (
        "--ipmi-netmask NETMASK [default: the machine's ipmi_netmask (machine-set "
        "--ipmi-netmask), else the ipmi network's]" in text
    )
    assert "[default: the machine's ipmi_default_gw (machine-set --ipmi-default-gw), else" in text


def test_ipmi_cmd_help_names_what_touches_server_files_and_passwords() -> None:
    text = _help("machine-ipmi-cmd")
    assert "sdr dump, sel save/readraw, fru read/write, any word with a '/'" in text
    assert "use machine-renew-ipmi-password or machine-set-ipmi --password-file" in text
