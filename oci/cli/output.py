"""Printing API objects as table, JSON, YAML, value or CSV (``-f`` and ``-c``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import click
import yaml
from prettytable import PrettyTable

FORMATS = ("table", "json", "yaml", "value", "csv")


def _select(obj: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    return {column: obj.get(column) for column in columns}


def check_columns(wanted: Sequence[str], available: Sequence[str]) -> None:
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise click.UsageError(
            f"unknown column(s) {', '.join(unknown)}; available: {', '.join(available)}"
        )


def cell(value: Any) -> str:
    """One value as text: references by name, lists one item per line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if {"id", "name", "url"} <= value.keys():
            return str(value["name"])
        return " ".join(f"{k}={cell(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return "\n".join(cell(item) for item in value)
    return str(value)


def render_list(
    items: list[dict[str, Any]], fmt: str, columns: Sequence[str], default: Sequence[str]
) -> str:
    if columns and items:  # with no items there is nothing to check against
        check_columns(columns, list(items[0]))
    shown = list(columns) or list(default)
    if fmt == "json":
        data = [_select(i, columns) for i in items] if columns else items
        return json.dumps(data, indent=2)
    if fmt == "yaml":
        data = [_select(i, columns) for i in items] if columns else items
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n")
    if fmt == "value":
        return "\n".join(" ".join(cell(i.get(c)) for c in shown) for i in items)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(shown)
        writer.writerows([cell(i.get(c)) for c in shown] for i in items)
        return buffer.getvalue().rstrip("\n")
    table = PrettyTable(field_names=shown)
    table.align = "l"
    for item in items:
        table.add_row([cell(item.get(c)) for c in shown])
    return table.get_string()


def render_object(obj: dict[str, Any], fmt: str, columns: Sequence[str]) -> str:
    if columns:
        check_columns(columns, list(obj))
        obj = _select(obj, columns)
    if fmt == "json":
        return json.dumps(obj, indent=2)
    if fmt == "yaml":
        return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True).rstrip("\n")
    if fmt == "value":
        return "\n".join(cell(v) for v in obj.values())
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(obj))
        writer.writerow([cell(v) for v in obj.values()])
        return buffer.getvalue().rstrip("\n")
    table = PrettyTable(field_names=["Field", "Value"])
    table.align = "l"
    for key, value in obj.items():
        table.add_row([key, cell(value)])
    return table.get_string()
