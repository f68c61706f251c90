"""POST /api/v1/discovery/reports treats every upload as hostile: a bad one is
a clear 4xx that names the problem, and leaves the inventory as it was."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oci.ingest.archive import Limits, ReportRejected, unpack_report
from oci.models import DiscoveryReport, Machine, MachineEvent, Nic
from tests.helpers.database import Credentials
from tests.helpers.reports import archive, machine_files

URL = "/api/v1/discovery/reports"
GZIP = {"Content-Type": "application/gzip"}
MAC = "00:1b:21:aa:00:01"


def _post(client: FlaskClient, body: bytes, headers=GZIP, **kw):
    return client.post(URL, data=body, headers=headers, **kw)


def _counts(session: Session) -> tuple[int, ...]:
    session.rollback()  # a new snapshot: MariaDB reads repeat within a transaction
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Machine, Nic, DiscoveryReport, MachineEvent)
    )


def _tar_with(member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(member, io.BytesIO(data) if data else None)
    return buffer.getvalue()


def _good() -> bytes:
    return archive(machine_files("GOOD1", macs=(MAC,)))


def _symlink() -> bytes:
    link = tarfile.TarInfo("dmidecode.txt")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/shadow"
    return _tar_with(link)


def _hardlink() -> bytes:
    link = tarfile.TarInfo("dmidecode.txt")
    link.type = tarfile.LNKTYPE
    link.linkname = "../../etc/passwd"
    return _tar_with(link)


def _bomb() -> bytes:
    # 64 MiB of zeros in one member: about 64 KiB compressed.
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("dmidecode.txt")
        info.size = 64 * 1024 * 1024
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    return buffer.getvalue()


HOSTILE = {
    "empty body": (b"", "the report is empty"),
    "not gzip": (b"hello, I am not an archive" * 10, "not gzip data"),
    "binary garbage": (b"\x1f\x8b" + bytes(range(256)) * 4, "gzip data is corrupt"),
    "truncated gzip": (_good()[:-40], "truncated"),
    "gzip of garbage": (gzip.compress(b"\x00\xff" * 600), "not a valid tar archive"),
    "path traversal": (archive({"../../etc/cron.d/evil": "x"}, prefix=""), "not a report file"),
    "absolute path": (archive({"/etc/passwd": "x"}, prefix=""), "not a report file"),
    "nested path": (archive({"sub/dmidecode.txt": "x"}), "not a report file"),
    "unknown tool": (archive({"rm-rf.txt": "x", "dmidecode.txt": "x"}), "'./rm-rf.txt'"),
    "symlink": (_symlink(), "not a regular file"),
    "hard link": (_hardlink(), "not a regular file"),
    "invalid UTF-8": (archive({"dmidecode.txt": b"System \xff\xfe Information"}), "not UTF-8"),
    "NUL bytes": (archive({"lspci.txt": b"00:00.0 Host\x00bridge"}), "binary data"),
    "archive bomb": (_bomb(), "unpacks to more than"),
    "no identity": (archive({"meminfo.txt": "MemTotal: 1024 kB\n"}), "identifies no machine"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_upload_is_refused_and_changes_nothing(
    client: FlaskClient, session: Session, case: str
) -> None:
    assert _post(client, _good()).status_code == 201  # something to leave alone
    before = _counts(session)
    body, message = HOSTILE[case]
    response = _post(client, body)
    assert 400 <= response.status_code < 500, response.get_json()
    assert message in response.get_json()["error"]["message"]
    assert _counts(session) == before


def test_duplicate_member_names_are_refused() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for text in (b"one", b"two"):
            info = tarfile.TarInfo("./dmidecode.txt")
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))
    with pytest.raises(ReportRejected, match="appears twice"):
        unpack_report(buffer.getvalue())


def test_limits_on_members_and_files() -> None:
    files = {f"ethtool-eth{i}.txt": "driver: ixgbe\n" for i in range(20)}
    with pytest.raises(ReportRejected, match="more than 10 files"):
        unpack_report(archive(files), Limits(files=10))
    with pytest.raises(ReportRejected, match="larger than 100 bytes"):
        unpack_report(archive({"lspci.txt": "x" * 101}), Limits(file_bytes=100))


def test_oversized_body_is_413(client: FlaskClient, session: Session) -> None:
    before = _counts(session)
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    response = _post(client, b"\x1f\x8b" + bytes(limit))
    assert response.status_code == 413
    assert "larger than" in response.get_json()["error"]["message"]
    assert _counts(session) == before


def test_wrong_content_type_is_415(client: FlaskClient, session: Session) -> None:
    response = _post(client, _good(), headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    assert "application/gzip" in response.get_json()["error"]["message"]
    assert _counts(session) == (0, 0, 0, 0)


def test_reports_only_from_trusted_networks_or_with_credentials(
    client: FlaskClient, session: Session, reader: Credentials
) -> None:
    untrusted = {"REMOTE_ADDR": "198.51.100.7"}
    response = _post(client, _good(), environ_base=untrusted)
    assert response.status_code == 401
    assert _counts(session) == (0, 0, 0, 0)
    # Any authenticated user may report (an agent with a token, outside the
    # trusted networks); the report is the machine's own word, not an admin act.
    response = _post(client, _good(), headers=GZIP | reader.bearer, environ_base=untrusted)
    assert response.status_code == 201
    assert response.get_json()["machine"]["serial"] == "GOOD1"


def test_a_good_report_answers_what_it_did(client: FlaskClient) -> None:
    response = _post(client, _good())
    assert response.status_code == 201
    body = response.get_json()
    assert body["created"] is True and body["stored"] is True
    assert body["machine"]["url"].endswith("/api/v1/machines/GOOD1")
    again = _post(client, _good())
    assert again.status_code == 200
    assert again.get_json()["created"] is False
    assert again.get_json()["machine"]["id"] == body["machine"]["id"]
