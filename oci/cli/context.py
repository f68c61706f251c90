"""What every ocicli command shares: the API client from options, environment and
configuration file; name completion; output options; the set each noun module
registers its commands in (oci/cli/main.py adds them to ``ocicli``)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from click.shell_completion import CompletionItem

from oci.cli.client import ApiClient, ApiError
from oci.cli.output import FORMATS, check_columns, render_list, render_object

DEFAULT_API_URL = "http://127.0.0.1:8080"
CONFIG_KEYS = ("api_url", "login", "password", "token")


def _config_file(explicit: str | None) -> dict[str, Any]:
    candidates = (
        [Path(explicit)]
        if explicit
        else [
            Path.home() / ".config" / "oci" / "ocicli.toml",
            Path("/etc/oci/ocicli.toml"),
        ]
    )
    for path in candidates:
        if path.is_file():
            try:
                values = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise click.ClickException(f"cannot read {path}: {exc}") from exc
            unknown = sorted(set(values) - set(CONFIG_KEYS))
            if unknown:
                raise click.ClickException(
                    f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(CONFIG_KEYS)}"
                )
            return values
        if explicit:
            raise click.ClickException(f"configuration file {path} does not exist")
    return {}


def client_from(ctx: click.Context) -> ApiClient:
    """The API client for the root options, env variables and config file of ``ctx``."""
    root = ctx.find_root()
    params = root.params
    cache: dict[str, ApiClient] = root.meta.setdefault("ocicli.client", {})
    if "client" not in cache:
        stored = _config_file(params.get("config"))
        url = params.get("api_url") or stored.get("api_url") or DEFAULT_API_URL
        login, password, token = _credentials(root, stored)
        cache["client"] = ApiClient(
            base_url=url,
            login=login,
            password=password,
            token=token,
            timeout=params.get("timeout") or 30.0,
            notice=lambda line: click.echo(line, err=True),
        )
    return cache["client"]


def _credentials(
    root: click.Context, stored: dict[str, Any]
) -> tuple[str | None, str | None, str | None]:
    """(login, password, token) from the one source that ranks first.

    Options beat variables, which beat the file, as a whole: a password given
    on the command line is never overridden by a token left in the environment.
    Within one source, a token and a password together are ambiguous.
    """
    levels: list[dict[str, Any]] = [{}, {}]
    for name in ("login", "password", "token"):
        value = root.params.get(name)
        if value is None:
            continue
        source = root.get_parameter_source(name)
        levels[0 if source is ParameterSource.COMMANDLINE else 1][name] = value
    levels.append({k: v for k, v in stored.items() if k in ("login", "password", "token")})
    names = ("options", "environment (OCI_PASSWORD and OCI_API_TOKEN)", "configuration file")
    for level, where in zip(levels, names, strict=True):
        if "token" in level and "password" in level:
            raise click.UsageError(
                f"both a token and a password come from the {where}; give only one"
            )
        if "token" in level or "password" in level:
            login = level.get("login") or root.params.get("login") or stored.get("login")
            return login, level.get("password"), level.get("token")
    return None, None, None


def completer(resource: str, field: str = "name") -> Callable[..., list[CompletionItem]]:
    """Complete names of ``resource`` from the server; nothing if it cannot be reached."""

    def complete(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
        try:
            client = client_from(ctx)
            client.timeout = 3.0
            values = (item.get(field) for item in client.iterate(ApiClient.path(resource)))
            return [CompletionItem(v) for v in values if v and str(v).startswith(incomplete)]
        except (ApiError, click.ClickException):
            return []

    return complete


def output_options() -> Callable[[Any], Any]:
    """``-f FORMAT`` and repeatable ``-c COLUMN``; each command passes its own default
    columns when it renders."""

    def wrap(fn: Any) -> Any:
        fn = click.option(
            "-c",
            "--column",
            "columns",
            multiple=True,
            help="Show only this field (repeatable). Names are the API's JSON keys.",
        )(fn)
        fn = click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default="table",
            show_default=True,
            help="Output format.",
        )(fn)
        return fn

    return wrap


def list_and_emit(
    ctx: click.Context,
    resource: str | tuple[str, ...],
    fmt: str,
    columns: tuple[str, ...],
    default: tuple[str, ...],
    **filters: Any,
) -> None:
    """Fetch every item of ``resource`` (a path's parts) and print them as asked."""
    client = client_from(ctx)
    path = ApiClient.path(*((resource,) if isinstance(resource, str) else resource))
    items = list(client.iterate(path, **filters))
    if columns and not items:
        # No item to check -c against: the API's own schema says which fields exist,
        # so a typo in a script fails today, not when the first item appears.
        check_columns(columns, client.list_fields(path))
    text = render_list(items, fmt, columns, default)
    if text:
        click.echo(text)


def emit_object(obj: dict[str, Any], fmt: str, columns: tuple[str, ...]) -> None:
    click.echo(render_object(obj, fmt, columns))


class CommandSet(list[click.Command]):
    """The commands of one noun module, made with ``@commands.command(NAME)``."""

    def command(
        self, name: str, cls: type[click.Command] = click.Command, **attrs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]:
        def decorator(function: Callable[..., Any]) -> click.Command:
            made = click.command(name, cls, **attrs)(function)
            self.append(made)
            return made

        return decorator
