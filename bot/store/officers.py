"""Officers (people enrolled in the bot) and invites (how they enroll).

Personal data kept: the Telegram user id (which is also the private chat id), the chosen
language, role, region and port of entry, time zone, reminder preference and dates. No names,
no usernames, no phone numbers. `forget()` deletes the row and detaches the person's events.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlite_utils import Database

from bot.clock import iso, parse_iso
from bot.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

# Region and port of entry names: the rule segment expressions use (`region=norte`), so
# whatever an invite gives a person can be named in a segment, and no text that a
# spreadsheet would run (`=HYPERLINK(...)`) reaches exports.
PLACE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")


def check_place(what: str, value: str | None) -> str | None:
    """A region or port as stored: trimmed, lower case, or None when empty; InvalidInput
    for anything a segment could not name."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if not PLACE.match(text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InvalidInput(f"{what} {shown!r}: use 1-48 letters, digits, '-', '_' or '.', "
                           "starting with a letter or digit (e.g. norte, tijuana)")
    return text


class Role(StrEnum):
    OFFICER = "officer"
    COMMS = "comms"
    ADMIN = "admin"


class Status(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"  # the person blocked the bot (Telegram answered 403)
    LEFT = "left"  # the person used /baja and chose to keep their history


class EnrollResult(StrEnum):
    ENROLLED = "enrolled"
    REJOINED = "rejoined"
    ALREADY = "already"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"
    SLOWED = "slowed"  # too many wrong codes lately: this one was not looked at


@dataclass(frozen=True)
class Officer:
    id: int
    language: str
    role: Role
    region: str | None
    port: str | None
    timezone: str
    status: Status
    reminders_paused: bool
    enrolled_at: str
    left_at: str | None

    @property
    def active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def can_manage_content(self) -> bool:
        return self.role in (Role.COMMS, Role.ADMIN)


@dataclass(frozen=True)
class Invite:
    code: str
    role: Role
    region: str | None
    port: str | None
    max_uses: int | None
    uses: int
    expires_at: str | None
    created_at: str
    revoked_at: str | None


def _create(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE officers (
            id INTEGER PRIMARY KEY,
            language TEXT NOT NULL DEFAULT 'es',
            role TEXT NOT NULL DEFAULT 'officer',
            region TEXT,
            port TEXT,
            timezone TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active',
            reminders_paused INTEGER NOT NULL DEFAULT 0,
            enrolled_at TEXT NOT NULL,
            left_at TEXT,
            invite_code TEXT
        )
        """
    )
    db.execute("CREATE INDEX officers_status ON officers(status, role, region, port)")
    db.execute(
        """
        CREATE TABLE invites (
            code TEXT PRIMARY KEY,
            role TEXT NOT NULL DEFAULT 'officer',
            region TEXT,
            port TEXT,
            max_uses INTEGER,
            uses INTEGER NOT NULL DEFAULT 0,
            expires_at TEXT,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """
    )


def _invite_failures(db: Database) -> None:
    """Wrong invite codes per Telegram user: counted, and slowed down after a few."""
    db.execute(
        """
        CREATE TABLE invite_failures (
            user_id INTEGER PRIMARY KEY,
            failures INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            locked_until TEXT
        )
        """
    )


MIGRATIONS = [("0001_officers_invites", _create), ("0005_invite_failures", _invite_failures)]

# Wrong invite codes: the first FREE_FAILURES are answered at once; after that each wrong
# code makes the person wait twice as long as the last (1, 2, 4... minutes, at most a day)
# before any code of theirs is looked at. A streak is forgotten a day after its last try;
# rows go after KEEP_FAILURES. Codes have 72 bits: this is about noticing, not odds.
FREE_FAILURES = 5
MAX_WAIT = timedelta(days=1)
FORGET_STREAK = timedelta(days=1)
KEEP_FAILURES = timedelta(days=30)


def _officer(row: dict) -> Officer:
    return Officer(
        id=row["id"],
        language=row["language"],
        role=Role(row["role"]),
        region=row["region"],
        port=row["port"],
        timezone=row["timezone"],
        status=Status(row["status"]),
        reminders_paused=bool(row["reminders_paused"]),
        enrolled_at=row["enrolled_at"],
        left_at=row["left_at"],
    )


def _invite(row: dict) -> Invite:
    return Invite(
        code=row["code"],
        role=Role(row["role"]),
        region=row["region"],
        port=row["port"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def get_officer(db: Database, user_id: int) -> Officer | None:
    rows = list(db.query("SELECT * FROM officers WHERE id = ?", [user_id]))
    return _officer(rows[0]) if rows else None


def active_officer(db: Database, user_id: int) -> Officer | None:
    """The officer if enrolled and active (a blocked one who writes again is reactivated)."""
    officer = get_officer(db, user_id)
    if officer is None or officer.status == Status.LEFT:
        return None
    if officer.status == Status.BLOCKED:
        db.execute("UPDATE officers SET status = 'active' WHERE id = ?", [user_id])
        officer = get_officer(db, user_id)
    return officer


def create_invite(
    db: Database,
    *,
    role: Role = Role.OFFICER,
    max_uses: int | None = None,
    expires_at: datetime | None = None,
    region: str | None = None,
    port: str | None = None,
    now: datetime,
) -> Invite:
    if max_uses is not None and max_uses < 1:
        raise InvalidInput("--uses must be 1 or more")
    region = check_place("region", region)
    port = check_place("port", port)
    code = "-"
    while code.startswith("-"):  # a code like "-Dx..." would read as an option on a command line
        code = secrets.token_urlsafe(9)  # 12 characters of A-Z a-z 0-9 _ -, fits a deep link
    db.table("invites").insert(
        {
            "code": code,
            "role": str(role),
            "region": region,
            "port": port,
            "max_uses": max_uses,
            "uses": 0,
            "expires_at": None if expires_at is None else iso(expires_at),
            "created_at": iso(now),
            "revoked_at": None,
        }
    )
    return get_invite(db, code)


def get_invite(db: Database, code: str) -> Invite:
    rows = list(db.query("SELECT * FROM invites WHERE code = ?", [code]))
    if not rows:
        raise NotFound(f"no invite with code {code!r}")
    return _invite(rows[0])


def list_invites(db: Database) -> list[Invite]:
    return [_invite(r) for r in db.query("SELECT * FROM invites ORDER BY created_at DESC")]


def delete_invite(db: Database, code: str) -> None:
    """Forget an invite (the demo's own codes, once used); enrolled people stay enrolled."""
    db.execute("DELETE FROM invites WHERE code = ?", [code])


def revoke_invite(db: Database, code: str, *, now: datetime) -> Invite:
    get_invite(db, code)
    db.execute("UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL",
               [iso(now), code])
    return get_invite(db, code)


def check_invite(invite: Invite | None, now: datetime) -> EnrollResult | None:
    """Why an invite cannot be used now, or None when it can. Pure."""
    if invite is None:
        return EnrollResult.UNKNOWN
    if invite.revoked_at is not None:
        return EnrollResult.REVOKED
    if invite.expires_at is not None and invite.expires_at <= iso(now):
        return EnrollResult.EXPIRED
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return EnrollResult.USED_UP
    return None


def enroll(
    db: Database, user_id: int, code: str, *, language: str, timezone: str, now: datetime
) -> tuple[EnrollResult, Officer | None]:
    """Enroll a Telegram user with an invite code, atomically (the use is counted once):
    (what happened, the officer when enrolled or already so)."""
    with db.atomic():
        existing = get_officer(db, user_id)
        if existing is not None and existing.status != Status.LEFT:
            if existing.status == Status.BLOCKED:
                db.execute("UPDATE officers SET status = 'active' WHERE id = ?", [user_id])
            return EnrollResult.ALREADY, get_officer(db, user_id)
        if invite_wait(db, user_id, now) is not None:
            return EnrollResult.SLOWED, None
        try:
            invite: Invite | None = get_invite(db, code)
        except NotFound:
            invite = None
        problem = check_invite(invite, now)
        if problem is not None:
            if problem == EnrollResult.UNKNOWN:
                _count_failure(db, user_id, now)
            return problem, None
        db.execute("DELETE FROM invite_failures WHERE user_id = ?", [user_id])
        assert invite is not None
        db.execute("UPDATE invites SET uses = uses + 1 WHERE code = ?", [code])
        db.table("officers").upsert(
            {
                "id": user_id,
                "language": language,
                "role": str(invite.role),
                "region": invite.region,
                "port": invite.port,
                "timezone": timezone,
                "status": str(Status.ACTIVE),
                "reminders_paused": 0,
                "enrolled_at": iso(now),
                "left_at": None,
                "invite_code": code,
            },
            pk="id",
        )
        result = EnrollResult.REJOINED if existing is not None else EnrollResult.ENROLLED
        return result, get_officer(db, user_id)


def invite_wait(db: Database, user_id: int, now: datetime) -> datetime | None:
    """Until when this person's invite codes are not looked at, or None."""
    row = db.execute("SELECT locked_until FROM invite_failures WHERE user_id = ? "
                     "AND locked_until > ?", [user_id, iso(now)]).fetchone()
    if row is None:
        return None
    (locked_until,) = row
    return parse_iso(locked_until)


def _count_failure(db: Database, user_id: int, now: datetime) -> int:
    """Count one wrong code; after FREE_FAILURES, lock the person out for a while."""
    db.execute("DELETE FROM invite_failures WHERE last_at < ?", [iso(now - KEEP_FAILURES)])
    row = db.execute("SELECT failures, last_at FROM invite_failures WHERE user_id = ?",
                     [user_id]).fetchone()
    failures = 1
    if row is not None:
        earlier, last_at = row
        if last_at >= iso(now - FORGET_STREAK):
            failures = earlier + 1
    locked = None
    if failures >= FREE_FAILURES:
        wait = min(timedelta(minutes=2 ** (failures - FREE_FAILURES)), MAX_WAIT)
        locked = iso(now + wait)
        log.warning("wrong invite codes: %d in a row from one person; their next code is "
                    "looked at after %s", failures, locked)
    db.execute(
        "INSERT INTO invite_failures (user_id, failures, first_at, last_at, locked_until) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
        "failures = excluded.failures, last_at = excluded.last_at, "
        "locked_until = excluded.locked_until, "
        "first_at = CASE WHEN excluded.failures = 1 THEN excluded.first_at ELSE first_at END",
        [user_id, failures, iso(now), iso(now), locked])
    return failures


def invite_failure_summary(db: Database, now: datetime, days: int = 7) -> dict[str, int]:
    """Wrong invite codes lately, as counts (never who, never the codes): `attempts` and
    `people` in the last `days` days, and `waiting`: people slowed down right now."""
    attempts, people, waiting = db.execute(
        "SELECT coalesce(sum(failures), 0), count(*), coalesce(sum(locked_until > ?), 0) "
        "FROM invite_failures WHERE last_at >= ?",
        [iso(now), iso(now - timedelta(days=days))]).fetchone()
    return {"attempts": attempts, "people": people, "waiting": waiting, "days": days}


def ensure_admin(db: Database, user_id: int, *, language: str, timezone: str,
                 now: datetime) -> Officer:
    """Make a configured admin (PREGONERO_ADMINS) an active admin, enrolling them if needed."""
    existing = get_officer(db, user_id)
    if existing is None:
        db.table("officers").insert(
            {
                "id": user_id,
                "language": language,
                "role": str(Role.ADMIN),
                "timezone": timezone,
                "status": str(Status.ACTIVE),
                "reminders_paused": 0,
                "enrolled_at": iso(now),
            }
        )
    elif existing.role != Role.ADMIN or existing.status != Status.ACTIVE:
        db.execute(
            "UPDATE officers SET role = 'admin', status = 'active', left_at = NULL WHERE id = ?",
            [user_id],
        )
    officer = get_officer(db, user_id)
    assert officer is not None
    return officer


def set_language(db: Database, user_id: int, language: str) -> None:
    if language not in ("es", "en"):
        raise InvalidInput(f"unsupported language {language!r}")
    db.execute("UPDATE officers SET language = ? WHERE id = ?", [language, user_id])


def set_profile(
    db: Database,
    user_id: int,
    *,
    region: str | None = None,
    port: str | None = None,
    timezone: str | None = None,
) -> None:
    updates = {k: v for k, v in (("region", region), ("port", port), ("timezone", timezone)) if v}
    if updates:
        db.table("officers").update(user_id, updates)


def set_role(db: Database, user_id: int, role: Role) -> None:
    with db.atomic():
        changed = db.execute("UPDATE officers SET role = ? WHERE id = ? AND role != ?",
                             [str(role), user_id, str(role)]).rowcount
        if changed:
            end_sessions(db, user_id)


def set_reminders_paused(db: Database, user_id: int, paused: bool) -> None:
    db.execute("UPDATE officers SET reminders_paused = ? WHERE id = ?", [int(paused), user_id])


def mark_blocked(db: Database, user_id: int) -> None:
    """Telegram said 403: the person blocked the bot or is gone. Stop sending to them, and
    end their web sessions (unblocking the bot does not bring those back)."""
    with db.atomic():
        db.execute("UPDATE officers SET status = 'blocked' WHERE id = ? AND status = 'active'",
                   [user_id])
        end_sessions(db, user_id)


def leave(db: Database, user_id: int, *, now: datetime) -> None:
    """The officer left with /baja but keeps their history (they may come back). Their web
    sessions and sign-in links end for good: enrolling again does not revive them."""
    with db.atomic():
        db.execute("UPDATE officers SET status = 'left', left_at = ? WHERE id = ?",
                   [iso(now), user_id])
        end_sessions(db, user_id)


# (table, column) of sessions and sign-in links, deleted when their person leaves, is
# blocked, changes role or is erased. The web store registers its tables.
SESSION_TABLES: list[tuple[str, str]] = []


def end_sessions(db: Database, user_id: int) -> None:
    names = set(db.table_names())
    for table, column in SESSION_TABLES:
        if table in names:
            db.execute(f"DELETE FROM [{table}] WHERE [{column}] = ?", [user_id])


def forget(db: Database, user_id: int) -> None:
    """Erase the person: delete their row and every per-person record that names them.

    Aggregate events keep their categories (region, role, card) with no person attached;
    campaigns they created stay, without their creator. Every store module that keeps
    per-person rows registers a table in FORGET_TABLES. Then `scrub`: no copy of the id is
    left in the database file, its write-ahead log or its free pages.
    """
    delete_rows(db, user_id)
    scrub(db, user_id)


def delete_rows(db: Database, user_id: int) -> None:
    """The deletes and detaches of `forget`, in one transaction, without the scrub."""
    with db.atomic():
        for table, column, action in FORGET_TABLES:
            if table not in db.table_names():
                continue
            if action == "detach":
                db.execute(f"UPDATE [{table}] SET [{column}] = NULL WHERE [{column}] = ?",
                           [user_id])
            else:
                db.execute(f"DELETE FROM [{table}] WHERE [{column}] = ?", [user_id])
        db.execute("DELETE FROM officers WHERE id = ?", [user_id])


def _indexes_on(db: Database, table: str, column: str) -> list[str]:
    """Indexes of `table` whose key holds `column` (or, for "rowid", every index)."""
    found = []
    for index in db.query(f"PRAGMA index_list([{table}])"):
        name = index["name"]
        columns = {row["name"] for row in db.query(f"PRAGMA index_info([{name}])")}
        if column == "rowid" or column in columns:
            found.append(name)
    return found


def scrub(db: Database, user_id: int | None = None) -> None:
    """Leave no copy of an erased person's id in the files.

    The store runs with `secure_delete`, so deleted rows are overwritten with zeros. An index
    keyed by a person's id can still hold it: its inner pages keep copies of the keys that
    divided its pages (deleted ones included), and a leaf rearranged by later writes can
    keep old bytes in its free space. So each such index whose pages still hold the id's
    bytes is rebuilt (every one of them when `user_id` is not given or the file cannot be
    read). The write-ahead log, which holds the pages as they were, is checkpointed into the
    database and truncated, before the search and after the rebuilds.
    """
    if db.conn.in_transaction:
        return  # inside the caller's transaction: the caller scrubs when it is done
    names = set(db.table_names())
    indexes = _indexes_on(db, "officers", "rowid")
    for table, column, _action in FORGET_TABLES:
        if table in names:
            indexes.extend(_indexes_on(db, table, column))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for name in dict.fromkeys(indexes):
        if user_id is None or _pages_may_hold(db, name, user_id):
            db.execute(f"REINDEX [{name}]")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _record_int(value: int) -> bytes:
    """An integer as SQLite stores it in a record: big-endian, in the fewest of 1, 2, 3, 4,
    6 or 8 bytes."""
    for size in (1, 2, 3, 4, 6, 8):
        if -(1 << (8 * size - 1)) <= value < (1 << (8 * size - 1)):
            return value.to_bytes(size, "big", signed=True)
    return value.to_bytes(8, "big", signed=True)


def _pages_may_hold(db: Database, index: str, user_id: int) -> bool:
    """Whether any page of `index` may still hold `user_id` (an inner page's divider key, or
    the free space of a leaf that was rearranged), read from the file just checkpointed. True
    when unsure: no file, no `dbstat`, an unreadable page, or the bytes found anyway."""
    try:
        path = next(r["file"] for r in db.query("PRAGMA database_list") if r["name"] == "main")
        page_size = next(iter(db.query("PRAGMA page_size")))["page_size"]
        pages = [r["pageno"] for r in db.query(
            "SELECT pageno FROM dbstat WHERE name = ?", [index])]
    except Exception:  # any doubt means rebuilding, which is always safe
        return True
    if not path:
        return True
    needle = _record_int(user_id)
    try:
        with open(path, "rb") as fh:
            for page in pages:
                fh.seek((page - 1) * page_size)
                if needle in fh.read(page_size):
                    return True
    except OSError:
        return True
    return False


# (table, column, "delete" | "detach"). Store modules append their own per-person tables.
FORGET_TABLES: list[tuple[str, str, str]] = [("events", "officer_id", "detach"),
                                             ("invite_failures", "user_id", "delete")]


def active_staff(db: Database) -> list[Officer]:
    """Active comms and admin people (they get their own command menu)."""
    return [_officer(r) for r in db.query(
        "SELECT * FROM officers WHERE status = 'active' AND role IN ('comms', 'admin')")]


def active_timezones(db: Database) -> list[str]:
    """The time zones that at least one active officer is in."""
    return [r["timezone"] for r in
            db.query("SELECT DISTINCT timezone FROM officers WHERE status = 'active'")]
