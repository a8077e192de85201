"""Time as the project stores it: aware UTC datetimes, ISO 8601 strings with `+00:00`.

Decisions take `now` as an argument; only the edges (handlers, the engine's loop, the CLI)
call `utcnow()`, so tests pass any moment they like and never sleep.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one (UTC)")
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 string to an aware UTC datetime (a naive string is taken as UTC)."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
