"""The store opens, migrates, upgrades older databases and runs work off the event loop."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store import Store, migrations


def test_a_new_database_gets_every_migration_and_wal(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert migrations.pending(store.db) == []
        assert {"officers", "invites", "events", "query_texts", "kv"} <= set(store.db.table_names())
        assert store.db.journal_mode == "wal"


def test_an_older_database_opens_and_upgrades(db_path: Path) -> None:
    # A database made by an older version: only the first migration had run.
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    first_name, first_fn = migrations.all_migrations()[0]
    from sqlite_utils import Database

    db = Database(conn)
    first_fn(db)
    db["_migrations"].insert({"name": first_name, "applied_at": "2026-01-01T00:00:00+00:00"})
    db.execute("INSERT INTO officers (id, timezone, enrolled_at) VALUES (1, 'UTC', 'x')")
    conn.commit()
    conn.close()

    with Store.open(db_path) as store:
        assert migrations.pending(store.db) == []
        assert store.db["officers"].count == 1  # data kept across the upgrade
        names = [r["name"] for r in store.db["_migrations"].rows]
        assert names[0] == first_name and len(names) == len(migrations.all_migrations())


def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    Store.open(db_path).close()
    with Store.open(db_path, migrate=False) as store:
        assert migrations.apply(store.db) == []


async def test_async_callers_run_store_functions_on_the_worker_thread(store: Store) -> None:
    import threading

    def where(db: object) -> str:
        return threading.current_thread().name

    name = await store.run(where)
    assert name.startswith("store")
