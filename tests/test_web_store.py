"""Sign-in tokens and sessions in the store: hashed, single use, expiring, role-checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import officers
from bot.store import web as web_store
from tests.stats_seed import ADMIN_ID, COMMS_ID, NOW, seed


def test_a_sign_in_token_opens_one_session_and_only_once(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, COMMS_ID, now=NOW)
    cookie, session = web_store.redeem_login_token(store.db, token, now=NOW)
    assert session.role == "comms" and session.lang == "en"
    assert web_store.redeem_login_token(store.db, token, now=NOW) is None
    assert web_store.get_session(store.db, cookie, now=NOW) == session


def test_neither_token_nor_cookie_is_stored_in_clear(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    cookie, _ = web_store.redeem_login_token(store.db, token, now=NOW)
    dump = "\n".join(store.db.iterdump())
    assert token not in dump and cookie not in dump


def test_a_sign_in_token_expires_after_ten_minutes(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    later = NOW + web_store.LOGIN_TTL + timedelta(seconds=1)
    assert web_store.redeem_login_token(store.db, token, now=later) is None


def test_a_session_expires_and_is_purged(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    cookie, _ = web_store.redeem_login_token(store.db, token, now=NOW)
    later = NOW + web_store.SESSION_TTL
    assert web_store.get_session(store.db, cookie, now=later) is None
    web_store.purge_expired(store.db, now=later)
    assert store.db["web_sessions"].count == 0


def test_an_officer_cannot_open_a_session_even_with_a_token(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, 100, now=NOW)
    assert web_store.redeem_login_token(store.db, token, now=NOW) is None


def test_a_session_ends_when_its_person_loses_the_role_or_leaves(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, COMMS_ID, now=NOW)
    cookie, _ = web_store.redeem_login_token(store.db, token, now=NOW)
    officers.leave(store.db, COMMS_ID, now=datetime(2026, 3, 18, 13, tzinfo=UTC))
    assert web_store.get_session(store.db, cookie, now=NOW) is None


def test_forgetting_a_person_deletes_their_sessions(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    web_store.redeem_login_token(store.db, token, now=NOW)
    officers.forget(store.db, ADMIN_ID)
    assert store.db["web_sessions"].count == 0
    assert store.db["web_login_tokens"].count == 0


def test_signing_out_ends_the_session(store):
    seed(store.db)
    token = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    cookie, _ = web_store.redeem_login_token(store.db, token, now=NOW)
    web_store.end_session(store.db, cookie)
    assert web_store.get_session(store.db, cookie, now=NOW) is None
