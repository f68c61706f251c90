"""``oci serve``: the app under gunicorn, one engine per worker process."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from oci.config import Settings


class _Server(BaseApplication):  # type: ignore[misc]
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
        from oci.app import create_app

        return create_app(self.settings)


def run(settings: Settings, *, host: str, port: int, workers: int) -> None:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": bind,
        "workers": workers,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "timeout": 60,
        "graceful_timeout": 10,
        "proc_name": "oci-server",
    }
    _Server(settings, options).run()
