"""The Flask application factory."""

from __future__ import annotations

import ipaddress
import logging

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from oci.api import (
    bmc,
    boot,
    certificates,
    clusters,
    discovery,
    enc,
    enrolment,
    events,
    install,
    locations,
    machine_commands,
    machines,
    meta,
    networks,
    oci_report,
    profiles,
    raid,
    roles,
    status,
    swift_regions,
    swift_rings,
)
from oci.api.auth import enforce_access
from oci.api.errors import register_error_handlers
from oci.api.limits import refuse_long_uri
from oci.api.session import init_sessions
from oci.config import Settings, load_settings
from oci.db import make_engine, make_sessionmaker
from oci.hooks import dispatch as hooks
from oci.security.pki import Pki
from oci.security.vault import Vault
from oci.web import login as web_login
from oci.web import views as web

API_PREFIX = "/api/v1"
BLUEPRINTS = (
    meta,
    machines,
    machine_commands,
    enrolment,
    bmc,
    certificates,
    status,
    install,
    events,
    discovery,
    enc,
    clusters,
    swift_regions,
    swift_rings,
    locations,
    networks,
    roles,
    profiles,
    raid,
)


class _AsciiInt(IntegerConverter):
    r"""``<int:...>`` of ASCII digits only: Werkzeug's ``\d+`` also matches other
    scripts' digits, which int() reads as ASCII ones (Arabic-Indic one is 1)."""

    regex = r"[0-9]+"


class _JsonProvider(DefaultJSONProvider):
    sort_keys = False  # answers keep the order of the models' fields


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from ``settings`` (default: defaults < file < environment)."""
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level)
    app = Flask("oci")
    app.json = _JsonProvider(app)
    app.config.update(
        OCI_SETTINGS=settings,
        OCI_TRUSTED_NETWORKS=[ipaddress.ip_network(n) for n in settings.trusted_networks],
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
    )
    engine = make_engine(settings.effective_database_url)
    app.extensions["oci_engine"] = engine
    app.extensions["oci_sessionmaker"] = factory = make_sessionmaker(engine)
    # Operators' hooks, run after the commits of this factory's sessions.
    app.extensions["oci_hooks"] = hooks.install(factory, settings)
    # The key that encrypts cluster secrets: read (or created) once, at start.
    app.extensions["oci_vault"] = Vault.from_file(settings.effective_secret_key_file)
    # The CAs are created on first use (the first machine-add), not at start.
    app.extensions["oci_pki"] = Pki(settings.pki_dir)
    init_sessions(app)
    register_error_handlers(app)
    app.url_map.strict_slashes = False
    app.url_map.converters["int"] = _AsciiInt
    app.before_request(refuse_long_uri)  # JSON 414, before the access check reads the URL
    # Every route, present and future, passes the access check (fail closed).
    app.before_request(enforce_access)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp, url_prefix=API_PREFIX)
    app.register_blueprint(boot.bp)  # /boot: what firmware fetches, outside the API
    # /oci/report.php: where OCI's own live images post their agent's report.
    app.register_blueprint(oci_report.bp)
    # /ui: the dashboard, logged in by session cookie (oci/web/), not in the API's document.
    web_login.init_app(app, settings.effective_secret_key_file)
    app.register_blueprint(web.bp, url_prefix="/ui")
    return app
