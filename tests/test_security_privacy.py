"""Privacy by construction: questions cannot be tied to people, small groups stay hidden,
erasing leaves no copy of the id in the files, sessions end for good. Each test reproduces an
attack that worked before (issue: security and privacy sweep)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import iso
from bot.store import Store, engagement, events, officers, stats
from bot.store import web as web_store
from bot.store.events import Event, EventType
from bot.store.stats import MIN_GROUP, SUPPRESSED, Filters
from tests.stats_seed import NOW, W10, seed
from tests.web_helpers import ADMIN_ID, make_app, seeded_store, sign_in

ERASED = 7_391_526_804  # an id no other number in the store resembles


def _ask(db, officer_id: int, region: str, text: str, results: int, at: datetime) -> None:
    """What the chat records for one question (see bot.chat.searching.run_search)."""
    events.log_query(db, normalized=text, results=results, lang="es", region=region, at=at)
    events.record(db, Event(EventType.QUERY, at, officer_id=officer_id, role="officer",
                            region=region, port="p", lang="es", count=results))


def test_a_question_cannot_be_joined_back_to_who_asked_it(store):
    db = store.db
    _ask(db, 11, "norte", "donde reporto abuso", 0, datetime(2026, 3, 4, 10, 15, 7, tzinfo=UTC))
    _ask(db, 22, "sur", "visa humanitaria", 0, datetime(2026, 3, 4, 16, 40, 55, tzinfo=UTC))
    assert "query_log" not in db.table_names()
    columns = {c.name for c in db["query_texts"].columns}
    assert columns == {"day", "lang", "normalized", "asked", "zero"}  # no person, region, time
    assert [r["officer_id"] for r in db.query("SELECT officer_id FROM events "
                                              "WHERE type = 'query'")] == [None, None]
    # the join, by time and region, adapted to what is stored now: nobody comes out
    joined = list(db.query(
        "SELECT e.officer_id, q.normalized FROM query_texts q JOIN events e "
        "ON e.type = 'query' AND substr(e.at, 1, 10) = q.day AND e.officer_id IS NOT NULL"))
    assert joined == []


def test_an_old_store_loses_the_link_when_it_upgrades(tmp_path: Path):
    """A store made before this change: query_log rows with times and regions, query events
    with officer ids. Opening it turns them into daily texts and anonymous events."""
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        db = store.db
        db.execute("DROP TABLE query_texts")
        db.execute("DELETE FROM _migrations WHERE name = '0004_query_texts'")
        db.execute("CREATE TABLE query_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, lang TEXT, "
                   "region TEXT, normalized TEXT NOT NULL, results INTEGER NOT NULL)")
        db.execute("INSERT INTO query_log (at, lang, region, normalized, results) VALUES "
                   "('2026-03-04T10:15:07+00:00', 'es', 'norte', 'abuso', 0), "
                   "('2026-03-04T11:00:00+00:00', 'es', 'sur', 'abuso', 0)")
        db.execute("INSERT INTO events (type, at, officer_id, region) VALUES "
                   "('query', '2026-03-04T10:15:07+00:00', 11, 'norte')")
        db.conn.commit()
    with Store.open(path) as store:
        assert "query_log" not in store.db.table_names()
        assert list(store.db.query("SELECT day, normalized, asked, zero FROM query_texts")) == [
            {"day": "2026-03-04", "normalized": "abuso", "asked": 2, "zero": 2}]
        assert next(iter(store.db.query("SELECT officer_id FROM events")))["officer_id"] is None


def test_a_question_fewer_than_five_times_asked_is_not_listed(store):
    db = store.db
    for n in range(MIN_GROUP - 1):
        _ask(db, 11, "norte", "pregunta rara", 0, datetime(2026, 3, n + 1, 10, tzinfo=UTC))
    assert stats.zero_result_queries(db) == []
    _ask(db, 12, "norte", "Pregunta  rara", 0, datetime(2026, 3, 6, 10, tzinfo=UTC))
    gaps = stats.zero_result_queries(db)
    assert [(g["query"], g["count"], g["last_at"]) for g in gaps] == [
        ("pregunta rara", 5, "2026-03-06")]  # a day, never a time
    assert gaps[0]["variants"] == []  # the variant typed once is not shown
    assert events.zero_result_texts(db, min_count=5) == []  # per text, before grouping
    assert events.zero_result_texts(db, min_count=4) == [
        {"normalized": "pregunta rara", "lang": "es", "count": 4, "last_day": "2026-03-04"}]


async def test_the_gaps_page_hides_a_question_asked_by_the_only_officer_of_a_region(
        aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    at = NOW - timedelta(hours=3)
    _ask(store.db, 300, "centro", "protocolo secreto xyz", 0, at)
    client = await aiohttp_client(make_app(store, tmp_path))
    await sign_in(client, store, ADMIN_ID)
    for query in ("", "?region=centro", "?period=7d", "?lang=es"):
        page = await (await client.get("/gaps" + query)).text()
        assert "protocolo secreto xyz" not in page, query


def test_cards_rated_by_few_people_show_no_figures(store):
    seed(store.db)
    assert stats.not_useful_cards(store.db) == []  # one person rated nna "not useful" thrice
    usage = {u["card_id"]: u for u in stats.card_usage(store.db)}
    assert usage["quiz-1"]["quiz_answers"] == SUPPRESSED  # two people answered it
    assert usage["quiz-1"]["quiz_correct_share"] is None
    assert usage["trato-digno"]["opens"] == 15


def test_secondary_suppression_keeps_totals_from_giving_a_hidden_region_back(store):
    seed(store.db)
    rows = stats.weekly_report(store.db, Filters(), now=NOW)
    raw = stats.weekly(store.db, Filters(), now=NOW, by_region=True)
    by_week: dict[str, list[tuple[dict, dict]]] = {}
    for r, out in zip(raw, rows, strict=True):
        by_week.setdefault(r["week"], []).append((r, out))
    checked = 0
    for pairs in by_week.values():
        hidden = [r for r, out in pairs if out["opens"] == "" and r["officers_active"]]
        shown = [r for r, out in pairs if out["opens"] != "" and r["officers_active"]]
        if not hidden:
            continue
        checked += 1
        people = sum(r["officers_active"] for r in hidden)
        assert (len(hidden) >= 2 and people >= MIN_GROUP) or not shown, pairs
    assert checked >= 2
    w10 = [out for out in rows if out["week"] == "2026-W10"]
    norte = next(out for out in w10 if out["region"] == "norte")
    assert norte["officers_active"] == 5 and norte["opens"] == ""  # blanked: sur is alone


# --- erasing --------------------------------------------------------------------------------

def _patterns(user_id: int) -> dict[str, bytes]:
    """The id as text, as SQLite stores an integer in a record, and as a varint (rowid)."""
    varint = bytearray()
    value = user_id
    varint.insert(0, value & 0x7F)
    value >>= 7
    while value:
        varint.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    return {"text": str(user_id).encode(), "int6": user_id.to_bytes(6, "big"),
            "int8": user_id.to_bytes(8, "big"), "varint": bytes(varint)}


def _raw_files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
            if p.exists()}


def _leave_traces(store: Store, user_id: int) -> None:
    """Everything a person can leave in the store, many times over so pages split."""
    from bot.store import delivery

    db = store.db
    officers.ensure_admin(db, user_id, language="es", timezone="America/Mexico_City",
                          now=W10)
    for other in range(1, 400):  # neighbours on both sides of the id, for index pages
        db["officers"].insert({"id": user_id - 200 + other * (1 if other < 200 else 3),
                               "language": "es", "role": "officer", "region": "norte",
                               "timezone": "America/Mexico_City", "enrolled_at": iso(W10)})
    for n in range(3000):
        who = user_id if n % 3 == 0 else user_id + 1 + n
        events.record(db, Event(EventType.CARD_OPENED, W10 + timedelta(minutes=n),
                                officer_id=who, region="norte", card_id=f"c{n % 40}"))
    engagement_rows(db, user_id)
    web_store.create_login_token(db, user_id, now=NOW)
    web_store.redeem_login_token(db, web_store.create_login_token(db, user_id, now=NOW),
                                 now=NOW)
    db.execute("INSERT INTO campaigns (kind, name, status, created_at, created_by) VALUES "
               "('broadcast', 'b', 'done', ?, ?)", [iso(W10), user_id])
    db.execute("INSERT INTO outbox (officer_id, item_key, card_id, kind, due_at, created_at) "
               "VALUES (?, 'k', 'c1', 'broadcast', ?, ?)", [user_id, iso(W10), iso(W10)])
    db.execute("INSERT INTO series_progress (campaign_id, officer_id, next_position) "
               "VALUES (1, ?, 2)", [user_id])
    db.conn.commit()
    assert delivery  # the module registers its per-person tables


def engagement_rows(db, user_id: int) -> None:
    for n in range(30):
        db.execute("INSERT INTO feedback (officer_id, card_id, value, at) VALUES (?, ?, "
                   "'useful', ?)", [user_id, f"c{n}", iso(W10)])
        db.execute("INSERT INTO quiz_answers (officer_id, card_id, choice, correct, at) "
                   "VALUES (?, ?, 1, 1, ?)", [user_id, f"q{n}", iso(W10)])
        db.execute("INSERT INTO acks (officer_id, card_id, version, at) VALUES (?, ?, '1', ?)",
                   [user_id, f"s{n}", iso(W10)])
    assert engagement  # registered tables


def test_erase_leaves_no_copy_of_the_id_in_the_database_wal_or_free_pages(store, db_path):
    _leave_traces(store, ERASED)
    before = _raw_files(db_path)
    patterns = _patterns(ERASED)
    assert any(p in data for data in before.values() for p in patterns.values())
    officers.forget(store.db, ERASED)
    for table in ("officers", "feedback", "quiz_answers", "acks", "outbox", "series_progress",
                  "web_sessions", "web_login_tokens"):
        column = "id" if table == "officers" else "officer_id"
        assert store.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?",
                                [ERASED]).fetchone()[0] == 0, table
    assert store.db.execute("SELECT created_by FROM campaigns").fetchone()[0] is None
    assert store.db.execute("SELECT count(*) FROM events WHERE officer_id = ?",
                            [ERASED]).fetchone()[0] == 0
    after = _raw_files(db_path)
    for name, data in after.items():
        for kind, pattern in patterns.items():
            assert pattern not in data, f"{kind} copy of the id in {name}"
    # the store still works and is consistent
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 3000
    con.close()


# --- sessions and sign-in links ---------------------------------------------------------------

async def test_a_new_panel_link_revokes_the_older_ones(store):
    seed(store.db)
    first = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    second = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    assert not web_store.login_token_usable(store.db, first, now=NOW)
    assert web_store.redeem_login_token(store.db, first, now=NOW) is None
    assert web_store.redeem_login_token(store.db, second, now=NOW) is not None


@pytest.mark.parametrize("how", ["leave", "blocked", "role"])
def test_a_session_of_someone_who_left_does_not_come_back_when_they_return(store, how):
    seed(store.db)
    cookie, _session = web_store.redeem_login_token(
        store.db, web_store.create_login_token(store.db, ADMIN_ID, now=NOW), now=NOW)
    pending = web_store.create_login_token(store.db, ADMIN_ID, now=NOW)
    if how == "leave":
        officers.leave(store.db, ADMIN_ID, now=NOW)
        invite = officers.create_invite(store.db, role=officers.Role.ADMIN, max_uses=1,
                                        now=NOW)
        result, _ = officers.enroll(store.db, ADMIN_ID, invite.code, language="es",
                                    timezone="America/Mexico_City", now=NOW)
        assert result == officers.EnrollResult.REJOINED
    elif how == "blocked":
        officers.mark_blocked(store.db, ADMIN_ID)
        officers.active_officer(store.db, ADMIN_ID)  # writes again: active again
    else:
        officers.set_role(store.db, ADMIN_ID, officers.Role.OFFICER)
        officers.set_role(store.db, ADMIN_ID, officers.Role.ADMIN)
    assert officers.get_officer(store.db, ADMIN_ID).active
    assert web_store.get_session(store.db, cookie, now=NOW) is None
    assert web_store.redeem_login_token(store.db, pending, now=NOW) is None


# --- out-of-range input -----------------------------------------------------------------------

async def test_out_of_range_dates_and_ids_answer_400_with_a_message(aiohttp_client, store,
                                                                   tmp_path):
    seeded_store(tmp_path, store)
    client = await aiohttp_client(make_app(store, tmp_path))
    csrf = await sign_in(client, store, ADMIN_ID)
    forms = [
        {"kind": "broadcast", "card": "trato-digno", "when": "at", "at": "9999-12-31T23:59"},
        {"kind": "broadcast", "card": "trato-digno", "when": "at", "at": "0001-01-01T00:00"},
        {"kind": "series", "name": "s", "cards": "trato-digno", "day": "mon", "time": "09:00",
         "start": "9999-12-31", "mode": "drip"},
        {"kind": "series", "name": "s", "cards": "trato-digno", "day": "mon", "time": "09:00",
         "start": "2026-04-01", "end": "9999-12-31", "mode": "drip"},
        {"kind": "broadcast", "card": "trato-digno", "when": "now",
         "replaces": "99999999999999999999999", "action": "create"},
    ]
    for form in forms:
        response = await client.post("/campaigns/new", data={"csrf": csrf, **form},
                                     allow_redirects=False)
        text = await response.text()
        assert response.status in (400, 303), (form, response.status)
        if response.status == 400:
            assert "años" in text or "ya pasó" in text or "fuera de rango" in text, form
    for path in ("/campaigns/99999999999999999999999", "/campaigns/new?edit=" + "9" * 30):
        assert (await client.get(path)).status in (400, 404), path
