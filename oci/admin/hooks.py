"""``oci hook``: the operator's hooks, listed and run by hand."""

from __future__ import annotations

import sys
from typing import get_args

import click

from oci.admin import context
from oci.hooks.document import EVENTS, Event


@click.group("hook")
def hook() -> None:
    """Operators' hooks: executables run when a machine changes (OCI's plugins).

    \b
    Layout: HOOKS_DIR/EVENT/NAME, HOOKS_DIR being the setting hooks_dir
    (default /etc/oci/hooks.d). EVENT is one of:
      enrolled        machine-add (or hands-free enrolment) gave it a cluster,
                      a role, a host name and addresses
      installed       the installer reported the OS installed
      puppet-success  a Puppet run reported success (each run)
      puppet-failure  a Puppet run reported failure (each run)
      removed         machine-remove took it out of its cluster, or
                      machine-destroy forgot it ("destroyed": true), or
                      machine-replace put another in its place
      to-dns, out-of-dns, to-monitoring, out-of-monitoring
                      only when asked: ocicli machine-to-dns, machine-out-of-dns,
                      machine-to-monitoring, machine-out-of-monitoring (OCI's
                      plugins); they run at once and the command shows the outcome

    An event's hooks run after its change is committed (never for a change
    that was rolled back), in the lexical order of their names, one after the
    other, in a background thread of the server: the API answers without
    waiting. As with run-parts(8), a NAME is letters, digits, _ and - only
    (10-dns.dpkg-old is ignored), and must be executable. A hook runs with no
    argument, no shell, in /, with PATH, LANG, HOME and OCI_HOOK_EVENT only,
    and is killed (with its process group) after hook_timeout seconds
    (default 30).

    \b
    stdin is a JSON document (no secret in it):
      {"version": 1, "event": "enrolled", "time": "2025-01-31T12:00:00+00:00",
       "machine": {"id": 7, "serial": "5KXY123", "system_uuid": "...",
         "hostname": "cl1-compute-1.example.com", "cluster": "cl1",
         "domain": "example.com", "role": "compute", "location": "zone1",
         "status": "live", "product_name": "...", "hardware_profile": "...",
         "addresses": [{"network": "mgmt", "address": "192.168.101.2"}],
         "bmc_address": "192.168.100.7"}}
    Status events add "previous_status" and "message" (the node's word);
    "removed" adds "destroyed" and shows the machine as it was in its cluster.

    Each hook's outcome (exit status, duration, the end of its stderr, or
    "killed ... over its time limit") is a machine event of kind "hook"
    (ocicli event-list --kind hook). A failing hook changes nothing else: the
    machine goes on. The outcome for a destroyed machine goes to the log.
    """


@hook.command("list")
def hook_list() -> None:
    """List each event's hooks, in the order they run."""
    from oci.hooks.run import hooks_for

    settings = context.settings()
    if settings.hooks_dir is None:
        raise click.ClickException("hooks_dir is not set: no hooks run")
    for event in EVENTS:
        found = hooks_for(settings.hooks_dir, event)
        click.echo(f"{event}: {' '.join(str(p) for p in found) or '(none)'}")


@hook.command("run")
@click.argument("event", type=click.Choice(get_args(Event)))
@click.argument("machine")
def hook_run(event: Event, machine: str) -> None:
    """Run EVENT's hooks for MACHINE now, with the machine as it is, and wait.

    OCI's machine-to-dns and machine-to-monitoring: to try a new hook, or to
    catch up after one failed. Each outcome is recorded and printed; the exit
    status is 1 if any hook failed. MACHINE is a serial, host name, UUID or id.
    """
    from oci.hooks.dispatch import Dispatcher
    from oci.hooks.document import make_job
    from oci.inventory.machines import machine_by_key

    settings = context.settings()
    if settings.hooks_dir is None:
        raise click.ClickException("hooks_dir is not set: no hooks run")
    with context.sessions() as factory:
        with factory() as session:
            job = make_job(event, machine_by_key(session, machine))
        dispatcher = Dispatcher(factory, settings.hooks_dir, settings.hook_timeout)
        outcomes = dispatcher.run_now(job)
        dispatcher.shutdown()
    for outcome in outcomes:
        click.echo(outcome.summary(event))
    if not outcomes:
        click.echo(f"no hook in {settings.hooks_dir / event}")
    if any(not outcome.ok for outcome in outcomes):
        sys.exit(1)
