"""Unpack an uploaded report safely: the upload is hostile until proven otherwise.

The agent sends a gzip-compressed tar of its output files. This module turns
those bytes into ``{file name: text}`` or raises `ReportRejected` naming the
problem, before anything reaches the database. Defences:

- one gzip stream and nothing after it: trailing bytes are refused, not ignored;
- decompression is bounded (`Limits.unpacked_bytes`): a gzip bomb stops at the
  limit instead of filling memory;
- only regular files with names from the report contract, at the top level:
  no paths, links, devices or duplicate names;
- each file must be UTF-8 text without NUL bytes.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from dataclasses import dataclass

from oci.ingest.contract import is_report_file

__all__ = ["Limits", "MalformedUpload", "ReportRejected", "unpack_report"]


class ReportRejected(ValueError):
    """The upload is not a report we accept; the message says why, for the agent's console."""


class MalformedUpload(ReportRejected):
    """The body is not one whole gzip stream: a broken request rather than a bad report."""


@dataclass(frozen=True)
class Limits:
    unpacked_bytes: int = 32 * 1024 * 1024  # whole tar stream after gunzip
    file_bytes: int = 16 * 1024 * 1024  # one member
    files: int = 512  # ethtool-<nic>.txt for many NICs, plus their .err


def _gunzip(data: bytes, limit: int) -> bytes:
    if data[:2] != b"\x1f\x8b":
        raise MalformedUpload(
            "the report is not gzip data: send a gzip-compressed tar (tar -czf) "
            "with Content-Type: application/gzip"
        )
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        unpacked = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise MalformedUpload(f"the report's gzip data is corrupt ({exc})") from exc
    if len(unpacked) > limit or inflater.unconsumed_tail:
        raise ReportRejected(f"the report unpacks to more than {limit} bytes")
    if not inflater.eof:
        raise MalformedUpload("the report's gzip data is truncated")
    if inflater.unused_data:
        # A second gzip member or appended bytes: never part of what the agent sends.
        raise MalformedUpload(
            f"the report has {len(inflater.unused_data)} byte(s) after the end of "
            "the gzip stream: send one gzip-compressed tar and nothing else"
        )
    return unpacked


def _member_name(member: tarfile.TarInfo) -> str:
    name = member.name
    while name.startswith("./"):
        name = name[2:]
    return name


def _decode(name: str, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportRejected(f"{name}: not UTF-8 text (byte {exc.start})") from exc
    if "\x00" in text:
        raise ReportRejected(f"{name}: binary data (a NUL byte at {text.index(chr(0))})")
    return text


def unpack_report(data: bytes, limits: Limits | None = None) -> dict[str, str]:
    """The report's files as text, by name; `ReportRejected` for anything else."""
    limits = limits or Limits()
    if not data:
        raise ReportRejected("the report is empty")
    tar_bytes = _gunzip(data, limits.unpacked_bytes)
    files: dict[str, str] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as archive:
            for count, member in enumerate(archive, start=1):
                if count > limits.files:
                    raise ReportRejected(f"the report holds more than {limits.files} files")
                name = _member_name(member)
                if member.isdir() and name in ("", "."):
                    continue  # the archive's own top directory
                if not member.isfile():
                    raise ReportRejected(f"{member.name!r}: not a regular file")
                if not is_report_file(name):
                    raise ReportRejected(
                        f"{member.name!r}: not a report file name "
                        "(see oci/ingest/contract.py for the accepted names)"
                    )
                if name in files:
                    raise ReportRejected(f"{name}: appears twice in the report")
                if member.size > limits.file_bytes:
                    raise ReportRejected(f"{name}: larger than {limits.file_bytes} bytes")
                stream = archive.extractfile(member)
                raw = stream.read() if stream is not None else b""
                if len(raw) != member.size:
                    raise ReportRejected(f"{name}: truncated")
                files[name] = _decode(name, raw)
    except tarfile.TarError as exc:
        raise ReportRejected(f"the report is not a valid tar archive ({exc})") from exc
    if not files:
        raise ReportRejected("the report holds no files")
    return files
