"""A node's document as the API serves it: built once, kept while it is current.

A document is current while the enc_serial of its cluster (and of the clusters
linked to it) is unchanged, its override files are unchanged, and the same
module interface checks it. Checking costs two small queries and a few
stat() calls, so a Puppet run against an unchanged cluster costs about what
serving ready-made bytes does; any write that can change the document bumps
the serial in its own transaction, so the document is never stale.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from oci.config import Settings
from oci.enc import document, interface, loader, overrides, release
from oci.errors import Conflict
from oci.security.pki import Pki
from oci.security.vault import Vault

# Documents are tens of KB: a bound on the bytes kept, oldest out first.
MAX_BYTES = 512 * 2**20


@dataclass(frozen=True)
class Entry:
    serials: tuple[int, ...]
    files: tuple[tuple[str, int, int], ...]
    interface: int
    cluster: str
    role: str
    lines: tuple[str, ...]  # the document's lines, each held once by Documents

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Documents:
    """Documents by (database, node), oldest out first past ``max_bytes``.

    Documents of a cluster repeat most of their lines (every compute lists every
    compute's root key): each distinct line is held once, and counted once, so
    a fleet's documents take a fraction of their size.
    """

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, str], Entry] = OrderedDict()
        self._lines: dict[str, list[Any]] = {}  # line -> [the line, documents holding it]
        self._bytes = 0
        self.max_bytes = max_bytes

    @property
    def size(self) -> int:
        """Bytes held: distinct lines, and a pointer per line of each document."""
        return self._bytes

    def get(self, key: tuple[int, str]) -> Entry | None:
        return self._entries.get(key)

    def put(self, key: tuple[int, str], entry: Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._release(old)
            held = []
            for line in entry.lines:
                found = self._lines.get(line)
                if found is None:
                    found = self._lines[line] = [line, 0]
                    self._bytes += len(line)
                found[1] += 1
                held.append(found[0])
            entry = Entry(
                entry.serials, entry.files, entry.interface, entry.cluster, entry.role, tuple(held)
            )
            self._bytes += 8 * len(held)
            self._entries[key] = entry
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._release(dropped)

    def _release(self, entry: Entry) -> None:
        self._bytes -= 8 * len(entry.lines)
        for line in entry.lines:
            found = self._lines[line]
            found[1] -= 1
            if found[1] == 0:
                del self._lines[line]
                self._bytes -= len(line)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._lines.clear()
            self._bytes = 0


DOCUMENTS = Documents()


def _stamp(directory: Path | None, cluster: str, role: str, fqdn: str) -> tuple[Any, ...]:
    if directory is None:
        return ()
    found = []
    for path in overrides.files(directory, cluster, role, fqdn):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


# Reading the interface stats every manifest (about 1 ms): at most once a second.
INTERFACE_TTL = 1.0
_interfaces: dict[tuple[Path, ...], tuple[float, interface.Interface | None]] = {}


def server_values(settings: Settings) -> dict[str, Any]:
    """What documents take from the oci server's settings: the Puppet server's name
    and address for /etc/hosts (when the node API's URL gives an address)."""
    url = settings.node_api_url or settings.boot_server_url
    host = urlsplit(url).hostname if url else None
    values: dict[str, Any] = {}
    try:
        address = str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        address = None
    name = settings.puppet_server or (host if address is None else None)
    if address and name:
        values |= {"server_address": address, "server_hostname": name}
    return values


def installed_interface(module_path: tuple[Path, ...]) -> interface.Interface | None:
    """The installed puppet-module-oci's interface; None where it is not installed
    (an oci server apart from the Puppet server checks nothing)."""
    now = time.monotonic()
    found = _interfaces.get(module_path)
    if found is not None and now - found[0] < INTERFACE_TTL:
        return found[1]
    try:
        read: interface.Interface | None = interface.load(module_path)
    except interface.InterfaceError:
        read = None
    _interfaces[module_path] = (now, read)
    return read


def text(
    session: Session,
    fqdn: str,
    vault: Vault,
    *,
    pki: Pki | None,
    overrides_dir: Path | None,
    module_path: tuple[Path, ...],
    server: dict[str, Any] | None = None,
) -> str:
    connection = session.connection()
    located = loader.locate(connection, fqdn)  # NotFound for an unknown node
    serials = located.serials
    # Keyed by database too: a process may serve (or test) several.
    key = (loader.database_token(connection.engine), fqdn)
    checked = installed_interface(module_path)
    checked_id = id(checked) if checked is not None else 0
    entry = DOCUMENTS.get(key)
    if (
        entry is not None
        and entry.serials == serials
        and entry.interface == checked_id
        and entry.files == _stamp(overrides_dir, entry.cluster, entry.role, fqdn)
    ):
        return entry.text
    server = dict(server or {})
    if checked is not None:
        installed = release.installed_releases(module_path)
        if len(installed) == 1:
            server.setdefault("openstack_release", installed[0])
    snapshot = loader.load(session, fqdn, vault, pki, server, located)
    chosen = snapshot.cluster.options.openstack_release
    if checked is not None and chosen is not None:
        problem = release.problem(chosen, module_path)
        if problem is not None:
            raise Conflict(problem, {"release": chosen})
    built = document.dump(document.build(snapshot, overrides_dir, checked))
    member = snapshot.node.member
    DOCUMENTS.put(
        key,
        Entry(
            serials,
            _stamp(overrides_dir, snapshot.cluster.name, member.role, fqdn),
            checked_id,
            snapshot.cluster.name,
            member.role,
            tuple(built.split("\n")),
        ),
    )
    return built
