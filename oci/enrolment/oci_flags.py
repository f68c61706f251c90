"""OCI's machine-set command lines as the machine options of the table, and back (pure).

OCI's hardware profiles carry ``machine-set`` lines (``--install-on-raid yes
--raid-type 1 --raid-dev0 sdm --raid-dev1 sdn ...``). Each flag is read as
``ocicli machine-set`` reads it: the flag of a machine option of
``oci.choices`` (``--NAME`` with dashes, or one of the option's ``aliases``,
OCI's spellings among them), its value typed by the option's kind. OCI's
``--raid-dev0`` .. ``--raid-dev3`` (aliases of raid_devices) give the disk at
that place of the list. Imports only the table: ``oci.cli`` may use it too.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from oci.choices import MACHINE_OPTION_SPECS, OptionSpec

__all__ = ["FLAGS", "NotExpressed", "flag", "oci_flag", "read_line", "write_line"]

RAID_DEV = re.compile(r"^--raid-dev([0-9])$")


def flag(spec: OptionSpec) -> str:
    """An option's own flag: its name with dashes (machine-set's and cluster-set's)."""
    return "--" + spec.name.replace("_", "-")


def oci_flag(spec: OptionSpec) -> str:
    """The flag written back for OCI: its spelling, the option's first alias when the
    table gives one (``--use_ceph_if_available``, ``--serial-console-device``)."""
    return spec.aliases[0] if spec.aliases else flag(spec)


# Every machine-set flag of a table option -> the option (GPU types have their own flags).
FLAGS: dict[str, OptionSpec] = {
    name: spec
    for spec in MACHINE_OPTION_SPECS
    if spec.kind != "gpus"
    for name in (flag(spec), *spec.aliases)
}


class NotExpressed(ValueError):
    """A line with flags that are no machine option: ``flags`` names them."""

    def __init__(self, why: str, flags: list[str]) -> None:
        super().__init__(why)
        self.flags = flags


def _typed(spec: OptionSpec, text: str) -> Any:
    """The value as machine-set sends it; a value it cannot read is left as text, for
    the settings model to refuse naming the option."""
    if spec.kind == "bool" and text in ("yes", "no"):
        return text == "yes"
    try:
        if spec.kind == "int":
            return int(text)
        if spec.kind == "float":
            return float(text)
    except ValueError:
        return text
    return text


def read_line(line: str) -> dict[str, Any]:
    """``--flag value`` pairs as {option: value}; NotExpressed when a flag is no machine
    option, a value is missing, or the line uses OCI's ``%%`` templating."""
    if "%%" in line:
        raise NotExpressed("%% templating is filled by OCI per machine, not here", [])
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise NotExpressed(f"not a command line: {exc}", []) from None
    options: dict[str, Any] = {}
    places: dict[int, str] = {}
    unknown: list[str] = []
    at = 0
    while at < len(words):
        word = words[at]
        value = words[at + 1] if at + 1 < len(words) else None
        spec = FLAGS.get(word)
        if spec is None or value is None or value.startswith("--"):
            unknown.append(word if spec is None else f"{word} (no value)")
            at += 1 if value is None or value.startswith("--") else 2
            continue
        at += 2
        if spec.kind == "disks":
            options.setdefault(spec.name, [])
            place = RAID_DEV.match(word)
            if place:
                places[int(place[1])] = value
            else:
                options[spec.name].append(value)
            continue
        options[spec.name] = _typed(spec, value)
    if unknown:
        raise NotExpressed(f"{', '.join(unknown)} have no machine option here", unknown)
    if places:
        # OCI's --raid-devN: the disk at place N, whatever the order of the flags.
        options["raid_devices"] = [places[n] for n in sorted(places)] + options["raid_devices"]
    return options


def write_line(options: dict[str, Any]) -> str:
    """{option: value} as one machine-set line, in OCI's spellings (--raid-devN)."""
    words: list[str] = []
    for name, value in options.items():
        spec = next(s for s in MACHINE_OPTION_SPECS if s.name == name)
        if spec.kind == "disks":
            raid = name == "raid_devices" and len(value) <= 4
            for n, disk in enumerate(value):
                words += [f"--raid-dev{n}" if raid else flag(spec), disk]
        elif isinstance(value, bool):
            words += [oci_flag(spec), "yes" if value else "no"]
        elif isinstance(value, float) and value.is_integer():
            words += [oci_flag(spec), str(int(value))]
        else:
            words += [oci_flag(spec), "none" if value is None else str(value)]
    return shlex.join(words)
