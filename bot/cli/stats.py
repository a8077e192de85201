"""`pregonero stats [--since DATE] [--json | --csv]`: engagement figures from the store.

Plain output is a short table of totals; `--json` the same totals as one object; `--csv`
the weekly indicators per region used for the project's reporting (cells for fewer than 5
officers suppressed, see `bot.store.stats.suppress`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from bot.cli.common import csv_option, json_option, now_utc, open_store, print_csv, print_json
from bot.clock import iso
from bot.errors import InvalidInput
from bot.store import stats
from bot.store.filters import Filters

_LABELS = [
    ("enrolled", "officers enrolled"), ("active", "active"), ("left", "left"),
    ("blocked", "blocked the bot"), ("queries", "queries"),
    ("zero_result_queries", "queries with no result"), ("cards_opened", "cards opened"),
    ("useful", "rated useful"), ("not_useful", "rated not useful"),
    ("delivered", "reminders delivered"), ("failed", "deliveries failed"),
    ("acknowledgements", "read-and-understood"), ("quiz_answers", "quiz answers"),
    ("quiz_correct_share", "quiz correct share"),
]


def parse_since(text: str | None) -> datetime | None:
    """'2026-03-02' -> the start of that day (UTC); a bad date is a one-line error."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"--since {text!r} is not a date: use YYYY-MM-DD") from None
    if not 2000 <= day.year <= datetime.now(UTC).year + 10:  # weeks are counted one by one
        raise InvalidInput(f"--since {text!r} is out of range: use a day from 2000 on")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@click.command("stats")
@click.option("--since", default=None, metavar="DATE",
              help="Count only what happened from this day on (YYYY-MM-DD, UTC).")
@json_option
@csv_option
def stats_(since: str | None, as_json: bool, as_csv: bool) -> None:
    """Engagement figures: totals, or weekly indicators per region with --csv."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    filters = Filters(since=parse_since(since))
    with open_store() as store:
        if as_csv:
            rows = stats.weekly_report(store.db, filters, now=now_utc())
        else:
            totals = stats.totals(store.db, filters)
    if as_csv:
        print_csv(rows, stats.WEEKLY_COLUMNS)
    elif as_json:
        print_json({"since": iso(filters.since) if filters.since else None, **totals})
    else:
        for key, label in _LABELS:
            value = totals[key]
            shown = "-" if value is None else f"{value:.0%}" if isinstance(value, float) \
                else str(value)
            click.echo(f"{label:<24} {shown}")


COMMANDS = [stats_]
