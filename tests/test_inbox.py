"""The inbox: an update is stored before Telegram is told it arrived, handled once, and the
updates a stopped process left unanswered are answered at the next start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.clock import utcnow
from bot.library import import_folder
from bot.runtime import SECRET_HEADER, webhook_path
from bot.store import Store, inbox
from bot.store.officers import create_invite
from bot.testkit.client import ChatUser
from bot.testkit.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
NOW = utcnow()


def _update(update_id: int, text: str = "hola") -> dict:
    return {"update_id": update_id,
            "message": {"message_id": 1, "date": 0, "text": text,
                        "chat": {"id": 7, "type": "private", "first_name": "A"},
                        "from": {"id": 7, "is_bot": False, "first_name": "A"}}}


def test_a_repeated_update_is_stored_once_and_its_text_is_erased_when_handled(store):
    assert inbox.store_updates(store.db, [_update(1), _update(2)], now=NOW) == [1, 2]
    assert inbox.store_updates(store.db, [_update(2), _update(3)], now=NOW) == [3]
    inbox.mark_done(store.db, 2, now=NOW)
    row = store.db["inbox"].get(2)
    assert row["payload"] is None and row["outcome"] == "handled"  # no text kept once answered
    assert inbox.pending_count(store.db) == 2
    assert inbox.store_updates(store.db, [_update(2)], now=NOW) == []  # still recognised


def test_pending_updates_come_back_in_order_and_a_crashing_one_is_given_up(store):
    inbox.store_updates(store.db, [_update(5), _update(4)], now=NOW)
    pending, given_up = inbox.take_pending(store.db, now=NOW)
    assert [u["update_id"] for u in pending] == [4, 5] and given_up == 0
    inbox.mark_done(store.db, 4, now=NOW)
    inbox.take_pending(store.db, now=NOW)  # update 5 stopped the process again: 3rd attempt
    pending, given_up = inbox.take_pending(store.db, now=NOW)
    assert pending == [] and given_up == 1
    assert store.db["inbox"].get(5)["outcome"] == "given_up"


def test_handled_updates_are_pruned_after_two_days(store):
    inbox.store_updates(store.db, [_update(1), _update(2)], now=NOW)
    inbox.mark_done(store.db, 1, now=NOW - timedelta(days=3))
    assert inbox.prune(store.db, now=NOW) == 1
    assert [r["update_id"] for r in store.db["inbox"].rows] == [2]  # pending ones stay


async def _officer(emulator: Emulator, store: Store, user_id: int) -> ChatUser:
    code = (await store.run(create_invite, now=utcnow())).code
    officer = ChatUser(emulator, emulator.add_user(user_id, "Agente", "es"))
    await officer.ask(f"/start {code}")
    return officer


def _answers(emulator: Emulator, officer: ChatUser) -> list:
    return [m for m in emulator.bot_messages(officer.id) if m.reply_markup]


async def test_updates_left_by_a_stopped_process_are_answered_once_at_the_next_start(
        emulator, store, runtime_factory):
    import_folder(store.db, ROOT / "messages", utcnow())
    first = await runtime_factory()
    officer = await _officer(emulator, store, 5101)
    await first.stop()
    # The officer asks while the bot is down; a crashed process had stored the update but not
    # answered it, and Telegram, not told, still holds it: it comes back from both sides.
    await officer.send("menor no acompañado")
    held = list(emulator.bot.updates)
    assert len(held) == 1
    inbox.store_updates(store.db, held, now=utcnow())
    before = len(emulator.bot_messages(officer.id))

    second = await runtime_factory()
    reply = await officer.next(timeout=10)
    assert any("NNA" in label or "acompañ" in label for label in reply.button_texts)
    assert second.poller.recovered == 1
    await emulator.wait_for(lambda: not emulator.bot.updates, timeout=10)  # confirmed
    later = await officer.ask("trato digno", timeout=10)
    assert later.button_texts
    assert len(emulator.bot_messages(officer.id)) == before + 2  # the repeat got no answer
    assert store.db["inbox"].get(held[0]["update_id"])["outcome"] == "handled"


async def test_the_webhook_answers_200_only_after_storing_and_ignores_a_repeat(
        emulator, emulator_settings, store, runtime_factory):
    import_folder(store.db, ROOT / "messages", utcnow())
    host, port = emulator_settings.web
    url = f"http://{host}:{port}/telegram"
    runtime = await runtime_factory(with_web=True, webhook_url=url)
    officer = await _officer(emulator, store, 5102)
    asked = await officer.send("menor no acompañado")
    await officer.next(timeout=10)
    update = {"update_id": 9_000_001, "message": {
        "message_id": asked.message_id, "date": asked.date, "text": "trato digno",
        "chat": {"id": officer.id, "type": "private", "first_name": "Agente"},
        "from": {"id": officer.id, "is_bot": False, "first_name": "Agente",
                 "language_code": "es"}}}
    before = len(emulator.bot_messages(officer.id))
    route = f"{runtime.web_address}{webhook_path(url)}"
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.post(route, json=update,
                                 headers={SECRET_HEADER: runtime._secret}) as resp:
                assert resp.status == 200
                assert store.db["inbox"].get(9_000_001)  # stored before the 200
        async with http.post(route, json=update, headers={SECRET_HEADER: "wrong"}) as resp:
            assert resp.status == 403
    await officer.next(timeout=10)
    await officer.ask("asilo", timeout=10)
    assert len(emulator.bot_messages(officer.id)) == before + 2  # the repeat got no answer
