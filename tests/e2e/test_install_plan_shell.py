"""The installation bundle as the node's programs read it: sh sources its settings,
tar unpacks it, and shellcheck passes the installer scripts (oci.install.plan)."""

from __future__ import annotations

import io
import shlex
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from oci.errors import Conflict
from oci.install import plan
from tests.helpers import install_inputs
from tests.helpers.install_inputs import HOSTILE, HOSTNAME, files, text

SCRIPTS = Path(plan.__file__).parent


@pytest.mark.parametrize("script", ["oci-install", "oci-firstboot", "oci-report-status"])
def test_scripts_are_shellcheck_clean(script: str) -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("no shellcheck (scripts/apt-packages installs it)")
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(SCRIPTS / script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def sourced(path: Path, *names: str) -> dict[str, str]:
    """Source a KEY='value' file with a real sh and read the variables back."""
    script = (
        ". " + shlex.quote(str(path)) + "".join(f"; printf '%s\\0' \"${name}\"" for name in names)
    )
    out = subprocess.run(["sh", "-c", script], capture_output=True, check=True).stdout
    return dict(zip(names, out.decode().split("\0")[:-1], strict=True))


GRUB_CFG = "target/etc/default/grub.d/oci.cfg"


def test_serial_console_and_none(tmp_path: Path) -> None:
    grub = tmp_path / "oci.cfg"
    grub.write_text(text(install_inputs.make(serial_console="ttyS1"), GRUB_CFG))
    values = sourced(grub, "GRUB_CMDLINE_LINUX", "GRUB_SERIAL_COMMAND")
    assert values == {
        "GRUB_CMDLINE_LINUX": "console=tty0 console=ttyS1,115200n8",
        "GRUB_SERIAL_COMMAND": "serial --unit=1 --speed=115200",
    }
    env = plan.install_env(install_inputs.make(serial_console="ttyS1"))
    assert env["OCI_ENABLE_UNITS"] == "oci-firstboot.service serial-getty@ttyS1.service"
    none = install_inputs.make(serial_console="none")
    grub.write_text(text(none, GRUB_CFG))
    assert sourced(grub, "GRUB_CMDLINE_LINUX") == {"GRUB_CMDLINE_LINUX": ""}
    assert plan.install_env(none)["OCI_ENABLE_UNITS"] == "oci-firstboot.service"


def test_status_url_and_https(tmp_path: Path) -> None:
    env = plan.install_env(install_inputs.make())
    assert env["OCI_STATUS_URL"] == "http://192.0.2.1:8080/api/v1/machines/SER-1/status"
    assert env["OCI_STATUS_CACERT"] == ""
    https = install_inputs.make(api_url="https://oci.example.com/")
    env = plan.install_env(https)
    assert env["OCI_STATUS_URL"] == "https://oci.example.com/api/v1/machines/SER-1/status"
    # the installer reads the chain from the bundle, the node from its own tree
    assert env["OCI_STATUS_CACERT"] == "target/etc/oci/pki/ca-chain.crt"
    assert env["OCI_STATUS_CACERT"] in files(https)
    firstboot = tmp_path / "firstboot.env"
    firstboot.write_bytes(files(https)["target/etc/oci/firstboot.env"].content)
    assert sourced(firstboot, "OCI_STATUS_CACERT")["OCI_STATUS_CACERT"] == (
        "/etc/oci/pki/ca-chain.crt"
    )
    with pytest.raises(Conflict, match="cannot name the machine"):
        plan.bundle_files(install_inputs.make(status_key="a/../b"))


def test_settings_are_values_for_the_shell_whatever_they_hold(tmp_path: Path) -> None:
    values = {"OCI_A": HOSTILE, "OCI_B": "", "OCI_C": "two words", "OCI_D": "'"}
    env_file = tmp_path / "install.env"
    env_file.write_text(plan.env_text(values))
    assert sourced(env_file, *values) == values
    assert not any(tmp_path.glob("pwned*"))
    # the real settings read back as they were computed
    real = plan.install_env(install_inputs.make())
    env_file.write_bytes(files(install_inputs.make())["install.env"].content)
    assert sourced(env_file, *real) == real


def test_bundle_tar_is_what_tar_unpacks(tmp_path: Path) -> None:
    bundle = plan.bundle_files(install_inputs.make())
    data = plan.bundle_tar(bundle)
    assert data == plan.bundle_tar(bundle)  # reproducible
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert set(members) == {f.path for f in bundle}
    assert all(m.uid == 0 and m.gid == 0 and m.isfile() for m in members.values())
    subprocess.run(["tar", "-xzf", "-", "-C", str(tmp_path)], input=data, check=True)
    key = tmp_path / "target" / "etc" / "oci" / "pki" / f"{HOSTNAME}.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "oci-install").stat().st_mode & 0o777 == 0o755
    with pytest.raises(ValueError, match="leaves the bundle"):
        plan.bundle_tar([plan.BundleFile("../etc/passwd", b"", 0o644)])
