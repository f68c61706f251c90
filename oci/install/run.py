"""Drive the installer in a live system over SSH: push the bundle, start it, read its log.

The installer runs detached in the live system (it outlives this SSH
session: an install takes minutes and the API call must not), writing
everything to LOG. It reports `installed` or `install-failed` itself through
the status endpoint; here we only start it and read what it wrote.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import paramiko

from oci import remote

__all__ = ["LOG", "LogChunk", "read_log", "reboot", "start"]

LOG = "/var/log/oci-install.log"
CHUNK = 64 * 1024  # at most this much log per read: a follower asks again


@dataclass(frozen=True)
class LogChunk:
    text: str
    offset: int  # where the next read starts
    size: int  # the log's whole size now


def _check(result: remote.CommandResult, what: str, target: remote.Target) -> None:
    if result.exit_status != 0:
        why = (result.stderr or result.stdout).strip().splitlines()
        raise remote.RemoteError(
            f"{what} on {target.where} failed (exit {result.exit_status})"
            + (f": {why[-1]}" if why else "")
        )


def start(
    target: remote.Target,
    key: paramiko.PKey,
    bundle: bytes,
    bundle_dir: str,
    command: str,
    log: str = LOG,
) -> None:
    """Unpack `bundle` (a gzip tar) into `bundle_dir` and start `command` there in
    the background, its output going to `log`. Returns once it runs."""
    directory = shlex.quote(bundle_dir)
    unpack = f"rm -rf {directory} && mkdir -m 0700 -p {directory} && tar -xzf - -C {directory}"
    # Detached: setsid + nohup and no inherited stdio, so closing the SSH
    # channel neither waits for nor kills the installer. `: > log` first,
    # so a follower never reads the previous attempt's tail.
    detached = (
        f": > {shlex.quote(log)} && "
        f"cd {directory} && "
        f"{{ nohup setsid sh -c {shlex.quote(command)} "
        f"> {shlex.quote(log)} 2>&1 < /dev/null & }} && echo started"
    )
    with remote.session(target, key) as ssh:
        _check(remote.run(ssh, unpack, stdin=bundle, timeout=120), "unpacking the bundle", target)
        result = remote.run(ssh, detached, timeout=60)
        _check(result, "starting the installer", target)


def read_log(
    target: remote.Target, key: paramiko.PKey, offset: int = 0, log: str = LOG
) -> LogChunk:
    """The log from byte `offset` on (at most CHUNK bytes of it)."""
    path = shlex.quote(log)
    # One round trip: the size first (a line), then the bytes asked for.
    command = (
        f"test -f {path} || {{ echo 'no installer log: was machine-install-os run?' >&2; "
        "exit 3; }; "
        f"wc -c < {path}; tail -c +{offset + 1} {path} | head -c {CHUNK}"
    )
    with remote.session(target, key) as ssh:
        channel_in, channel_out, channel_err = ssh.exec_command(command, timeout=60)
        channel_in.channel.shutdown_write()
        raw = channel_out.read()
        err = channel_err.read().decode(errors="replace")
        status = channel_out.channel.recv_exit_status()
    if status != 0:
        _check(remote.CommandResult(status, "", err), "reading the installer log", target)
    head, _, data = raw.partition(b"\n")
    size = int(head.strip() or b"0")
    return LogChunk(data.decode(errors="replace"), offset + len(data), size)


def reboot(target: remote.Target, key: paramiko.PKey) -> None:
    """Reboot the machine a moment after the SSH session ends (so it ends cleanly)."""
    with remote.session(target, key) as ssh:
        result = remote.run(
            ssh,
            "nohup setsid sh -c 'sleep 2; systemctl reboot || reboot -f' "
            "> /dev/null 2>&1 < /dev/null & echo rebooting",
            timeout=30,
        )
        _check(result, "rebooting", target)
