"""``oci user``: the users who may call the API, and their tokens."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from oci.admin import context
from oci.security import users


@click.group()
def user() -> None:
    """Manage the users who may call the API."""


def _read_password(login: str) -> str:
    password = os.environ.get("OCI_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise click.ClickException("no password: set OCI_PASSWORD or run in a terminal")
    return click.prompt(f"Password for {login}", hide_input=True, confirmation_prompt=True)


@user.command("add")
@click.argument("login")
@click.option("--admin", is_flag=True, help="May change the inventory and read secrets.")
@click.option("--token", is_flag=True, help="Also create an API token and print it once.")
def user_add(login: str, admin: bool, token: bool) -> None:
    """Add user LOGIN; the password comes from OCI_PASSWORD or a prompt."""
    password = _read_password(login)
    with context.session() as session:
        created = users.add_user(session, login, password, admin=admin)
        secret = users.create_token(session, created) if token else None
    click.echo(f"added {'admin' if admin else 'read-only'} user {login}")
    if secret:
        click.echo(f"API token (shown once, store it now): {secret}")


@user.command("token")
@click.argument("login")
def user_token(login: str) -> None:
    """Create another API token for LOGIN and print it once."""
    with context.session() as session:
        secret = users.create_token(session, users.get_user(session, login))
    click.echo(secret)


@user.command("list")
def user_list() -> None:
    """List users."""
    with context.session() as session:
        rows: list[Any] = users.list_users(session)
        for row in rows:
            kind = "admin" if row.is_admin else "read-only"
            click.echo(f"{row.login}\t{kind}\t{len(row.tokens)} token(s)")


@user.command("delete")
@click.argument("login")
def user_delete(login: str) -> None:
    """Delete user LOGIN and revoke their tokens."""
    with context.session() as session:
        users.delete_user(session, login)
    click.echo(f"deleted user {login}")


@user.command("passwd")
@click.argument("login")
def user_passwd(login: str) -> None:
    """Set LOGIN's password from OCI_PASSWORD or a prompt."""
    password = _read_password(login)
    with context.session() as session:
        users.set_password(session, login, password)
    click.echo(f"password of {login} changed")
