"""Settings: defaults < file < OCI_* environment, every key validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from oci.config import ConfigError, load_settings


def test_defaults_use_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={"OCI_CONFIG": str(_write(tmp_path, ""))})
    assert settings.effective_database_url == "sqlite:////var/lib/oci/oci.db"
    assert settings.trusted_networks == ["127.0.0.0/8", "::1/128"]


def test_file_then_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, 'data_dir = "/srv/oci"\nlisten_port = 9000\nworkers = 3\n')
    settings = load_settings(environ={"OCI_CONFIG": str(path), "OCI_LISTEN_PORT": "9100"})
    assert settings.effective_database_url == "sqlite:////srv/oci/oci.db"
    assert settings.listen_port == 9100  # environment beats the file
    assert settings.workers == 3  # file beats the default


def test_database_url_and_lists_from_environment(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "OCI_CONFIG": str(_write(tmp_path, "")),
            "OCI_DATABASE_URL": "postgresql+psycopg://oci@db/oci",
            "OCI_TRUSTED_NETWORKS": "10.0.0.0/8, 2001:db8::/32",
            "OCI_TRUSTED_PROXIES": "10.0.0.5, 2001:db8::0:1",
        }
    )
    assert settings.effective_database_url == "postgresql+psycopg://oci@db/oci"
    assert settings.trusted_networks == ["10.0.0.0/8", "2001:db8::/32"]
    assert settings.trusted_proxies == ["10.0.0.5", "2001:db8::1"]


@pytest.mark.parametrize(
    ("text", "env", "named"),
    [
        ("lisen_port = 80\n", {}, "lisen_port"),
        ('listen_port = "eighty"\n', {}, "listen_port"),
        ("", {"OCI_WORKERS": "many"}, "workers"),
        ("", {"OCI_TRUSTED_NETWORKS": "10.0.0.300/8"}, "trusted_networks"),
        ("", {"OCI_TRUSTED_PROXIES": "10.0.0.0/8"}, "trusted_proxies"),
        ("listen_port = [\n", {}, "cannot read"),
        ("", {"OCI_DATABASE_URL": "postgresql+psycopg://u:pw@db:notaport/oci"}, "database_url"),
        ("", {"OCI_DATABASE_URL": "nosuchdialect://db/oci"}, "database_url"),
        ('boot_server_url = "http://oci example"\n', {}, "boot_server_url"),
        ("", {"OCI_BOOT_SERVER_URL": "http://x/;reboot"}, "boot_server_url"),
        ('boot_console = "ttyS0 init=/bin/sh"\n', {}, "boot_console"),
        ("", {"OCI_BOOT_FETCH_TIMEOUT": "0"}, "boot_fetch_timeout"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, env: dict[str, str], named: str) -> None:
    environ = {"OCI_CONFIG": str(_write(tmp_path, text)), **env}
    with pytest.raises(ConfigError, match=named):
        load_settings(environ=environ)


def test_boot_settings_and_their_defaults(tmp_path: Path) -> None:
    settings = load_settings(environ={"OCI_CONFIG": str(_write(tmp_path, ""))})
    assert settings.boot_server_url is None  # then each request's own URL
    assert settings.effective_live_image_dir == Path("/var/lib/oci/live-image")
    assert settings.effective_tftp_root == Path("/var/lib/oci/tftp")
    assert (settings.boot_console, settings.boot_fetch_timeout) == ("ttyS0,115200n8", 60)
    text = (
        'boot_server_url = "http://192.168.101.2:8080"\nlive_image_dir = "/srv/live"\n'
        'tftp_root = "/srv/tftp"\nboot_console = "ttyS1,57600"\n'
    )
    settings = load_settings(
        environ={"OCI_CONFIG": str(_write(tmp_path, text)), "OCI_BOOT_FETCH_TIMEOUT": "30"}
    )
    assert settings.boot_server_url == "http://192.168.101.2:8080"
    assert settings.effective_live_image_dir == Path("/srv/live")
    assert settings.effective_tftp_root == Path("/srv/tftp")
    assert (settings.boot_console, settings.boot_fetch_timeout) == ("ttyS1,57600", 30)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(environ={"OCI_CONFIG": str(tmp_path / "nope.toml")})


def _write(directory: Path, text: str) -> Path:
    path = directory / "oci.toml"
    path.write_text(text)
    return path
