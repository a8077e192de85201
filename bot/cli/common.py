"""What every verb shares: settings, the store, output formats and durations."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import click

from bot.clock import iso, utcnow
from bot.config import Settings, load_settings
from bot.csvsafe import to_csv
from bot.errors import InvalidInput
from bot.store import Store


def settings() -> Settings:
    return load_settings()


def open_store(s: Settings | None = None, *, init: bool = False) -> Store:
    """The store named by PREGONERO_DB. Without `init` a missing or empty database is a
    one-line error, never a new empty file that the running bot would not see."""
    s = s or settings()
    return Store.open(s.db, create=init)


def init_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--init", is_flag=True,
        help="Create the database (PREGONERO_DB) when it is missing or empty.")(fn)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout."
    )(fn)


def csv_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")(fn)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_csv(rows: Iterable[dict[str, Any]], columns: list[str] | None = None) -> None:
    """CSV on stdout, every cell neutralised against formula injection (`bot.csvsafe`)."""
    rows = list(rows)
    columns = columns or (list(rows[0].keys()) if rows else [])
    click.echo(to_csv(rows, columns), nl=False)


MAX_DURATION_DAYS = 3650
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'30m', '12h', '7d', '2w' -> timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise InvalidInput(f"{text!r} is not a duration: use a number and s, m, h, d or w (7d)")
    value, unit = int(match.group(1)), match.group(2).lower()
    if value <= 0:
        raise InvalidInput(f"{text!r}: a duration must be positive")
    if value * _SECONDS[unit] > MAX_DURATION_DAYS * 86400:
        raise InvalidInput(f"{text!r} is too long: at most {MAX_DURATION_DAYS} days")
    return timedelta(**{_UNITS[unit]: value})


# Telegram user ids and campaign ids: positive and within SQLite's 64-bit integers.
ID = click.IntRange(1, 2**63 - 1)

now_utc = utcnow
__all__ = ["iso", "now_utc"]
