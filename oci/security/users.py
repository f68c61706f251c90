# Writes: users and API tokens.
"""Users and API tokens: creation, listing, deletion and credential checks."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from oci.errors import Conflict, Invalid, NotFound
from oci.models import ApiToken, User

LOGIN_PATTERN = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "oci_"


@functools.cache
def _dummy_hash() -> str:
    """Checked when the login is unknown, so that a wrong login costs the same
    time as a wrong password and logins cannot be probed by timing."""
    return generate_password_hash("not a password")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(session: Session, login: str, password: str, *, admin: bool) -> User:
    if not LOGIN_PATTERN.match(login):
        raise Invalid(
            f"invalid login {login!r}: use 1-64 lower-case letters, digits, '_', '.', '-'"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User).where(User.login == login)) is not None:
        raise Conflict(f"user {login!r} already exists")
    user = User(login=login, password_hash=generate_password_hash(password), is_admin=admin)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(f"no user named {login!r}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.login)))


def delete_user(session: Session, login: str) -> None:
    session.delete(get_user(session, login))


def set_password(session: Session, login: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    get_user(session, login).password_hash = generate_password_hash(password)


def create_token(session: Session, user: User) -> str:
    """A new API token for ``user``; only its hash is stored, so show it now or never."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_hash=hash_token(token)))
    session.flush()
    return token


def check_password(session: Session, login: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def check_token(session: Session, token: str) -> User | None:
    digest = hash_token(token)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row.user
