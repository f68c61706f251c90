"""The agent uploading to a real HTTP server that answers scripted statuses.

Back-off and interval are made short with --retry-min/--retry-max/--interval;
nothing here asserts on durations. Each HTTP client the agent can use is tried:
curl, GNU wget, busybox nc (when neither is installed; busybox wget would cut
the gzip data at its first NUL byte, so the agent never uses it).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from oci.ingest.archive import unpack_report
from oci.ingest.contract import REPORT_FILES
from tests.helpers.agent import AGENT, SHELLS, make_bin, run_agent, shell_ids

ENDPOINT = "/api/v1/discovery/reports"
FAST = ["--retry-min", "0.05", "--retry-max", "0.2"]
ERROR_BODY = {
    "error": {"code": "invalid_report", "message": "dmidecode.txt: no serial", "details": {}}
}


class Recorder:
    """An HTTP server on 127.0.0.1 that records POSTs and answers from a script."""

    def __init__(self, statuses: list[int], port: int = 0) -> None:
        self.statuses = list(statuses)
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                recorder.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = recorder.statuses.pop(0) if recorder.statuses else 201
                answer = {"id": len(recorder.requests)} if status < 300 else ERROR_BODY
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Callable[..., Recorder]]:
    servers: list[Recorder] = []

    def start(statuses: list[int], port: int = 0) -> Recorder:
        server = Recorder(statuses, port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


CLIENTS = {
    "curl": {"curl": "curl"},
    "gnu-wget": {"wget": "wget"},
    # no curl, busybox's wget and nc: the agent must take nc
    "busybox-nc": {"wget": "busybox", "nc": "busybox"},
}


def client_bin(directory: Path, client: str) -> Path:
    """PATH for the agent: base tools, uname, and one HTTP client."""
    bin_dir = make_bin(directory, real=["uname"])
    for name, target in CLIENTS[client].items():
        path = shutil.which(target)
        if path is None:
            pytest.skip(f"no {target}")
        (bin_dir / name).symlink_to(path)
    return bin_dir


def members(body: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        return archive.getnames()


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("shell", shell_ids())
def test_retries_on_503_then_sends(
    shell: str, client: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    server = recorder([503, 201])
    path = client_bin(tmp_path / "bin", client)
    result = run_agent(shell, ["--server", server.url, "--once", *FAST], path=path)
    assert result.returncode == 0, result.stderr
    assert len(server.requests) == 2
    assert "attempt 1 failed: HTTP 503" in result.stderr
    assert "retrying in" in result.stderr
    assert "report sent" in result.stderr
    request = server.requests[-1]
    assert request["path"] == ENDPOINT
    assert request["headers"]["Content-Type"] == "application/gzip"
    assert "Authorization" not in request["headers"]
    # what arrived is the whole archive, the server's unpacking accepts it
    files = unpack_report(request["body"])
    assert files["uname-m.txt"].strip()
    assert "0 uname-m.txt" in files["commands.txt"].splitlines()
    assert "127 dmidecode.txt" in files["commands.txt"].splitlines()
    assert sorted(members(request["body"])) == sorted(files)  # top level, no "./"


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("shell", shell_ids())
def test_gives_up_on_4xx_with_the_servers_message(
    shell: str, client: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    server = recorder([422])
    path = client_bin(tmp_path / "bin", client)
    result = run_agent(shell, ["--server", server.url, *FAST], path=path)
    assert result.returncode == 1
    assert len(server.requests) == 1  # no retry
    assert "refused the report (HTTP 422): dmidecode.txt: no serial" in result.stderr
    assert "retrying" not in result.stderr


@pytest.mark.parametrize("shell", shell_ids())
def test_keeps_reporting_every_interval(
    shell: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    """Without --once: report, wait, collect and report again, until a 4xx."""
    server = recorder([201, 200, 201, 400])
    path = client_bin(tmp_path / "bin", "curl")
    result = run_agent(shell, ["--server", server.url, "--interval", "0.05", *FAST], path=path)
    assert result.returncode == 1
    assert len(server.requests) == 4
    assert result.stderr.count("report sent") == 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("client", list(CLIENTS))
def test_waits_for_a_server_that_is_not_up_yet(
    client: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    port = free_port()
    path = client_bin(tmp_path / "bin", client)
    agent = subprocess.Popen(
        [
            shutil.which("dash") or pytest.skip("no dash"),
            AGENT,
            "--server",
            f"http://127.0.0.1:{port}/",
            "--once",
            "--retry-min",
            "0.1",
            "--retry-max",
            "0.1",
        ],
        env={"PATH": str(path)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = agent.stderr.readline()
        assert "attempt 1 failed: no answer from" in first
        server = recorder([201], port=port)
        rest = agent.stderr.read()
        assert agent.wait(timeout=30) == 0, rest
    finally:
        agent.kill()
        agent.wait()
    assert len(server.requests) == 1
    assert "report sent" in rest


@pytest.mark.parametrize("shell", shell_ids())
def test_token_and_server_from_the_kernel_command_line(
    shell: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    server = recorder([201, 201])
    path = client_bin(tmp_path / "bin", "curl")
    cmdline = tmp_path / "cmdline"
    cmdline.write_text(f"quiet oci.server={server.url} BOOTIF=01-52-54-00-12-34-56\n")
    env = {"OCI_AGENT_CMDLINE": str(cmdline), "OCI_SERVER": "http://127.0.0.1:9/"}
    result = run_agent(shell, ["--once", "--token", "s3cret"], path=path, env=env)
    assert result.returncode == 0, result.stderr
    env["OCI_AGENT_TOKEN"] = "from-env"
    result = run_agent(shell, ["--once"], path=path, env=env)
    assert result.returncode == 0, result.stderr
    first, second = server.requests
    assert first["headers"]["Authorization"] == "Bearer s3cret"
    assert second["headers"]["Authorization"] == "Bearer from-env"
    assert "boot_mac=52:54:00:12:34:56" in unpack_report(first["body"])["agent.txt"]


@pytest.mark.parametrize("shell", shell_ids())
def test_server_from_the_environment(
    shell: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    server = recorder([201])
    path = client_bin(tmp_path / "bin", "busybox-nc")
    env = {"OCI_AGENT_CMDLINE": "/nonexistent", "OCI_SERVER": server.url, "OCI_AGENT_TOKEN": "t"}
    result = run_agent(shell, ["--once"], path=path, env=env)
    assert result.returncode == 0, result.stderr
    assert server.requests[0]["headers"]["Authorization"] == "Bearer t"


def contract_dir(directory: Path) -> dict[str, bytes]:
    """Every file name the contract allows, with distinct contents."""
    names = [*sorted(REPORT_FILES), "ethtool-eth0.txt", "ethtool-enp1s0f1.txt"]
    names += [f"{name}.err" for name in names]
    names += ["commands.txt", "ssh-host-keys.txt", "agent.txt"]
    directory.mkdir()
    contents = {}
    for name in names:
        contents[name] = f"captured {name}\n  raw\ttext é\n".encode()
        (directory / name).write_bytes(contents[name])
    return contents


@pytest.mark.parametrize("shell", shell_ids())
def test_replay_sends_exactly_the_contract_files(
    shell: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    captured = tmp_path / "captured"
    expected = contract_dir(captured)
    for extra in ["notes.md", "dmidecode.txt.orig", "ethtool-bad nic.txt", ".hidden", "x.err"]:
        (captured / extra).write_text("not a report file\n")
    (captured / "lspci.txt.d").mkdir()
    server = recorder([201])
    path = client_bin(tmp_path / "bin", "curl")
    result = run_agent(
        shell, ["--replay", str(captured), "--server", server.url, "--once"], path=path
    )
    assert result.returncode == 0, result.stderr
    (request,) = server.requests
    files = unpack_report(request["body"])
    assert {name: text.encode() for name, text in files.items()} == expected
    for extra in ["notes.md", "dmidecode.txt.orig", "ethtool-bad nic.txt", ".hidden", "x.err"]:
        assert f"ignoring {captured / extra}" in result.stderr


@pytest.mark.parametrize("shell", shell_ids())
def test_replay_of_a_partial_or_empty_directory(
    shell: str, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    captured = tmp_path / "captured"
    captured.mkdir()
    (captured / "dmidecode.txt").write_text("Handle 0x0001\n")
    server = recorder([201])
    path = client_bin(tmp_path / "bin", "curl")
    args = ["--replay", str(captured), "--server", server.url, "--once"]
    assert run_agent(shell, args, path=path).returncode == 0
    assert unpack_report(server.requests[0]["body"]) == {"dmidecode.txt": "Handle 0x0001\n"}
    (captured / "dmidecode.txt").unlink()
    result = run_agent(shell, args, path=path)
    assert result.returncode == 1
    assert "no report files" in result.stderr
    assert len(server.requests) == 1


def sleeps_between(low: float, high: float) -> list[int]:
    """Processes `sleep N` with low <= N <= high (the agent's back-off waits)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(argv) >= 2 and argv[0].endswith(b"sleep"):
            try:
                if low <= float(argv[1]) <= high:
                    found.append(int(entry))
            except ValueError:
                pass
    return found


@pytest.mark.parametrize("shell", shell_ids())
def test_sigterm_while_waiting_cleans_up(shell: str, tmp_path: Path) -> None:
    """TERM during a back-off wait: exit 143, no temporary files, no sleep left."""
    path = client_bin(tmp_path / "bin", "curl")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    shell_argv = [shutil.which(SHELLS[shell][0]), *SHELLS[shell][1:]]
    args = [
        "--server",
        "http://127.0.0.1:9",
        "--once",
        "--retry-min",
        "41.2",
        "--retry-max",
        "41.2",
    ]
    agent = subprocess.Popen(
        [*shell_argv, AGENT, *args],
        env={"PATH": str(path), "TMPDIR": str(tmpdir)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "attempt 1 failed" in agent.stderr.readline()
        assert os.listdir(tmpdir)  # its private directory, while it runs
        time.sleep(0.5)  # into the wait (not a timing assertion)
        agent.terminate()
        assert agent.wait(timeout=10) == 143
    finally:
        agent.kill()
        agent.wait()
    assert os.listdir(tmpdir) == []
    # The killed sleep may take a moment to go on a loaded machine.
    deadline = time.monotonic() + 10
    while sleeps_between(41.2, 49.5) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sleeps_between(41.2, 49.5) == []
