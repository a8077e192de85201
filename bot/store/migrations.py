"""Named schema migrations, applied in order at start, each in its own transaction.

Each domain module of the store declares `MIGRATIONS: list[tuple[str, Callable]]`. Names are
unique across the project and start with a zero-padded number that fixes the global order
(`0001_officers`, `0010_cards`, ...). A migration that has run is recorded in `_migrations`
and never runs again, so a database made by an older version opens and upgrades.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

Migration = tuple[str, Callable[[Database], None]]

# The store modules that declare migrations. Order inside the list does not matter:
# migrations are sorted by name.
DOMAIN_MODULES = (
    "bot.store.officers",
    "bot.store.events",
    "bot.store.kv",
    "bot.store.cards",
    "bot.store.search",
    "bot.store.engagement",
    "bot.store.delivery",
    "bot.store.web",
    "bot.store.inbox",
)


def all_migrations() -> list[Migration]:
    found: list[Migration] = []
    for name in DOMAIN_MODULES:
        module = importlib.import_module(name)
        found.extend(getattr(module, "MIGRATIONS", []))
    names = [n for n, _ in found]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate migration names: {sorted(duplicates)}")
    by_name = dict(found)
    return [(name, by_name[name]) for name in sorted(by_name)]


def applied(db: Database) -> set[str]:
    if "_migrations" not in db.table_names():
        return set()
    return {row["name"] for row in db["_migrations"].rows}


def pending(db: Database) -> list[str]:
    done = applied(db)
    return [name for name, _ in all_migrations() if name not in done]


def apply(db: Database) -> list[str]:
    """Apply every pending migration; return the names applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = applied(db)
    ran = []
    for name, fn in all_migrations():
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db.table("_migrations").insert(
                {"name": name, "applied_at": datetime.now(UTC).isoformat(timespec="seconds")}
            )
        ran.append(name)
    return ran
