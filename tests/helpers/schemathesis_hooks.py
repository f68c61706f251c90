"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.helpers.schemathesis_hooks): bodies for the
discovery upload, whose ``application/gzip`` Schemathesis cannot make by itself.

The document says what the server takes (a gzip-compressed tar of report files, see
oci/ingest/contract.py); this says how to make one. The bodies mix bytes that are no
gzip at all, gzip that holds no tar, and tars of report files: real captures from
tests/fixtures/hardware, some of them with one file replaced by generated text.
Everything is built from Hypothesis draws only (mtime 0), so a seed replays it.
"""

from __future__ import annotations

import gzip
import io
import tarfile

import schemathesis
from hypothesis import strategies as st

from oci.ingest.contract import REPORT_FILES
from tests.helpers.paths import FIXTURES

CAPTURES = ("qemu-q35-fake-server", "dell-poweredge-r740-4da16fd4")
NAMES = [*sorted(REPORT_FILES), "commands.txt", "agent.txt", "ssh-host-keys.txt", "lscpu.txt.err"]


def _capture(name: str) -> dict[str, bytes]:
    folder = FIXTURES / name
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "SOURCE.txt"}


def _tar_gz(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            member.mtime = 0
            archive.addfile(member, io.BytesIO(data))
    return gzip.compress(out.getvalue(), mtime=0)


_text = st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass"))
_files = st.dictionaries(
    st.sampled_from(NAMES) | st.text(min_size=1, max_size=20), _text, max_size=4
)


@st.composite
def _changed_capture(draw: st.DrawFn) -> dict[str, bytes]:
    files = _capture(draw(st.sampled_from(CAPTURES)))
    name = draw(st.sampled_from(sorted(files)))
    files[name] = draw(_text)
    return files


REPORTS = st.one_of(
    st.binary(max_size=256),  # not gzip
    st.binary(max_size=256).map(lambda b: gzip.compress(b, mtime=0)),  # gzip, not a tar
    _files.map(_tar_gz),  # a tar of report-like files
    st.sampled_from(CAPTURES).map(_capture).map(_tar_gz),  # a real report
    _changed_capture().map(_tar_gz),  # a real report with one file replaced
)

schemathesis.openapi.media_type("application/gzip", REPORTS, aliases=["application/x-gzip"])
