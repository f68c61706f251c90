"""Settings: built-in defaults, then a TOML file, then ``OCI_*`` environment variables.

The file is ``/etc/oci/oci.toml`` unless ``OCI_CONFIG`` names another one. Every
key of the file and every matching variable is validated: an unknown key or a
value of the wrong type is an error that names it, never silently ignored.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

DEFAULT_CONFIG_FILE = Path("/etc/oci/oci.toml")
ENV_PREFIX = "OCI_"


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and why."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(Path("/var/lib/oci"), description="Where SQLite and keys live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite in data_dir."
    )
    listen_host: str = Field("127.0.0.1", description="Address `oci serve` binds to.")
    listen_port: int = Field(8080, ge=1, le=65535)
    workers: int = Field(2, ge=1, le=64, description="Server processes for `oci serve`.")
    trusted_networks: list[str] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"],
        description="Source networks allowed on the boot and discovery endpoints.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of the load balancers (haproxy `send-proxy`) whose PROXY "
        "protocol header `oci serve` believes: behind them, a request's source is the "
        "client's address, not the balancer's. Empty: no PROXY header is accepted.",
    )
    max_request_bytes: int = Field(1024 * 1024, ge=1024, description="Largest API body.")
    page_size_max: int = Field(1000, ge=1, description="Largest `limit` a list accepts.")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    bmc_timeout: float = Field(
        10.0, gt=0, le=120, description="Seconds a BMC has to answer before oci gives up on it."
    )
    bmc_quirks_file: Path | None = Field(
        None,
        description="Vendor quirks of BMC set-up (machine-ipmi-setup: user slot, LAN "
        "channel, password rules...), replacing oci's own oci/bmc/quirks.yaml.",
    )
    live_ssh_port: int = Field(
        22, ge=1, le=65535, description="Port of the live systems' sshd (oci/remote.py)."
    )
    secret_key_file: Path | None = Field(
        None,
        description="Key that encrypts cluster secrets at rest; default: data_dir/secret.key, "
        "created (mode 0600) on first use. Never stored in the database.",
    )
    enc_overrides_dir: Path | None = Field(
        Path("/etc/oci/enc-overrides"),
        description="Operator overrides of ENC class parameters (roles/, clusters/, nodes/); "
        "absent: none.",
    )

    profiles_dir: Path | None = Field(
        None,
        description="Directory of hardware profile files (*.yaml: profiles and switch rules), "
        "read besides those imported through the API.",
    )
    auto_apply_after: int | None = Field(
        None,
        ge=1,
        description="Hands-free enrolment: after this many discovery reports, apply the "
        "winning profile's settings and the LLDP place. Unset: off.",
    )
    auto_add_after: int | None = Field(
        None,
        ge=1,
        description="Hands-free enrolment: after this many reports, add the machine to its "
        "profile's cluster (needs auto_apply_after, and not below it). Unset: off.",
    )

    hooks_dir: Path | None = Field(
        Path("/etc/oci/hooks.d"),
        description="Hooks: executables in hooks_dir/EVENT/ (enrolled, installed, "
        "puppet-success, puppet-failure, removed), run in name order after the change "
        "commits, with a JSON document about the machine on stdin; see `oci hook --help`. "
        "Absent folder: no hooks.",
    )
    hook_timeout: float = Field(
        30.0, gt=0, le=3600, description="Seconds a hook may run before it is killed."
    )

    @model_validator(mode="after")
    def _stages_in_order(self) -> Settings:
        if self.auto_add_after is not None and (
            self.auto_apply_after is None or self.auto_add_after < self.auto_apply_after
        ):
            raise ValueError("auto_add_after needs auto_apply_after, and not a smaller one")
        return self

    boot_server_url: str | None = Field(
        None,
        pattern=r"^https?://[A-Za-z0-9.\[\]:-]+(/[A-Za-z0-9._~/-]*)?$",
        description="The URL booting machines reach this server at (boot scripts, kernel "
        "command lines); default: the URL of each boot request (its Host header).",
    )
    live_image_dir: Path | None = Field(
        None,
        description="Directory whose vmlinuz, initrd.img and filesystem.squashfs the boot "
        "service serves; default: data_dir/live-image.",
    )
    tftp_root: Path | None = Field(
        None, description="The TFTP tree `oci pxe tftp-tree` builds; default: data_dir/tftp."
    )
    boot_console: str = Field(
        "ttyS0,115200n8",
        pattern=r"^[A-Za-z0-9,]*$",
        description="Serial console of booting machines (console=...), empty for none.",
    )
    boot_fetch_timeout: int = Field(
        60, ge=1, le=3600, description="Seconds iPXE and GRUB wait for each download."
    )

    # OS installation (oci/install): what the installer and the installed node use.
    node_api_url: str | None = Field(
        None,
        pattern=r"^https?://[A-Za-z0-9.\[\]:-]+(/[A-Za-z0-9._~/-]*)?$",
        description="The URL the installer and installed nodes report their status to "
        "(POST .../api/v1/machines/<serial>/status); default: boot_server_url.",
    )
    puppet_server: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$",
        description="Host name of the Puppet server installed nodes ask (its certificate "
        "must name it); default: the host of node_api_url.",
    )
    debian_mirror: str = Field(
        "http://deb.debian.org/debian",
        pattern=r"^https?://[A-Za-z0-9.\[\]:-]+(/[A-Za-z0-9._~/-]*)?$",
        description="Debian mirror the installer debootstraps from and nodes use for apt.",
    )
    debian_security_mirror: str = Field(
        "http://deb.debian.org/debian-security",
        pattern=r"^(https?://[A-Za-z0-9.\[\]:-]+(/[A-Za-z0-9._~/-]*)?)?$",
        description="Where installed nodes get Debian security updates; empty: none "
        "(then the operator's debian_mirror has to carry them).",
    )
    debian_release: str = Field(
        "trixie",
        pattern=r"^[a-z][a-z0-9-]{1,31}$",
        description="Debian release (code name) the installer installs.",
    )

    # The Puppet modules the ENC's documents are checked against (oci/enc/interface.py,
    # release.py); the same search path as puppet.conf's basemodulepath.
    puppet_module_path: str | None = Field(
        None,
        pattern=r"^/[^:]*(:/[^:]*)*$",
        description="Puppet module search path, colon-separated absolute directories, the "
        "first holding a module winning (puppet.conf's basemodulepath); default: "
        "data_dir/puppet-overlay (built by puppet-enc/oci-puppet-overlay) then "
        "/usr/share/puppet/modules (Debian's modules).",
    )

    @field_validator("trusted_networks")
    @classmethod
    def _networks_parse(cls, value: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(v.strip(), strict=False)) for v in value if v.strip()]

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_parse(cls, value: list[str]) -> list[str]:
        return [str(ipaddress.ip_address(v.strip())) for v in value if v.strip()]

    @field_validator("database_url")
    @classmethod
    def _url_usable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
            _ = url.port  # a non-numeric port only fails here
            url.get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            raise ValueError(f"not a usable SQLAlchemy URL ({exc})") from None
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'oci.db'}"

    @property
    def effective_live_image_dir(self) -> Path:
        return self.live_image_dir or self.data_dir / "live-image"

    @property
    def effective_tftp_root(self) -> Path:
        return self.tftp_root or self.data_dir / "tftp"

    @property
    def effective_puppet_module_path(self) -> tuple[Path, ...]:
        if self.puppet_module_path:
            return tuple(Path(entry) for entry in self.puppet_module_path.split(":"))
        return (self.data_dir / "puppet-overlay", Path("/usr/share/puppet/modules"))

    @property
    def effective_secret_key_file(self) -> Path:
        return self.secret_key_file or self.data_dir / "secret.key"

    @property
    def ssh_key_file(self) -> Path:
        """The server's SSH key for the live systems (oci/remote.py); .pub beside it."""
        return self.data_dir / "ssh" / "id_ed25519"

    @property
    def pki_dir(self) -> Path:
        """The cluster PKI's CAs, node and API certificates (oci/security/pki.py)."""
        return self.data_dir / "pki"


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        if field.annotation == list[str]:
            values[name] = [part for part in raw.split(",") if part.strip()]
        else:
            values[name] = raw
    return values


def load_settings(
    environ: dict[str, str] | None = None, overrides: dict[str, Any] | None = None
) -> Settings:
    """Merge defaults < file < environment < overrides, validating every value."""
    environ = dict(os.environ) if environ is None else environ
    explicit = environ.get(ENV_PREFIX + "CONFIG")
    path = Path(explicit) if explicit else DEFAULT_CONFIG_FILE
    values: dict[str, Any] = {}
    source = "defaults"
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
        source = str(path)
    elif explicit:
        raise ConfigError(f"OCI_CONFIG names {path}, which does not exist")
    values.update(_from_env(environ))
    values.update(overrides or {})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"invalid configuration ({source} or OCI_* variables): {problems}"
        ) from exc
