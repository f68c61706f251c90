"""``oci serve``: the app under gunicorn, one engine per worker process."""

from __future__ import annotations

from typing import Any

import click
from gunicorn.app.base import BaseApplication

from oci.admin import context
from oci.api.limits import SERVER_REQUEST_LINE_BYTES
from oci.config import Settings
from oci.security.vault import Vault, VaultError


class _Server(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Built in each worker after the fork: database connections are never
        # shared between processes.
        from oci.api.app import create_app

        return create_app(self.settings)


# Seconds: ocicli waits as long for a RAID build (oci/cli/raid.py).
WORKER_SILENCE_LIMIT = 1800


def run(settings: Settings, *, host: str, port: int, workers: int) -> None:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": bind,
        "workers": workers,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        # A worker silent this long is killed. Some routes drive a live system or a
        # BMC for minutes (a RAID build, machine-apply-ipmi, machine-wipe), each
        # step bounded by its own limit: killed half-way, they would leave a
        # controller half-built and no event saying what ran. So the limit is
        # the longest of those runs, not a typical request's.
        "timeout": WORKER_SILENCE_LIMIT,
        "graceful_timeout": 10,
        "proc_name": "oci-server",
        # Long URLs reach the app, which refuses them as JSON (oci/api/limits.py).
        "limit_request_line": SERVER_REQUEST_LINE_BYTES,
    }
    if settings.trusted_proxies:
        # Behind haproxy's send-proxy: the PROXY header names the client, so that
        # trusted_networks and a report's source see it, not the balancer. Only
        # these addresses may send one; direct plain HTTP still works.
        options["proxy_protocol"] = True
        options["proxy_allow_ips"] = ",".join(settings.trusted_proxies)
    _Server(settings, options).run()


@click.command()
@click.option("--host", help="Address to listen on [default: listen_host setting].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: listen_port].")
@click.option("--workers", type=click.IntRange(1, 64), help="Server processes [default: workers].")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the API server (gunicorn) in the foreground."""
    settings = context.settings()
    with context.engine(settings.effective_database_url) as engine:
        context.require_current_schema(engine, settings.effective_database_url)
    # Read or create the secret key once, before the workers start, so a bad
    # key file stops the server with a message instead of failing each worker.
    try:
        Vault.from_file(settings.effective_secret_key_file)
    except (VaultError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    run(
        settings,
        host=host or settings.listen_host,
        port=port or settings.listen_port,
        workers=workers or settings.workers,
    )
