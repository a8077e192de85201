"""`pregonero backup`: a consistent online copy, one-line errors; IMMEDIATE write transactions;
every verb reports a missing, locked, read-only or full database in one line."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

import bot.store
from bot.clock import utcnow
from bot.errors import DatabaseError, InvalidInput
from bot.store import Store, officers
from bot.store.backup import backup

ROOT = Path(__file__).resolve().parent.parent


def _invites(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM invites").fetchone()[0])
    finally:
        conn.close()


def test_a_backup_holds_what_was_committed_while_the_store_stays_open(store, tmp_path):
    for _ in range(3):
        officers.create_invite(store.db, now=utcnow())
    # the writes sit in the -wal file, not yet in the main file: a plain cp would miss them
    assert (tmp_path / "pregonero.db-wal").stat().st_size > 0
    result = backup(store.path, tmp_path / "copy.db", utcnow())
    assert result.path == (tmp_path / "copy.db").resolve()
    assert result.bytes == result.path.stat().st_size
    assert _invites(result.path) == 3
    assert not (tmp_path / "copy.db-wal").exists()
    conn = sqlite3.connect(result.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    # the store goes on writing
    officers.create_invite(store.db, now=utcnow())


def test_backup_refuses_to_overwrite_unless_forced_and_names_files_in_a_folder(store, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("precious")
    with pytest.raises(InvalidInput, match="already exists"):
        backup(store.path, target, utcnow())
    assert target.read_text() == "precious"
    assert backup(store.path, target, utcnow(), force=True).bytes > 0
    folder = tmp_path / "backups"
    folder.mkdir()
    made = backup(store.path, folder, utcnow())
    assert made.path.parent == folder.resolve() and made.path.name.startswith("pregonero-")
    assert [p.name for p in folder.iterdir()] == [made.path.name]  # no temporary file left
    with pytest.raises(InvalidInput, match="does not exist"):
        backup(store.path, tmp_path / "nowhere" / "x.db", utcnow())


def test_backup_of_a_missing_or_foreign_database_is_refused(tmp_path):
    with pytest.raises(DatabaseError, match="no database"):
        backup(tmp_path / "none.db", tmp_path / "copy.db", utcnow())
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(DatabaseError, match="not a Pregonero database"):
        backup(other, tmp_path / "copy.db", utcnow())


def test_the_backup_verb_prints_path_and_bytes_as_json(store, cli, tmp_path):
    officers.create_invite(store.db, now=utcnow())
    out = cli("backup", str(tmp_path / "b.db"), "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data == {"path": str((tmp_path / "b.db").resolve()),
                    "bytes": (tmp_path / "b.db").stat().st_size}
    again = cli("backup", str(tmp_path / "b.db"))
    assert again.code == 1 and len(again.err.strip().splitlines()) == 1
    assert "--force" in again.err and "Traceback" not in again.err


def test_write_transactions_take_the_write_lock_at_begin(store, db_path):
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with store.db.atomic():
            list(store.db.query("SELECT count(*) AS n FROM invites"))  # only a read so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert store.db.conn.isolation_level == "IMMEDIATE"  # the driver's implicit transactions too


def test_a_writer_waits_for_another_process_instead_of_failing(store, db_path):
    """The read-then-write transaction that used to fail at once with 'database is locked'."""
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO kv (key, value) VALUES ('held', '1')")
    done: list[object] = []

    def write() -> None:
        try:
            with store.db.atomic():
                rows = list(store.db.query("SELECT value FROM kv WHERE key = 'held'"))
                store.db.execute("INSERT INTO kv (key, value) VALUES ('after', ?)",
                                 [str(len(rows))])
            done.append("ok")
        except Exception as exc:
            done.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    holder.execute("COMMIT")
    thread.join(timeout=60)
    holder.close()
    assert done == ["ok"]


def test_verbs_refuse_a_missing_or_empty_database_in_one_line(tmp_path, db_path, cli):
    for args in (["invite", "list"], ["stats"], ["search", "nna"], ["campaign", "list"],
                 ["backup", str(tmp_path / "b.db")], ["content", "import", str(ROOT / "messages")]):
        out = cli(*args)
        assert out.code == 1, (args, out.err)
        assert len(out.err.strip().splitlines()) == 1 and "Traceback" not in out.err
        assert "no database" in out.err, out.err
        assert not db_path.exists(), args
    db_path.write_bytes(b"")
    out = cli("invite", "list")
    assert out.code == 1 and "empty or not a Pregonero database" in out.err
    assert "--init" in out.err


def test_a_locked_database_is_one_line(store, db_path, monkeypatch, cli):
    monkeypatch.setattr(bot.store, "BUSY_TIMEOUT_S", 0)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        out = cli("invite", "create")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.code == 1
    err = out.err
    assert err.count("\n") == 1 and "is busy" in err and str(db_path) in err


def test_describe_error_names_each_kind_of_refusal():
    describe = bot.store.describe_error
    assert "read-only" in describe(sqlite3.OperationalError(
        "attempt to write a readonly database"), "x.db")
    assert "full" in describe(sqlite3.OperationalError("database or disk is full"), "x.db")
    assert "busy" in describe(sqlite3.OperationalError("database is locked"), "x.db")
    assert "damaged" in describe(sqlite3.DatabaseError("file is not a database"), "x.db")
    assert bot.store.is_write_refusal(sqlite3.OperationalError("database or disk is full"))
    assert not bot.store.is_write_refusal(sqlite3.OperationalError("database is locked"))


def test_store_open_without_create_leaves_no_file_behind(tmp_path):
    with pytest.raises(DatabaseError):
        Store.open(tmp_path / "sub" / "x.db", create=False)
    assert not (tmp_path / "sub").exists()
