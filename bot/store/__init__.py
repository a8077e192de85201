"""The store: every SQL statement of Pregonero lives in this package.

`Store` owns the SQLite file. Domain modules (`officers`, `events`, `cards`, `search`,
`delivery`, `engagement`, `web`, `stats`) hold plain functions that take a sqlite-utils
`Database` as their first argument. Synchronous callers (the CLI, scripts, tests) call them
directly with `store.db`; the bot and the web app call them through `await store.run(fn, ...)`,
which runs them on the store's single worker thread so the event loop never blocks on SQLite
and writes never contend.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlite_utils import Database

from bot.store import migrations

P = ParamSpec("P")
T = TypeVar("T")


class Store:
    """One SQLite database file, migrated on open, with one worker thread for async callers."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def open(cls, path: Path | str, *, migrate: bool = True) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, so an erased person's id does not linger
        # in free pages (see `officers.forget`).
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        db = Database(conn)
        if str(path) != ":memory:":
            db.enable_wal()
            conn.execute("PRAGMA synchronous = NORMAL")
        store = cls(db, path)
        if migrate:
            migrations.apply(db)
        return store

    async def run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run `fn(self.db, *args, **kwargs)` on the store's worker thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, self.db, *args, **kwargs))

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        return ping(self.db)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.db.close()



def ping(db: Database) -> bool:
    """True when the database answers a trivial query (for health checks)."""
    return next(iter(db.query("SELECT 1 AS ok")))["ok"] == 1
