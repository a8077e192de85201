"""`/panel` in the bot: comms and admin people get a one-time sign-in link, officers do not."""

from __future__ import annotations

import re

from bot.clock import utcnow
from bot.store import web as web_store

LINK = re.compile(r"(http://\S+/login/([A-Za-z0-9_-]+))")


async def test_a_comms_person_gets_a_one_time_sign_in_link(enroll, store, emulator_settings):
    comms = await enroll(role="comms")
    reply = await comms.ask("/panel")
    found = LINK.search(reply.text or "")
    assert found, reply.text
    assert found.group(1).startswith(emulator_settings.public_web_url + "/login/")
    token = found.group(2)
    opened = await store.run(web_store.redeem_login_token, token, now=utcnow())
    assert opened is not None and opened[1].role == "comms"
    assert await store.run(web_store.redeem_login_token, token, now=utcnow()) is None


async def test_only_the_hash_of_the_token_is_stored(enroll, store):
    admin = await enroll(role="admin")
    token = LINK.search((await admin.ask("/panel")).text or "").group(2)
    rows = list(store.db.query("SELECT token_hash FROM web_login_tokens"))
    assert rows and all(token not in r["token_hash"] for r in rows)
    assert rows[-1]["token_hash"] == web_store.token_hash(token)


async def test_an_officer_asking_for_the_panel_gets_no_link(enroll, store):
    officer = await enroll(role="officer")
    reply = await officer.ask("/panel")
    assert "/login/" not in (reply.text or "")
    assert next(iter(store.db.query("SELECT count(*) AS n FROM web_login_tokens")))["n"] == 0


async def test_a_configured_admin_gets_a_link_in_their_language(chat_user, store, bot_runtime):
    from bot.store import officers

    admin = chat_user(999)
    await admin.ask("/start")
    assert "una sola vez" in ((await admin.ask("/panel")).text or "")
    await store.run(officers.set_language, 999, "en")
    reply = await admin.ask("/panel")
    assert LINK.search(reply.text or "") and "works once" in (reply.text or "")


async def test_the_bot_remembers_when_it_last_handled_an_update(enroll, bot_runtime):
    from bot.chat.panel import LAST_UPDATE_KEY

    await enroll(role="officer")
    assert bot_runtime.application.bot_data[LAST_UPDATE_KEY] is not None
