"""Web app sign-in: one-time sign-in tokens and sessions, both stored only as hashes.

`/panel` in the bot calls `create_login_token`; the link it sends carries the plain token,
which is never stored. Opening the link calls `redeem_login_token`, which uses the token up
(single use, short expiry) and opens a session whose cookie value is also kept only as a
hash. Each session has its own CSRF token for the forms of the web app.

A session is valid while it has not expired and its person is still an active comms or
admin user: `get_session` reads the role from `officers` on every request, so a demoted or
departed person loses the web app at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.clock import iso
from bot.store.officers import FORGET_TABLES, SESSION_TABLES

LOGIN_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
WEB_ROLES = ("comms", "admin")


@dataclass(frozen=True)
class Session:
    officer_id: int
    role: str
    lang: str
    csrf: str
    expires_at: str


def _create(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE web_login_tokens (
            token_hash TEXT PRIMARY KEY,
            officer_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE web_sessions (
            session_hash TEXT PRIMARY KEY,
            officer_id INTEGER NOT NULL,
            lang TEXT NOT NULL DEFAULT 'es',
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX web_sessions_officer ON web_sessions(officer_id)")


def _stats_indexes(db: Database) -> None:
    """Indexes for the web overview's aggregates (`bot.store.stats`) on the events log: the
    reach of the latest campaigns, per-card figures, and people active per week."""
    db.execute("CREATE INDEX IF NOT EXISTS events_reach ON events(type, campaign_id, card_id, at)")
    db.execute("CREATE INDEX IF NOT EXISTS events_card_at ON events(card_id, type, at, value)")
    db.execute("CREATE INDEX IF NOT EXISTS events_active ON events(type, at, officer_id, region)")


MIGRATIONS = [("0050_web_sessions", _create), ("0051_stats_indexes", _stats_indexes)]

FORGET_TABLES.extend(
    [("web_login_tokens", "officer_id", "delete"), ("web_sessions", "officer_id", "delete")]
)
SESSION_TABLES.extend([("web_login_tokens", "officer_id"), ("web_sessions", "officer_id")])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_login_token(db: Database, officer_id: int, *, now: datetime,
                       ttl: timedelta = LOGIN_TTL) -> str:
    """A fresh one-time sign-in token for this person; only its hash is stored. Their older
    links stop working: only the latest `/panel` link signs in."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        db.execute("DELETE FROM web_login_tokens WHERE expires_at <= ? OR officer_id = ?",
                   [iso(now), officer_id])
        db.table("web_login_tokens").insert(
            {"token_hash": token_hash(token), "officer_id": officer_id, "created_at": iso(now),
             "expires_at": iso(now + ttl), "used_at": None}
        )
    return token


def login_token_usable(db: Database, token: str, *, now: datetime) -> bool:
    """Whether a sign-in token is known, unused and unexpired (without using it up)."""
    return bool(list(db.query(
        "SELECT 1 AS ok FROM web_login_tokens "
        "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        [token_hash(token), iso(now)],
    )))


def _web_role(db: Database, officer_id: int) -> tuple[str, str] | None:
    rows = list(db.query(
        "SELECT role, language FROM officers WHERE id = ? AND status = 'active'", [officer_id]
    ))
    if not rows or rows[0]["role"] not in WEB_ROLES:
        return None
    return rows[0]["role"], rows[0]["language"]


def redeem_login_token(db: Database, token: str, *, now: datetime,
                       ttl: timedelta = SESSION_TTL) -> tuple[str, Session] | None:
    """Use up a sign-in token and open a session: (cookie value, session), or None.

    None when the token is unknown, used, expired, or its person is no longer an active
    comms or admin user.
    """
    when = iso(now)
    with db.atomic():
        rows = list(db.query(
            "SELECT officer_id FROM web_login_tokens "
            "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
            [token_hash(token), when],
        ))
        if not rows:
            return None
        db.execute("UPDATE web_login_tokens SET used_at = ? WHERE token_hash = ?",
                   [when, token_hash(token)])
        officer_id = rows[0]["officer_id"]
        found = _web_role(db, officer_id)
        if found is None:
            return None
        role, lang = found
        cookie = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires = iso(now + ttl)
        db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [when])
        db.table("web_sessions").insert(
            {"session_hash": token_hash(cookie), "officer_id": officer_id, "lang": lang,
             "csrf": csrf, "created_at": when, "expires_at": expires}
        )
    return cookie, Session(officer_id, role, lang, csrf, expires)


def get_session(db: Database, cookie: str, *, now: datetime) -> Session | None:
    """The live session for a cookie value, with the person's current role, or None."""
    rows = list(db.query(
        "SELECT s.officer_id, s.lang, s.csrf, s.expires_at, o.role FROM web_sessions s "
        "JOIN officers o ON o.id = s.officer_id "
        "WHERE s.session_hash = ? AND s.expires_at > ? AND o.status = 'active'",
        [token_hash(cookie), iso(now)],
    ))
    if not rows or rows[0]["role"] not in WEB_ROLES:
        return None
    r = rows[0]
    return Session(r["officer_id"], r["role"], r["lang"], r["csrf"], r["expires_at"])


def set_session_lang(db: Database, cookie: str, lang: str) -> None:
    db.execute("UPDATE web_sessions SET lang = ? WHERE session_hash = ?",
               [lang, token_hash(cookie)])


def end_session(db: Database, cookie: str) -> None:
    db.execute("DELETE FROM web_sessions WHERE session_hash = ?", [token_hash(cookie)])


def purge_expired(db: Database, *, now: datetime) -> None:
    when = iso(now)
    with db.atomic():
        db.execute("DELETE FROM web_login_tokens WHERE expires_at <= ?", [when])
        db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [when])
