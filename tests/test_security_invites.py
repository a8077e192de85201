"""Guessing invite codes: wrong codes are counted per person and slowed down after a few,
and the web app shows how many (never who, never the codes). Before, 200 wrong `/start`
codes from one user were all answered at full speed and nothing was logged."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import utcnow
from bot.store import officers
from bot.store.officers import FREE_FAILURES, EnrollResult, Role
from tests.stats_seed import NOW
from tests.web_helpers import ADMIN_ID, make_app, seeded_store, sign_in


def _try(store, user_id: int, code: str, at):  # type: ignore[no-untyped-def]
    return officers.enroll(store.db, user_id, code, language="es",
                           timezone="America/Mexico_City", now=at)[0]


def test_wrong_codes_are_slowed_down_after_a_few_and_the_waits_grow(store, caplog):
    good = officers.create_invite(store.db, now=NOW)
    with caplog.at_level(logging.WARNING):
        results = [_try(store, 7, f"wrong{n}", NOW) for n in range(FREE_FAILURES)]
    assert results == [EnrollResult.UNKNOWN] * FREE_FAILURES
    assert "wrong invite codes: 5 in a row" in caplog.text and "wrong0" not in caplog.text
    # locked for a minute: no code is looked at, not even the right one
    assert _try(store, 7, good.code, NOW + timedelta(seconds=30)) == EnrollResult.SLOWED
    assert officers.get_officer(store.db, 7) is None
    for _ in range(200):  # the attack: nothing more is checked while the wait lasts
        assert _try(store, 7, "guess", NOW + timedelta(seconds=40)) == EnrollResult.SLOWED
    assert officers.invite_wait(store.db, 7, NOW) == NOW + timedelta(minutes=1)
    # each further wrong code doubles the wait
    later = NOW + timedelta(minutes=1, seconds=1)
    assert _try(store, 7, "wrong5", later) == EnrollResult.UNKNOWN
    assert officers.invite_wait(store.db, 7, later) == later + timedelta(minutes=2)
    # someone else is not affected; the right code after the wait enrolls and clears the count
    assert _try(store, 8, good.code, later) == EnrollResult.ENROLLED
    done = later + timedelta(minutes=3)
    assert _try(store, 7, good.code, done) == EnrollResult.ENROLLED
    assert officers.invite_failure_summary(store.db, done)["people"] == 0


def test_a_streak_is_forgotten_after_a_day_and_the_summary_counts_without_names(store):
    for n in range(FREE_FAILURES):
        _try(store, 9, f"w{n}", NOW)
    _try(store, 10, "x", NOW)
    summary = officers.invite_failure_summary(store.db, NOW)
    assert summary == {"attempts": FREE_FAILURES + 1, "people": 2, "waiting": 1, "days": 7}
    assert _try(store, 9, "again", NOW + timedelta(days=2)) == EnrollResult.UNKNOWN
    assert officers.invite_wait(store.db, 9, NOW + timedelta(days=2)) is None


async def test_the_bot_answers_a_guesser_with_a_wait_and_the_web_app_shows_the_count(
        bot_runtime, chat_user, store, aiohttp_client, tmp_path) -> None:
    guesser = chat_user(4711)
    answers = [(await guesser.ask(f"/start guess{n}")).text for n in range(FREE_FAILURES + 2)]
    assert all("not valid" in a or "no es válido" in a for a in answers[:FREE_FAILURES])
    assert "Espera 1 minuto y" in answers[FREE_FAILURES]
    assert "Wait 1 minute," in answers[FREE_FAILURES]
    good = await store.run(officers.create_invite, role=Role.OFFICER, now=utcnow())
    assert "Espera" in (await guesser.ask(f"/start {good.code}")).text
    assert await store.run(officers.get_officer, 4711) is None

    # The running bot uses the store's thread: the test's writes go through it too.
    await store.run(lambda _db: seeded_store(tmp_path, store))
    client = await aiohttp_client(make_app(store, tmp_path))
    await sign_in(client, store, ADMIN_ID)
    page = await (await client.get("/invites?lang=en")).text()
    assert (f"Wrong invitation codes in the last 7 days: {FREE_FAILURES} "
            "(people who typed them: 1;") in page
    assert "guess" not in page and "4711" not in page
