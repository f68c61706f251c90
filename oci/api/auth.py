"""Who is calling: credentials from the Authorization header only, checked per route."""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass

from flask import current_app, g, request
from werkzeug.exceptions import NotFound as RouteNotFound

from oci.api.endpoint import Access, spec_of
from oci.api.session import db
from oci.errors import BadRequest, Forbidden, Unauthorized
from oci.security.users import check_password, check_token

# Parameter names that would put a credential in a URL, where proxies and
# server logs keep it. They are refused outright rather than ignored.
CREDENTIAL_PARAMS = frozenset(
    {"password", "passwd", "token", "api_token", "api_key", "apikey", "access_token", "auth"}
)

HOW_TO_AUTHENTICATE = (
    "send HTTP basic credentials or 'Authorization: Bearer <token>' "
    "(ocicli: OCI_LOGIN/OCI_PASSWORD or OCI_API_TOKEN)"
)


@dataclass(frozen=True)
class Caller:
    login: str
    is_admin: bool


def _authenticate() -> Caller | None:
    """The caller named by the Authorization header, None if there is none."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("malformed HTTP basic credentials") from exc
        login, sep, password = decoded.partition(":")
        usable = sep and "\x00" not in login and len(login) <= 64
        user = check_password(db(), login, password) if usable else None
        if user is None:
            raise Unauthorized("wrong login or password")
    elif scheme == "bearer":
        token = value.strip()
        user = check_token(db(), token) if "\x00" not in token else None
        if user is None:
            raise Unauthorized("unknown or revoked API token")
    else:
        raise Unauthorized(f"unsupported Authorization scheme {scheme!r}; {HOW_TO_AUTHENTICATE}")
    return Caller(login=user.login, is_admin=user.is_admin)


def source_is_trusted() -> bool:
    networks = current_app.config["OCI_TRUSTED_NETWORKS"]
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def enforce_access() -> None:
    """before_request hook: refuse the call unless the route's access rule allows it."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        raise BadRequest("the URL holds a NUL character")
    leaked = CREDENTIAL_PARAMS.intersection(key.lower() for key in request.args)
    if leaked:
        raise BadRequest(
            f"credentials are never accepted in the URL ({', '.join(sorted(leaked))}); "
            + HOW_TO_AUTHENTICATE,
        )
    if request.url_rule is None:  # no route, or not this method: Flask's own 404/405
        raise request.routing_exception or RouteNotFound()
    if request.blueprint == "web":
        # The dashboard logs in by session cookie: oci/web/views.py checks every
        # route of its blueprint but the login form and the stylesheet (fail closed).
        return
    view = current_app.view_functions[request.url_rule.endpoint]
    spec = spec_of(view, request.method)
    # Fail closed: a route declared without @endpoint needs an admin.
    access = spec.access if spec is not None else Access.WRITE
    if access is Access.PUBLIC:
        g.caller = None
        return
    caller = _authenticate()
    g.caller = caller
    if caller is None:
        if access is Access.TRUSTED and source_is_trusted():
            return
        raise Unauthorized("authentication required: " + HOW_TO_AUTHENTICATE)
    if access in (Access.WRITE, Access.SECRET) and not caller.is_admin:
        raise Forbidden(
            f"user {caller.login!r} may only read; this needs an admin (oci user add LOGIN --admin)"
        )
