"""Campaigns, their items, per-officer series progress and the outbox.

The outbox holds one row per officer per scheduled item, `UNIQUE(officer_id, item_key)`, so
planning the same send twice inserts nothing. A row moves `pending` -> `sending` (claimed, in a
transaction, just before the HTTP call) -> `sent` | `failed` | `blocked`, or `pending` ->
`skipped` (missed the grace window, officer gone or paused). Every outcome keeps its error class
in `error` and the number of `attempts`.

Crash safety (the in-flight window): rows found in `sending` when the engine starts were claimed
by a process that died before recording the answer. Telegram has no idempotency key, so whether
they arrived cannot be known; they are put back to `pending` and sent again (at least once).
Rows claimed but still waiting for their turn at the flood limiter were never sent, so they are
not duplicated. The window is the requests on the wire plus the answers not yet committed: the
sender commits outcomes as they return, in groups every few tens of milliseconds
(`SenderConfig.flush_every`), so at 30 messages/s that is the one or two requests awaiting
Telegram's reply and at most one more answered in the last group.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlite_utils import Database

from bot.clock import iso, parse_iso
from bot.errors import NotFound
from bot.store import officers
from bot.store.events import Event, EventType, record


@dataclass(frozen=True)
class Campaign:
    id: int
    kind: str  # series | broadcast
    name: str
    status: str  # scheduled | active | paused | cancelled | done
    segment: str
    items: tuple[str, ...]  # card ids in order
    weekday: int | None = None  # 0 = Monday
    local_time: str | None = None  # HH:MM
    mode: str = "drip"  # drip | in_progress
    start_date: str | None = None  # YYYY-MM-DD, local
    end_date: str | None = None
    send_at: str | None = None  # broadcasts: ISO UTC
    urgent: bool = False
    ack_days: int | None = None
    created_at: str = ""
    created_by: int | None = None


class Recipient(NamedTuple):  # a NamedTuple: 100,000 of them are built per planning pass
    id: int
    role: str
    region: str | None
    port: str | None
    language: str
    timezone: str
    reminders_paused: bool = False


class Send(NamedTuple):
    """One planned outbox row."""

    officer_id: int
    item_key: str
    card_id: str
    kind: str  # reminder | broadcast | ack_reask | ack_reminder
    due_at: datetime
    campaign_id: int | None = None
    status: str = "pending"  # pending | skipped
    reason: str | None = None  # why skipped


def _create(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            segment TEXT NOT NULL DEFAULT '',
            weekday INTEGER,
            local_time TEXT,
            mode TEXT NOT NULL DEFAULT 'drip',
            start_date TEXT,
            end_date TEXT,
            send_at TEXT,
            urgent INTEGER NOT NULL DEFAULT 0,
            ack_days INTEGER,
            created_at TEXT NOT NULL,
            created_by INTEGER,
            planned_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX campaigns_status ON campaigns(status, kind)")
    db.execute(
        """
        CREATE TABLE campaign_items (
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            position INTEGER NOT NULL,
            card_id TEXT NOT NULL,
            PRIMARY KEY (campaign_id, position)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE series_progress (
            campaign_id INTEGER NOT NULL,
            officer_id INTEGER NOT NULL,
            next_position INTEGER NOT NULL,
            PRIMARY KEY (campaign_id, officer_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE series_marks (
            campaign_id INTEGER NOT NULL,
            timezone TEXT NOT NULL,
            occurrence TEXT NOT NULL,
            PRIMARY KEY (campaign_id, timezone)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            officer_id INTEGER NOT NULL,
            item_key TEXT NOT NULL,
            campaign_id INTEGER,
            card_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            due_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL,
            done_at TEXT,
            UNIQUE (officer_id, item_key)
        )
        """
    )
    db.execute("CREATE INDEX outbox_due ON outbox(status, due_at)")
    db.execute("CREATE INDEX outbox_campaign ON outbox(campaign_id, status)")


MIGRATIONS = [("0040_delivery", _create)]

officers.FORGET_TABLES.extend([
    ("outbox", "officer_id", "delete"),
    ("series_progress", "officer_id", "delete"),
    ("campaigns", "created_by", "detach"),
])


# --- campaigns -------------------------------------------------------------------------------

def create_campaign(db: Database, campaign: Campaign) -> int:
    """Insert a campaign and its items; return its id."""
    with db.atomic():
        cur = db.execute(
            "INSERT INTO campaigns (kind, name, status, segment, weekday, local_time, mode, "
            "start_date, end_date, send_at, urgent, ack_days, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [campaign.kind, campaign.name, campaign.status, campaign.segment, campaign.weekday,
             campaign.local_time, campaign.mode, campaign.start_date, campaign.end_date,
             campaign.send_at, int(campaign.urgent), campaign.ack_days, campaign.created_at,
             campaign.created_by],
        )
        assert cur.lastrowid is not None  # set by every INSERT
        cid = cur.lastrowid
        db.conn.executemany(
            "INSERT INTO campaign_items (campaign_id, position, card_id) VALUES (?, ?, ?)",
            [(cid, i, card) for i, card in enumerate(campaign.items)],
        )
    return cid


def _items(db: Database, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    marks = ",".join("?" * len(ids))
    for r in db.query(f"SELECT campaign_id, card_id FROM campaign_items WHERE campaign_id IN "
                      f"({marks}) ORDER BY campaign_id, position", ids):
        found[r["campaign_id"]].append(r["card_id"])
    return found


def _campaigns(db: Database, sql: str, args: Sequence[object]) -> list[Campaign]:
    rows = list(db.query(sql, args))
    items = _items(db, [r["id"] for r in rows])
    return [
        Campaign(id=r["id"], kind=r["kind"], name=r["name"], status=r["status"],
                 segment=r["segment"], items=tuple(items[r["id"]]), weekday=r["weekday"],
                 local_time=r["local_time"], mode=r["mode"], start_date=r["start_date"],
                 end_date=r["end_date"], send_at=r["send_at"], urgent=bool(r["urgent"]),
                 ack_days=r["ack_days"], created_at=r["created_at"], created_by=r["created_by"])
        for r in rows
    ]


def get_campaign(db: Database, campaign_id: int) -> Campaign:
    found = _campaigns(db, "SELECT * FROM campaigns WHERE id = ?", [campaign_id])
    if not found:
        raise NotFound(f"no campaign with id {campaign_id}")
    return found[0]


def list_campaigns(db: Database, *, kind: str | None = None,
                   statuses: Iterable[str] | None = None) -> list[Campaign]:
    sql, args = "SELECT * FROM campaigns WHERE 1", []
    if kind:
        sql += " AND kind = ?"
        args.append(kind)
    if statuses is not None:
        statuses = list(statuses)
        sql += f" AND status IN ({','.join('?' * len(statuses))})"
        args.extend(statuses)
    return _campaigns(db, sql + " ORDER BY id", args)


def set_campaign_status(db: Database, campaign_id: int, status: str) -> None:
    db.execute("UPDATE campaigns SET status = ? WHERE id = ?", [status, campaign_id])


def cancel_pending(db: Database, campaign_id: int, *, now: datetime) -> int:
    """Skip the campaign's rows not sent yet; return how many."""
    cur = db.execute(
        "UPDATE outbox SET status = 'skipped', error = 'cancelled', done_at = ? "
        "WHERE campaign_id = ? AND status = 'pending'", [iso(now), campaign_id])
    return cur.rowcount


def due_broadcasts(db: Database, now: datetime) -> list[Campaign]:
    return _campaigns(db, "SELECT * FROM campaigns WHERE kind = 'broadcast' AND "
                          "status = 'scheduled' AND send_at <= ? ORDER BY send_at", [iso(now)])


# --- recipients and series state ---------------------------------------------------------------

def recipients(db: Database, ids: Iterable[int] | None = None) -> list[Recipient]:
    """Active people (every role), as the planner sees them."""
    return list(iter_recipients(db, ids))


def iter_recipients(db: Database, ids: Iterable[int] | None = None) -> Iterator[Recipient]:
    """`recipients()` streamed from the database in chunks (a planning pass over 100,000
    officers keeps a chunk, not all of them). The texts repeated on every row (role, region,
    port, language, time zone) are shared: one string object per distinct value."""
    sql = ("SELECT id, role, region, port, language, timezone, reminders_paused != 0 "
           "FROM officers WHERE status = 'active'")
    args: list[object] = []
    if ids is not None:
        ids = list(ids)
        sql += f" AND id IN ({','.join('?' * len(ids))})"
        args = list(ids)
    cur = db.conn.execute(sql, args)
    make = tuple.__new__  # NamedTuple._make is a Python-level call; 100,000 rows per pass
    texts: dict[tuple[object, ...], tuple[object, ...]] = {}
    while chunk := cur.fetchmany(RECIPIENT_CHUNK):
        for officer_id, role, region, port, language, timezone, paused in chunk:
            shared: tuple[object, ...] = (role, region, port, language, timezone, paused)
            shared = texts.setdefault(shared, shared)
            yield make(Recipient, (officer_id, *shared))


RECIPIENT_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class SeriesState:
    """Where a series stands: each officer's next position in it, and per time zone the
    last occurrence (local date, ISO) already planned."""

    progress: dict[int, int]
    marks: dict[str, str]


def series_state(db: Database, campaign_id: int) -> SeriesState:
    progress = dict(db.conn.execute(
        "SELECT officer_id, next_position FROM series_progress WHERE campaign_id = ?",
        [campaign_id]).fetchall())
    marks = dict(db.conn.execute(
        "SELECT timezone, occurrence FROM series_marks WHERE campaign_id = ?",
        [campaign_id]).fetchall())
    return SeriesState(progress, marks)


def save_plan(db: Database, sends: Iterable[Send], *, now: datetime,
              campaign_id: int | None = None,
              progress: Mapping[int, int] | None = None, marks: Mapping[str, str] | None = None,
              broadcast_planned: bool = False) -> int:
    """Write planned sends (ignoring ones already there) and the series state, atomically.

    Returns the number of new outbox rows.
    """
    # A weekly send for 100,000 officers is a handful of groups of rows that differ only in the
    # officer: each group is one INSERT ... SELECT over a JSON array of officer ids (the loop
    # runs in SQLite, not in 100,000 bound statements).
    created = iso(now)
    stamps: dict[datetime, str] = {}  # the same due time for thousands of rows: format it once
    # (item_key, campaign_id, card_id, kind, due_at, status, reason) -> officer ids
    groups: dict[tuple[str, int | None, str, str, str, str, str | None], list[int]] = {}
    for s in sends:
        due = stamps.get(s.due_at)
        if due is None:
            due = stamps[s.due_at] = iso(s.due_at)
        key = (s.item_key, s.campaign_id, s.card_id, s.kind, due, s.status, s.reason)
        ids = groups.get(key)
        if ids is None:
            ids = groups[key] = []
        ids.append(s.officer_id)
    with db.atomic():
        before = db.conn.total_changes
        for (key_, cid, card, kind, due, status, reason), ids in groups.items():
            for part in _json_chunks(ids):
                db.conn.execute(
                    "INSERT OR IGNORE INTO outbox (officer_id, item_key, campaign_id, card_id, "
                    "kind, due_at, status, error, created_at, done_at) "
                    "SELECT value, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM json_each(?)",
                    [key_, cid, card, kind, due, status, reason, created,
                     created if status != "pending" else None, part])
        added = db.conn.total_changes - before
        if campaign_id is not None and progress:
            by_position: dict[int, list[int]] = {}
            for officer, position in progress.items():
                by_position.setdefault(position, []).append(officer)
            for position, ids in by_position.items():
                for part in _json_chunks(ids):
                    db.conn.execute(
                        "INSERT INTO series_progress (campaign_id, officer_id, next_position) "
                        "SELECT ?, value, ? FROM json_each(?) WHERE true "
                        "ON CONFLICT(campaign_id, officer_id) "
                        "DO UPDATE SET next_position = excluded.next_position",
                        [campaign_id, position, part])
        if campaign_id is not None and marks:
            db.conn.executemany(
                "INSERT INTO series_marks (campaign_id, timezone, occurrence) VALUES (?, ?, ?) "
                "ON CONFLICT(campaign_id, timezone) DO UPDATE SET occurrence = "
                "excluded.occurrence", [(campaign_id, tz, d) for tz, d in marks.items()])
        if campaign_id is not None and broadcast_planned:
            db.execute("UPDATE campaigns SET status = 'sending', planned_at = ? WHERE id = ?",
                       [created, campaign_id])
    return added


def _json_chunks(ids: list[int], size: int = 10_000) -> Iterator[str]:
    """The ids as JSON arrays of at most `size` (one text of 100,000 ids, and its 100,000
    digit strings, would be held at once)."""
    for i in range(0, len(ids), size):
        yield "[" + ",".join(map(str, ids[i:i + size])) + "]"


# --- the outbox ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutboxRow:
    id: int
    officer_id: int
    item_key: str
    campaign_id: int | None
    card_id: str
    kind: str
    due_at: str
    attempts: int
    language: str
    role: str | None
    region: str | None
    port: str | None


def claim_due(db: Database, *, now: datetime, limit: int) -> list[OutboxRow]:
    """Claim up to `limit` due rows (status `sending`), at most one per officer.

    Rows of people no longer active are skipped; reminders of people who paused them too.
    """
    when = iso(now)
    with db.atomic():
        cur = db.conn.execute(
            "SELECT o.id, o.officer_id, o.item_key, o.campaign_id, o.card_id, o.kind, o.due_at, "
            "o.attempts, f.language, f.role, f.region, f.port, f.status, f.reminders_paused "
            "FROM outbox o LEFT JOIN officers f ON f.id = o.officer_id "
            "WHERE o.status = 'pending' AND o.due_at <= ? AND (o.campaign_id IS NULL OR "
            "o.campaign_id NOT IN (SELECT id FROM campaigns WHERE status = 'paused')) "
            "ORDER BY o.due_at, o.id LIMIT ?",
            [when, limit * 2])
        claimed: list[OutboxRow] = []
        skipped: list[tuple[str, str, int]] = []
        seen: set[int] = set()
        for (row_id, officer_id, item_key, campaign_id, card_id, kind, due_at, attempts,
             language, role, region, port, status, paused) in cur.fetchall():
            if status != "active":
                skipped.append(("officer not active", when, row_id))
                continue
            if paused and kind in ("reminder", "ack_reminder"):
                skipped.append(("reminders paused", when, row_id))
                continue
            if officer_id in seen or len(claimed) >= limit:
                continue
            seen.add(officer_id)
            claimed.append(OutboxRow(row_id, officer_id, item_key, campaign_id, card_id, kind,
                                     due_at, attempts + 1,  # this attempt counted
                                     language, role, region, port))
        if skipped:
            db.conn.executemany("UPDATE outbox SET status = 'skipped', error = ?, done_at = ? "
                                "WHERE id = ?", skipped)
        if claimed:
            db.conn.executemany(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                [(row.id,) for row in claimed])
    return claimed


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed row."""

    row: OutboxRow  # `row.attempts`: the attempts made, this one included
    status: str  # sent | failed | blocked | retry (| soon: retried in memory, never stored)
    error: str | None = None
    retry_at: datetime | None = None  # for `retry`: the new due time
    refund: bool = False  # for `retry` after a 429: do not count the attempt
    delay: float = 0.0  # for `soon`: seconds until the retry


def finish(db: Database, outcomes: Iterable[Outcome], *, now: datetime) -> None:
    """Record a batch of outcomes, their events, and block officers who blocked the bot."""
    outcomes = list(outcomes)
    when = iso(now)
    with db.atomic():
        for o in outcomes:
            if o.status == "retry":
                db.conn.execute("UPDATE outbox SET status = 'pending', due_at = ?, error = ?, "
                                "attempts = ? WHERE id = ?",
                                [None if o.retry_at is None else iso(o.retry_at), o.error,
                                 o.row.attempts - int(o.refund), o.row.id])
                continue
            db.conn.execute("UPDATE outbox SET status = ?, error = ?, done_at = ?, attempts = ? "
                            "WHERE id = ?", [o.status, o.error, when, o.row.attempts, o.row.id])
            if o.status == "blocked":
                officers.mark_blocked(db, o.row.officer_id)
            etype = {"sent": EventType.DELIVERED, "blocked": EventType.BLOCKED}.get(
                o.status, EventType.FAILED)
            record(db, Event(type=etype, at=now, officer_id=o.row.officer_id, role=o.row.role,
                             region=o.row.region, port=o.row.port, lang=o.row.language,
                             card_id=o.row.card_id, campaign_id=o.row.campaign_id,
                             value=o.row.kind if o.status == "sent" else o.error))


def recover_inflight(db: Database) -> int:
    """Put rows left in `sending` by a process that died back to `pending`; return how many."""
    return db.execute("UPDATE outbox SET status = 'pending', error = 'interrupted' "
                      "WHERE status = 'sending'").rowcount


def skip_missed(db: Database, *, before: datetime, now: datetime) -> int:
    """Pending rows due before `before` (outside the grace window) become `skipped`."""
    return db.execute("UPDATE outbox SET status = 'skipped', error = 'missed: past the grace "
                      "window', done_at = ? WHERE status = 'pending' AND due_at < ?",
                      [iso(now), iso(before)]).rowcount


@dataclass(frozen=True, slots=True)
class Depth:
    """The outbox at a moment: rows due and waiting, the oldest due time among them, and the
    next due time of any pending row (None when there is none)."""

    due: int
    oldest_due: datetime | None
    next_due: datetime | None


def depth(db: Database, now: datetime) -> Depth:
    due, oldest = db.conn.execute("SELECT count(*), min(due_at) FROM outbox "
                                  "WHERE status = 'pending' AND due_at <= ?",
                                  [iso(now)]).fetchone()
    (nxt,) = db.conn.execute(
        "SELECT min(due_at) FROM outbox WHERE status = 'pending'").fetchone()
    return Depth(due, parse_iso(oldest) if oldest else None, parse_iso(nxt) if nxt else None)


def finish_broadcasts(db: Database) -> None:
    """Broadcasts whose rows are all settled become `done`."""
    db.execute("UPDATE campaigns SET status = 'done' WHERE kind = 'broadcast' AND "
               "status = 'sending' AND NOT EXISTS (SELECT 1 FROM outbox WHERE campaign_id = "
               "campaigns.id AND status IN ('pending', 'sending'))")


def campaign_counts(db: Database, campaign_id: int) -> dict[str, int]:
    return dict(db.conn.execute("SELECT status, count(*) FROM outbox WHERE campaign_id = ? "
                                "GROUP BY status", [campaign_id]).fetchall())


def outbox_rows(db: Database, *, campaign_id: int | None = None,
                officer_id: int | None = None) -> list[dict]:
    sql, args = "SELECT * FROM outbox WHERE 1", []
    if campaign_id is not None:
        sql += " AND campaign_id = ?"
        args.append(campaign_id)
    if officer_id is not None:
        sql += " AND officer_id = ?"
        args.append(officer_id)
    return list(db.query(sql + " ORDER BY id", args))


# --- acknowledgements (reads the engagement and cards tables) ----------------------------------

class StaleAck(NamedTuple):  # a NamedTuple: a new SOP version can make one per officer
    """An active officer who acknowledged an older version of an SOP and not the current one."""

    officer_id: int
    card_id: str
    version: str  # the card's current version
    timezone: str


def stale_acks(db: Database) -> list[StaleAck]:
    rows = db.conn.execute(
        "SELECT DISTINCT a.officer_id, c.id, c.version, o.timezone FROM acks a "
        "JOIN cards c ON c.id = a.card_id AND c.kind = 'sop' AND a.version != c.version "
        "JOIN officers o ON o.id = a.officer_id AND o.status = 'active' "
        "WHERE NOT EXISTS (SELECT 1 FROM acks b WHERE b.officer_id = a.officer_id "
        "AND b.card_id = c.id AND b.version = c.version)").fetchall()
    return list(map(StaleAck._make, rows))


class Unacknowledged(NamedTuple):
    """An SOP delivered to an active officer who has not acknowledged its current version
    in time, and got no acknowledgement reminder for it yet."""

    officer_id: int
    card_id: str
    version: str  # the card's current version
    timezone: str
    campaign_id: int | None  # the campaign that delivered it (the latest), if any


def unacknowledged(db: Database, *, now: datetime, default_days: int) -> list[Unacknowledged]:
    """SOPs delivered at least N days before `now` (the campaign's `ack_days`, else
    `default_days`) and not acknowledged in their current version."""
    rows = db.conn.execute(
        "SELECT x.officer_id, x.card_id, c.version, o.timezone, max(x.campaign_id) FROM outbox x "
        "JOIN cards c ON c.id = x.card_id AND c.kind = 'sop' "
        "JOIN officers o ON o.id = x.officer_id AND o.status = 'active' "
        "LEFT JOIN campaigns k ON k.id = x.campaign_id "
        "WHERE x.status = 'sent' AND x.kind IN ('reminder', 'broadcast', 'ack_reask') "
        "AND julianday(x.done_at) <= julianday(?) - coalesce(k.ack_days, ?) "
        "AND NOT EXISTS (SELECT 1 FROM acks b WHERE b.officer_id = x.officer_id "
        "AND b.card_id = x.card_id AND b.version = c.version) "
        "AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.officer_id = x.officer_id "
        "AND r.kind = 'ack_reminder' AND r.card_id = x.card_id "
        "AND r.item_key LIKE 'ackrem:' || x.card_id || ':%') "
        "GROUP BY x.officer_id, x.card_id", [iso(now), default_days]).fetchall()
    return list(map(Unacknowledged._make, rows))
