"""Who and when to count: the filters of the stats pages, the CSV export and `pregonero stats`,
and the one function that turns them into a SQL condition for any table they apply to.

Each table says which of its columns a filter compares (`Columns`); a filter the table has no
column for does not apply to it: officers have no time (they are counted as enrolled now), the
query texts no person, region, port or role (privacy: see `bot.store.events`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time

from bot.clock import iso


@dataclass(frozen=True)
class Filters:
    """Who and when to count; None means no limit. `since` is inclusive, `until` exclusive
    (aware datetimes)."""

    region: str | None = None
    port: str | None = None
    role: str | None = None
    lang: str | None = None
    campaign_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def without_period(self) -> Filters:
        return replace(self, since=None, until=None)


EVERYONE = Filters()  # no filter: everyone, all the time


@dataclass(frozen=True)
class Columns:
    """A table's column for each filter (None: the filter does not apply to that table).
    `at` holds ISO times, compared with the period; `day` ISO days, compared by day."""

    region: str | None = "region"
    port: str | None = "port"
    role: str | None = "role"
    lang: str | None = "lang"
    campaign_id: str | None = "campaign_id"
    at: str | None = "at"
    day: str | None = None


EVENTS = Columns()
OFFICERS = Columns(lang="language", campaign_id=None, at=None)
QUERY_TEXTS = Columns(region=None, port=None, role=None, campaign_id=None, at=None, day="day")

_EQUAL = ("region", "port", "role", "lang", "campaign_id")


def where(f: Filters, table: Columns = EVENTS, alias: str = "") -> tuple[str, list[object]]:
    """The SQL condition (and its arguments) that keeps the rows of `table` the filters keep:
    `alias.column = ?` per filter set, the period as `at >= since AND at < until` (or by day)."""
    prefix = f"{alias}." if alias else ""
    clauses: list[str] = []
    args: list[object] = []
    for name in _EQUAL:
        column, value = getattr(table, name), getattr(f, name)
        if column and value not in (None, ""):
            clauses.append(f"{prefix}{column} = ?")
            args.append(value)
    if table.at:
        if f.since:
            clauses.append(f"{prefix}{table.at} >= ?")
            args.append(iso(f.since))
        if f.until:
            clauses.append(f"{prefix}{table.at} < ?")
            args.append(iso(f.until))
    if table.day:
        if f.since:
            clauses.append(f"{prefix}{table.day} >= ?")
            args.append(f.since.astimezone(UTC).date().isoformat())
        if f.until:  # exclusive; a time after midnight still counts its own day
            until = f.until.astimezone(UTC)
            clauses.append(f"{prefix}{table.day} {'<' if until.time() == time(0) else '<='} ?")
            args.append(until.date().isoformat())
    return " AND ".join(clauses) or "1", args
