"""Online backups: a consistent copy of the database while the bot keeps running.

`backup(source, target)` uses SQLite's backup API from a connection of its own: it copies
every page of one committed state (WAL readers never block the bot's writer, nor does the
bot block the copy), so the copy holds everything committed before it started, including
what still sits in the `-wal` file, which a plain `cp` of the main file would miss. The copy
is written beside the target under a temporary name, checked (`PRAGMA quick_check`), switched
to a self-contained rollback journal (no `-wal` beside it), flushed to disk and only then
renamed into place, so a failed backup never leaves a half-written file at `target`.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.errors import DatabaseError, InvalidInput
from bot.store import connect, describe_error, is_pregonero_database


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int


def default_name(now: datetime) -> str:
    """The file name a backup gets inside a folder: `pregonero-20261203T101500Z.db`."""
    return f"pregonero-{now.strftime('%Y%m%dT%H%M%SZ')}.db"


def resolve_target(target: Path, now: datetime, *, force: bool) -> Path:
    """Where the copy goes: `target`, or a time-stamped file inside it when it is a folder.
    An existing file is refused unless `force`."""
    if target.is_dir():
        target = target / default_name(now)
    if not target.parent.is_dir():
        raise InvalidInput(f"cannot write the backup to {target}: folder {target.parent} "
                           "does not exist")
    if target.exists() and not force:
        raise InvalidInput(f"{target} already exists: give another path, or --force to "
                           "overwrite it")
    return target


def backup(source: Path, target: Path, now: datetime, *, force: bool = False) -> BackupResult:
    """Copy the database at `source` to `target` (a file, or a folder to put one in)."""
    source = Path(source)
    if not source.is_file():
        raise DatabaseError(f"no database at {source} (PREGONERO_DB): nothing to back up")
    target = resolve_target(Path(target), now, force=force)
    if target.resolve() == source.resolve():
        raise InvalidInput("the backup cannot overwrite the database itself")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        src = connect(source)
    except sqlite3.Error as exc:
        raise DatabaseError(describe_error(exc, source)) from exc
    try:
        if not is_pregonero_database(src):
            raise DatabaseError(f"{source} is empty or not a Pregonero database")
        tmp.unlink(missing_ok=True)
        dst = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            (check,) = dst.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise DatabaseError(f"the copy of {source} failed its check: {check}")
        finally:
            dst.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except sqlite3.Error as exc:
        raise DatabaseError(describe_error(exc, source)) from exc
    finally:
        src.close()
        tmp.unlink(missing_ok=True)
    return BackupResult(target.resolve(), target.stat().st_size)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
