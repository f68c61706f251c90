"""Vendor quirks of BMC set-up as data, and the ipmitool commands they give (pure).

`machine-ipmi-setup` configures a BMC from the machine's live system with
ipmitool (in-band): a user with a generated password, then a static address.
What differs between vendors (which user slot, which LAN channel, how long a
password may be, whether SOL must be enabled per user...) lives in a YAML file
(oci/bmc/quirks.yaml, or the `bmc_quirks_file` setting), checked when it
is loaded: a mistake is a `QuirksError` naming the file, the entry and the
field. No vendor appears in the code.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import shlex
import string
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from oci.errors import OciError

__all__ = [
    "PASSWORD_SYMBOLS",
    "Facts",
    "Lan",
    "Quirk",
    "QuirksError",
    "Step",
    "generate_password",
    "lan_for",
    "load_quirks",
    "parse_quirks",
    "pick",
    "plan",
]

# Punctuation a generated password may use: none of them means anything to
# `ipmitool exec` (which cuts a line at '#', splits it at blanks and treats
# quotes and '~' specially) or to a shell.
PASSWORD_SYMBOLS = "!$%&()*+,-./:;<=>?@[]^_{|}"
PRIVILEGES = {"user": 2, "operator": 3, "administrator": 4}
# The argument `ipmitool exec` reads its commands from: the SSH channel.
STDIN = "/dev/stdin"

Regex = Annotated[str, Field(min_length=1, max_length=200)]
# One word of a vendor command: an argv element, never shell text.
Word = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]
# Families of RAID tools; storcli and perccli share one syntax (oci/raid/tools.py).
RaidTool = Literal["storcli", "perccli", "megacli", "ssacli"]


class QuirksError(OciError):
    """The quirks file cannot be used: the server's configuration, not the request."""

    status = 500
    code = "bad_bmc_quirks"


class Match(BaseModel):
    """Regular expressions searched (case-insensitive) in the discovered facts;
    all those given must match. None given: the entry matches every machine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    manufacturer: Regex | None = Field(None, description="dmidecode's system manufacturer")
    product: Regex | None = Field(None, description="dmidecode's system product name")
    bmc: Regex | None = Field(None, description="ipmitool mc info's manufacturer name")

    @field_validator("manufacturer", "product", "bmc")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression ({exc})") from None
        return value

    @property
    def is_default(self) -> bool:
        return self.manufacturer is None and self.product is None and self.bmc is None


class Quirk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    match: Match = Field(default_factory=Match)
    user_id: int = Field(ge=2, le=63, description="User slot; 1 is IPMI's anonymous user")
    channel: int = Field(1, ge=1, le=15, description="LAN channel of the BMC's network port")
    privilege: Literal["user", "operator", "administrator"] = "administrator"
    username: str = Field("oci", pattern=r"^[A-Za-z0-9._-]{1,16}$")
    password_length: int = Field(16, ge=8, le=20, description="IPMI 1.5: 16, IPMI 2.0: 20")
    password_symbols: str = Field("-_.+=@%^,:", min_length=1)
    channel_access: bool = Field(True, description="channel setaccess: IPMI messaging on")
    lan_access: bool = Field(True, description="lan set N access on")
    sol_payload: bool = Field(False, description="sol payload enable N USER")
    cipher_privs: str | None = Field(
        None,
        pattern=r"^[XcuoaO]{15}$",
        description="lan set N cipher_privs: the highest privilege of cipher suites 0 to 14",
    )
    settle_seconds: float = Field(
        10, ge=0, le=300, description="How long the BMC may take to answer at its new address"
    )
    command_timeout: float = Field(60, gt=0, le=600, description="Seconds one ipmitool may run")
    # Beyond IPMI: the vendor tools the live system may carry (oci.raid, oci.bmc.live).
    raid_tools: tuple[RaidTool, ...] = Field(
        ("storcli", "megacli"),
        description="Hardware RAID tools to look for in the live system, in this order",
    )
    hponcfg: bool = Field(False, description="The BMC is an HPE iLO that hponcfg configures")
    extra_commands: tuple[tuple[Word, ...], ...] = Field(
        (),
        max_length=32,
        description="Vendor commands (argv lists, no shell) run in the live system after "
        "ipmitool's, before the login check: racadm, onecli... (OCI's Dell and Lenovo steps)",
    )
    ilo_license_file: str = Field(
        "/root/License.xml",
        pattern=r"^/[A-Za-z0-9._/-]{1,200}$",
        description="Where the live image keeps the iLO licence (machine-hpe-ilo-license-install)",
    )

    @field_validator("extra_commands")
    @classmethod
    def _commands(cls, value: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        for argv in value:
            if not argv or len(argv) > 64:
                raise ValueError("each command is a list of 1 to 64 words")
        return value

    @field_validator("password_symbols")
    @classmethod
    def _safe_symbols(cls, value: str) -> str:
        unsafe = sorted(set(value) - set(PASSWORD_SYMBOLS))
        if unsafe:
            raise ValueError(
                f"{''.join(unsafe)!r} cannot go through ipmitool exec; use some of "
                f"{PASSWORD_SYMBOLS!r}"
            )
        return value


class QuirksFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    vendors: list[Quirk] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_and_default(self) -> QuirksFile:
        names = [q.name for q in self.vendors]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"entry names used twice: {', '.join(twice)}")
        if not self.vendors[-1].match.is_default:
            raise ValueError("the last entry must be the default: an entry with no `match`")
        for quirk in self.vendors[:-1]:
            if quirk.match.is_default:
                raise ValueError(
                    f"entry {quirk.name!r} has no `match` but is not last: "
                    "the entries after it could never be chosen"
                )
        return self


def _problems(exc: ValidationError, document: object) -> list[str]:
    vendors = document.get("vendors") if isinstance(document, dict) else None
    out = []
    for err in exc.errors():
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "vendors" and isinstance(loc[1], int):
            entry = vendors[loc[1]] if isinstance(vendors, list) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            loc[1] = f"{loc[1]} ({name})" if name else loc[1]
        where = ".".join(str(p) for p in loc) or "file"
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        out.append(f"{where}: {message.removeprefix('Value error, ')}")
    return out


def parse_quirks(text: str, where: str) -> tuple[Quirk, ...]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuirksError(f"BMC quirks file {where} is not YAML: {exc}") from None
    try:
        return tuple(QuirksFile.model_validate(document).vendors)
    except ValidationError as exc:
        problems = _problems(exc, document)
        raise QuirksError(
            f"BMC quirks file {where}: " + "; ".join(problems), {"problems": problems}
        ) from None


def load_quirks(path: Path | None = None) -> tuple[Quirk, ...]:
    """The operator's file at `path`, else the one shipped with oci."""
    if path is None:
        resource = files("oci.bmc") / "quirks.yaml"
        return parse_quirks(resource.read_text(), "oci/bmc/quirks.yaml")
    try:
        text = path.read_text()
    except OSError as exc:
        raise QuirksError(f"cannot read BMC quirks file {path}: {exc.strerror}") from None
    return parse_quirks(text, str(path))


@dataclass(frozen=True)
class Facts:
    """What discovery knows of the machine that the quirks are chosen by."""

    manufacturer: str | None
    product: str | None
    bmc: str | None


def _fits(pattern: str | None, value: str | None) -> bool:
    return pattern is None or re.search(pattern, value or "", re.IGNORECASE) is not None


def pick(quirks: tuple[Quirk, ...], facts: Facts) -> Quirk:
    """The first entry whose every condition fits (the last one fits all)."""
    for quirk in quirks:
        m = quirk.match
        if (
            _fits(m.manufacturer, facts.manufacturer)
            and _fits(m.product, facts.product)
            and _fits(m.bmc, facts.bmc)
        ):
            return quirk
    raise AssertionError("a validated quirks file ends with a default entry")


@dataclass(frozen=True)
class Lan:
    """The static IPv4 settings of the BMC's port."""

    address: str
    netmask: str
    gateway: str | None
    vlan: int | None


def lan_for(address: str, network: ipaddress.IPv4Network, vlan: int | None) -> Lan:
    """The BMC's LAN settings on `network`, whose first host is the gateway (oci.enrolment.ipam)."""
    gateway = next(network.hosts(), None) if network.num_addresses > 2 else None
    return Lan(
        address=address,
        netmask=str(network.netmask),
        gateway=None if gateway is None or str(gateway) == address else str(gateway),
        vlan=vlan,
    )


def generate_password(quirk: Quirk) -> str:
    """A random password of `quirk.password_length` with a lower and an upper case
    letter, a digit and a symbol (the rules BMC vendors enforce), from `secrets`."""
    classes = [
        string.ascii_lowercase,
        string.ascii_uppercase,
        string.digits,
        quirk.password_symbols,
    ]
    alphabet = "".join(classes)
    chars = [secrets.choice(c) for c in classes]
    chars += [secrets.choice(alphabet) for _ in range(quirk.password_length - len(chars))]
    # Shuffle with secrets too: the required classes are not at fixed places.
    for i in range(len(chars) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


@dataclass(frozen=True)
class Step:
    """One ipmitool run on the live system. A secret never goes in `argv`: it is
    the `stdin` that `ipmitool exec /dev/stdin` reads, and `shown` masks it."""

    name: str
    argv: tuple[str, ...]
    stdin: str = ""
    shown: str = ""

    @property
    def command(self) -> str:
        """The remote shell's command line: every word quoted."""
        return shlex.join(self.argv)

    @property
    def display(self) -> str:
        return self.shown or self.command


def plan(quirk: Quirk, password: str, lan: Lan) -> list[Step]:
    """The ipmitool steps that give `quirk.username` the password and the BMC `lan`."""
    user, channel = str(quirk.user_id), str(quirk.channel)
    level = PRIVILEGES[quirk.privilege]
    size = "16" if quirk.password_length <= 16 else "20"
    if len(password) > int(size) or any(c.isspace() or c in "#'\"~\\" for c in password):
        raise ValueError("the password does not fit ipmitool exec or the quirk's length")

    def ipmitool(name: str, *args: str) -> Step:
        return Step(name, ("ipmitool", *args))

    steps = [
        ipmitool("user name", "user", "set", "name", user, quirk.username),
        Step(
            "user password",
            ("ipmitool", "exec", STDIN),
            stdin=f"user set password {user} {password} {size}\n",
            shown=f"ipmitool exec {STDIN}  (stdin: user set password {user} ******** {size})",
        ),
        ipmitool("user privilege", "user", "priv", user, str(level), channel),
    ]
    if quirk.channel_access:
        steps.append(
            ipmitool(
                "channel access",
                "channel",
                "setaccess",
                channel,
                user,
                "callin=on",
                "ipmi=on",
                "link=on",
                f"privilege={level}",
            )
        )
    steps.append(ipmitool("user enable", "user", "enable", user))
    if quirk.sol_payload:
        steps.append(ipmitool("sol payload", "sol", "payload", "enable", channel, user))
    steps += [
        ipmitool("static address", "lan", "set", channel, "ipsrc", "static"),
        ipmitool("address", "lan", "set", channel, "ipaddr", lan.address),
        ipmitool("netmask", "lan", "set", channel, "netmask", lan.netmask),
    ]
    if lan.gateway is not None:
        steps.append(ipmitool("gateway", "lan", "set", channel, "defgw", "ipaddr", lan.gateway))
    vlan = "off" if lan.vlan is None else str(lan.vlan)
    steps.append(ipmitool("vlan", "lan", "set", channel, "vlan", "id", vlan))
    if quirk.cipher_privs is not None:
        steps.append(
            ipmitool("cipher suites", "lan", "set", channel, "cipher_privs", quirk.cipher_privs)
        )
    if quirk.lan_access:
        steps.append(ipmitool("lan access", "lan", "set", channel, "access", "on"))
    for n, argv in enumerate(quirk.extra_commands, start=1):
        steps.append(Step(f"vendor {n}", argv))
    return steps
