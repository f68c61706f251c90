"""Who is looking: the API's users, logged in with a signed session cookie.

The cookie is Flask's signed session (HttpOnly, SameSite=Lax, Secure when the
request came over TLS), signed with a key derived from the server's secret key
file, so every worker and every server sharing the data directory accepts it.
It holds the login and a digest of the user's password hash: a changed password,
a removed user or a lost admin flag ends the session at the next request.
Every form carries the session's CSRF token; a POST without it is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Request, abort, g, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select
from sqlalchemy.orm import Session

from oci.models import User
from oci.security.vault import load_or_create_key

SESSION_COOKIE = "oci_session"
_CSRF = "csrf"


@dataclass(frozen=True)
class Viewer:
    login: str
    is_admin: bool


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure only when the request came over TLS
    (behind a TLS-terminating proxy that sets X-Forwarded-Proto, gunicorn says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def init_app(app: Flask, secret_key_file: Path) -> None:
    """Sign sessions with a key derived from the server's secret key (never the key itself)."""
    key = load_or_create_key(secret_key_file)
    app.secret_key = hmac.new(key, b"oci web session", hashlib.sha256).hexdigest()
    app.session_interface = _Sessions()
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/ui",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
    )


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def log_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session["login"] = user.login
    session["pw"] = _fingerprint(user)
    session[_CSRF] = secrets.token_urlsafe(32)


def log_out() -> None:
    session.clear()


def viewer(db: Session) -> Viewer | None:
    """The logged-in user, checked against the users table on each request."""
    login = session.get("login")
    if not isinstance(login, str):
        return None
    user = db.scalar(select(User).where(User.login == login))
    if user is None or not hmac.compare_digest(session.get("pw", ""), _fingerprint(user)):
        session.clear()
        return None
    return Viewer(user.login, user.is_admin)


def csrf_token() -> str:
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = session[_CSRF] = secrets.token_urlsafe(32)
    return token


def check_csrf(req: Request) -> None:
    """400 unless the form's token is the session's (every POST of the dashboard)."""
    sent = req.form.get("csrf_token", "")
    token = session.get(_CSRF)
    if not isinstance(token, str) or not hmac.compare_digest(sent, token):
        abort(400, "the form has expired or did not come from this page: load it again")


def current() -> Viewer | None:
    found: Viewer | None = g.get("viewer")
    return found
