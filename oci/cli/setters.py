"""Shared shape of the *-set commands: typed options, ``--reset``, one PATCH body."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

YES_NO = click.Choice(["yes", "no"])


class SetCommand(click.Command):
    """A *-set command: an unknown option is refused with every valid one listed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            valid = sorted(
                name
                for param in self.params
                if isinstance(param, click.Option)
                for name in param.opts
                if name.startswith("--") and name != "--help"
            )
            # click's exceptions declare their message Final: a new one says it.
            raise click.NoSuchOption(
                exc.option_name,
                message=f"no such option: {exc.option_name}; valid options: {', '.join(valid)}",
                ctx=exc.ctx,
            ) from exc


def yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def reset_option(fields: Sequence[str]) -> Callable[[Any], Any]:
    return click.option(
        "--reset",
        "reset",
        multiple=True,
        type=click.Choice(list(fields)),
        metavar="OPTION",
        help="Put OPTION back to its default (repeatable); OPTION is its API name.",
    )


def patch_body(
    values: dict[str, Any], reset: Sequence[str], booleans: Sequence[str] = ()
) -> dict[str, Any]:
    """The PATCH body: options given, booleans as JSON booleans, resets as nulls."""
    body = {
        key: (yes_no(value) if key in booleans else value)
        for key, value in values.items()
        if value is not None and value != ()
    }
    for key in reset:
        if key in body:
            raise click.UsageError(f"{key} is both set and reset; choose one")
        body[key] = None
    if not body:
        raise click.UsageError("nothing to set; see --help for the options")
    return body
