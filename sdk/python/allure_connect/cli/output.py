"""What the CLI prints: JSON for scripts, rich tables for people, errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

err = Console(stderr=True)


def plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(plain(value), indent=2) + "\n")


def print_table(title: str, columns: Sequence[str], rows: Iterable[BaseModel | dict[str, Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        data = plain(row)
        table.add_row(*("" if data.get(c) is None else str(data.get(c)) for c in columns))
    Console().print(table)


def print_fields(value: BaseModel | dict[str, Any]) -> None:
    table = Table(show_header=False)
    for name, field in plain(value).items():
        table.add_row(name, json.dumps(field) if isinstance(field, dict | list) else str(field))
    Console().print(table)


def print_error(error: Exception) -> None:
    """One line for people, then the details (field errors, limits) as JSON when there are any."""
    sys.stderr.write(f"error: {error}\n")
    details = getattr(error, "details", None)
    if details:
        sys.stderr.write(json.dumps(details, indent=2) + "\n")
