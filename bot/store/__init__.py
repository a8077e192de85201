"""The store: every SQL statement of Pregonero lives in this package.

`Store` owns the SQLite file. Domain modules (`officers`, `events`, `cards`, `search`,
`delivery`, `engagement`, `web`, `stats`, `inbox`) hold plain functions that take a
sqlite-utils `Database` as their first argument. Synchronous callers (the CLI, scripts, tests)
call them directly with `store.db`; the bot and the web app call them through
`await store.run(fn, ...)`, which runs them on the store's single worker thread so the event
loop never blocks on SQLite and writes never contend.

Write transactions begin `IMMEDIATE` (`with db.atomic():` and the driver's implicit ones), so a
writer that meets another process's write lock waits for the busy timeout instead of failing
at once with "database is locked" when it read before writing.

The store watches its file: `Store.problem()` says when the file was deleted or replaced under
the running process, or when the disk refused a write recently (`/healthz` reports it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from sqlite_utils import Database

from bot.errors import DatabaseError
from bot.store import migrations

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

BUSY_TIMEOUT_S = 30
WRITE_ERROR_MEMORY_S = 120.0  # a refused write keeps /healthz unhealthy this long


class ImmediateDatabase(Database):
    """sqlite-utils' Database whose outermost transactions begin IMMEDIATE.

    A DEFERRED transaction that reads and then writes cannot wait for another writer: SQLite
    answers SQLITE_BUSY at once ("database is locked"). Taking the write lock at BEGIN makes
    the busy timeout apply. Nested blocks stay savepoints.
    """

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        if self.conn.in_transaction:
            with super().atomic() as db:
                yield db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise

    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE")


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection with Pregonero's settings: usable from the store thread, busy timeout,
    foreign keys, implicit transactions that begin IMMEDIATE."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_S,
                           isolation_level="IMMEDIATE")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros, so an erased person's id does not linger in
    # free pages (see `officers.forget`), nor an answered question's text (`inbox.mark_done`).
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    return conn


def is_pregonero_database(conn: sqlite3.Connection) -> bool:
    """True when the file holds Pregonero's schema (its `_migrations` table)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").fetchone()
    return row is not None


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class Store:
    """One SQLite database file, migrated on open, with one worker thread for async callers."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self.identity = None if str(path) == ":memory:" else _file_identity(path)
        self.last_write_error: tuple[float, str] | None = None

    @classmethod
    def open(cls, path: Path | str, *, migrate: bool = True, create: bool = True) -> Store:
        """Open (and migrate) the database at `path`.

        With `create=False` a missing file, an empty one or one without Pregonero's schema is
        refused with `DatabaseError` instead of being made into a new, empty database.
        """
        path = Path(path)
        memory = str(path) == ":memory:"
        if not memory and not create:
            if not path.exists():
                raise DatabaseError(
                    f"no database at {path} (PREGONERO_DB): give --init to create a new one "
                    "(pregonero run --init, pregonero content import --init)")
            if path.is_dir():
                raise DatabaseError(f"PREGONERO_DB {path} is a folder, not a database file")
        if not memory and create:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = connect(path)
        except sqlite3.Error as exc:
            raise DatabaseError(describe_error(exc, path)) from exc
        try:
            if not memory and not create and not is_pregonero_database(conn):
                conn.close()
                raise DatabaseError(
                    f"{path} (PREGONERO_DB) is empty or not a Pregonero database: give --init "
                    "to create the schema in it")
            db = ImmediateDatabase(conn)
            if not memory:
                db.enable_wal()
                conn.execute("PRAGMA synchronous = NORMAL")
            store = cls(db, path)
            if migrate:
                migrations.apply(db)
        except sqlite3.Error as exc:
            conn.close()
            raise DatabaseError(describe_error(exc, path)) from exc
        return store

    async def run(self, fn: Callable[Concatenate[Database, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """Run `fn(self.db, *args, **kwargs)` on the store's worker thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, partial(fn, self.db, *args, **kwargs))
        except sqlite3.Error as exc:
            if is_write_refusal(exc):
                self.last_write_error = (time.monotonic(), describe_error(exc, self.path))
            raise

    async def record(self, fn: Callable[Concatenate[Database, P], object], *args: P.args,
                     **kwargs: P.kwargs) -> bool:
        """Run a write that only records something (an event, a query for the gaps report):
        when the database refuses it (full, read-only, busy past the timeout) log one warning
        and return False, so the officer still gets the answer it was recording."""
        try:
            await self.run(fn, *args, **kwargs)
        except sqlite3.Error as exc:
            log.warning("could not record %s: %s", getattr(fn, "__name__", "a write"),
                        describe_error(exc, self.path))
            return False
        return True

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        return ping(self.db)

    def file_problem(self) -> str | None:
        """Why the file on disk is no longer the one this process opened, or None."""
        if self.identity is None:
            return None
        now = _file_identity(self.path)
        if now is None:
            return f"the database file {self.path} was deleted under the running process"
        if now != self.identity:
            return f"the database file {self.path} was replaced under the running process"
        return None

    async def problem(self) -> str | None:
        """One line when the database cannot be trusted now (for `/healthz`), else None.

        Checks, in order: the file is still the one opened; a small write commits (a full,
        read-only or failing disk refuses it); no write was refused in the last two minutes.
        """
        moved = self.file_problem()
        if moved:
            return moved
        try:
            await self.run(probe_write)
        except sqlite3.Error as exc:
            return describe_error(exc, self.path)
        if self.last_write_error is not None:
            at, message = self.last_write_error
            if time.monotonic() - at < WRITE_ERROR_MEMORY_S:
                return f"a write was refused {time.monotonic() - at:.0f} s ago: {message}"
        return None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.db.close()


def ping(db: Database) -> bool:
    """True when the database answers a trivial query (for health checks)."""
    return next(iter(db.query("SELECT 1 AS ok")))["ok"] == 1


def probe_write(db: Database) -> None:
    """Commit one tiny write (the health check's proof that the disk takes writes)."""
    db.execute(
        "INSERT INTO kv (key, value) VALUES ('health.probe', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [secrets.token_hex(8)],
    )


_REFUSALS = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN",
             "SQLITE_CORRUPT", "SQLITE_NOTADB")


def is_write_refusal(exc: BaseException) -> bool:
    """True for errors that mean the disk or the file refuses writes (not a busy lock)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if any(name.startswith(r) for r in _REFUSALS):
        return True
    text = str(exc).lower()
    return any(s in text for s in ("readonly", "read-only", "disk is full", "disk i/o error",
                                    "unable to open database file", "malformed",
                                    "not a database"))


def describe_error(exc: BaseException, path: Path | str | None = None) -> str:
    """One line for a SQLite error, saying what happened to the database and what to do."""
    where = f"the database {path}" if path else "the database"
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return (f"{where} is busy: another process held its write lock for more than "
                f"{BUSY_TIMEOUT_S} s; try again")
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return (f"{where} is read-only: check the permissions of the file and of its folder "
                "(SQLite writes beside it)")
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return f"the disk holding {where} is full: free some space and try again"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return f"cannot open {where}: its folder is missing or not writable"
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return f"disk I/O error on {where}: check the disk"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "not a database" in text:
        return f"{where} is damaged or not an SQLite database: restore it from a backup"
    return f"database error on {where}: {exc}"
