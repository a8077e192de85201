"""SOP acknowledgements: a new version re-asks those who confirmed the old one; officers who
have not confirmed after N days get exactly one reminder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from telegram import Bot

from bot.delivery import campaigns
from bot.delivery.acks import reask_sends, reminder_sends, version_tag
from bot.delivery.engine import DeliveryEngine
from bot.delivery.sender import SenderConfig
from bot.library import import_folder
from bot.store import Store, cards, engagement
from bot.store import delivery as outbox
from bot.store.delivery import StaleAck, Unacknowledged
from bot.telegram_request import AiohttpRequest
from tests.factories import add_officer, write_card

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City


def write_sop(folder: Path, body: str) -> None:
    write_card(folder, "sop/nna.es.md", title="Protocolo NNA", kind="sop", body=body)


@pytest.fixture
def folder(store: Store, tmp_path: Path) -> Path:
    write_sop(tmp_path / "messages", "Primera versión del protocolo.")
    import_folder(store.db, tmp_path / "messages", NOW)
    return tmp_path / "messages"


@pytest_asyncio.fixture
async def engine(store, emulator, settings) -> AsyncIterator[DeliveryEngine]:
    bot = Bot(emulator.bot.token, base_url=emulator.base_url, request=AiohttpRequest())
    await bot.initialize()
    yield DeliveryEngine(store, bot, settings, config=SenderConfig())
    await bot.shutdown()


def test_sends_carry_one_key_per_card_version() -> None:
    [send] = reask_sends([StaleAck(1, "nna", "v2", "America/Tijuana")], NOW)
    assert send.item_key == f"ack:nna:{version_tag('v2')}" and send.kind == "ack_reask"
    [rem] = reminder_sends([Unacknowledged(1, "nna", "v2", "America/Mexico_City", 4)], NOW)
    assert rem.item_key.startswith("ackrem:nna:") and rem.campaign_id == 4


async def test_a_new_sop_version_re_asks_officers_who_confirmed_the_old_one(
        store, emulator, engine, folder) -> None:
    add_officer(store.db, 1, 2, now=NOW, emulator=emulator)
    old = cards.get_card(store.db, "nna", "es").version
    engagement.acknowledge(store.db, 1, "nna", old, at=NOW)
    write_sop(folder, "Segunda versión: cambió el paso 3.")
    import_folder(store.db, folder, NOW)
    assert cards.get_card(store.db, "nna", "es").version != old

    await engine.tick(NOW)
    await engine.tick(NOW + timedelta(minutes=5))
    assert dict(emulator.stats.delivered) == {1: 1}
    message = emulator.bot_messages(1)[0]
    assert "Procedimiento actualizado" in message.content and "Segunda versión" in message.content
    assert any("Leído y entendido" in label for label in message.button_texts)


async def test_one_reminder_after_n_days_without_acknowledgement(
        store, emulator, engine, folder) -> None:
    add_officer(store.db, 1, 2, now=NOW, emulator=emulator)
    c = campaigns.new_broadcast(store.db, "nna", at=None, now=NOW)
    campaigns.add(store.db, c)
    await engine.tick(NOW)
    assert dict(emulator.stats.delivered) == {1: 1, 2: 1}
    version = cards.get_card(store.db, "nna", "es").version
    engagement.acknowledge(store.db, 2, "nna", version, at=NOW + timedelta(days=1))

    await engine.tick(NOW + timedelta(days=6))
    assert dict(emulator.stats.delivered) == {1: 1, 2: 1}
    await engine.tick(NOW + timedelta(days=7, minutes=1))
    assert dict(emulator.stats.delivered) == {1: 2, 2: 1}
    assert "confirma que leíste" in emulator.bot_messages(1)[-1].content
    await engine.tick(NOW + timedelta(days=15))
    assert dict(emulator.stats.delivered) == {1: 2, 2: 1}


async def test_a_series_can_set_its_own_number_of_days(store, emulator, engine, folder) -> None:
    add_officer(store.db, 1, now=NOW, emulator=emulator)
    series = campaigns.new_series(store.db, name="SOP", card_ids=["nna"], day="tue",
                                  time="09:00", start="2026-03-01", ack_days=2, now=NOW)
    campaigns.add(store.db, series)
    await engine.tick(NOW)
    await engine.tick(NOW + timedelta(days=2, minutes=1))
    rows = outbox.outbox_rows(store.db, officer_id=1)
    assert [r["kind"] for r in rows] == ["reminder", "ack_reminder"]
