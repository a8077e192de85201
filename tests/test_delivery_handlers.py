"""Chat commands of the delivery area, through the real Application and the emulator:
pausing reminders, choosing a time zone, and /proximos with a preview for comms only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.delivery import campaigns
from bot.library import import_folder
from bot.store import Store, officers
from bot.store import delivery as outbox
from tests.factories import write_card


@pytest.fixture
def content(store: Store, tmp_path: Path) -> None:
    for card_id in ("trato-digno", "nna"):
        write_card(tmp_path / "messages", f"practicas/{card_id}.es.md", title=card_id,
                   body=f"Texto de {card_id}.")
    import_folder(store.db, tmp_path / "messages", utcnow())


async def test_an_officer_pauses_and_resumes_weekly_reminders(enroll, store) -> None:
    user = await enroll()
    shown = await user.ask("/recordatorios")
    assert "activos" in shown.content
    await user.tap(shown, "Pausar")
    await user.emu.wait_for(
        lambda: "en pausa" in user.emu.message(user.id, shown.message_id).content)
    assert officers.get_officer(store.db, user.id).reminders_paused
    assert "avisos importantes" in user.emu.message(user.id, shown.message_id).content
    again = await user.ask("/reminders")
    assert "avisos importantes" in again.content  # paused: broadcasts still come
    await user.tap(again, "Reanudar")
    await user.emu.wait_for(
        lambda: "de nuevo" in user.emu.message(user.id, again.message_id).content)
    assert not officers.get_officer(store.db, user.id).reminders_paused


async def test_an_officer_chooses_the_tijuana_time_zone(enroll, store) -> None:
    user = await enroll()
    shown = await user.ask("/zona")
    assert any("Tijuana" in label for label in shown.button_texts)
    await user.tap(shown, "v1:tz:tijuana")
    await user.emu.wait_for(
        lambda: "Tijuana" in user.emu.message(user.id, shown.message_id).content)
    assert officers.get_officer(store.db, user.id).timezone == "America/Tijuana"
    done = user.emu.message(user.id, shown.message_id).content
    assert ") (" not in done, done  # the zone's own parenthesis, then the time: not two in a row
    assert "Ahora son las" in done


async def test_upcoming_is_for_comms_and_lists_campaigns_with_a_preview_button(
        enroll, store, content) -> None:
    officer = await enroll()
    assert "equipo de comunicación" in (await officer.ask("/proximos")).content
    comms = await enroll(role="comms")
    assert "Ninguna campaña" in (await comms.ask("/proximos")).content
    series = campaigns.new_series(store.db, name="Semanal norte", card_ids=["nna"], day="mon",
                                  time="09:00", now=utcnow())
    cid = campaigns.add(store.db, series).id
    listing = await comms.ask("/upcoming")
    assert "Semanal norte" in listing.content
    await comms.tap(listing, f"v1:pv:{cid}")
    preview = await comms.next()
    assert "Recordatorio semanal" in preview.content and "nna" in preview.content
    first = preview.content.splitlines()[0]
    assert first.startswith("👁") and "Vista previa" in first, preview.content
    assert officer.emu.stats.delivered[officer.id] == 2  # welcome + refusal: no preview
    assert outbox.outbox_rows(store.db) == []


async def test_upcoming_names_the_audience_and_an_auto_named_broadcast_in_spanish(
        enroll, store, content) -> None:
    comms = await enroll(role="comms")
    broadcast = campaigns.new_broadcast(store.db, "trato-digno", at=utcnow() + timedelta(days=1),
                                        now=utcnow())
    campaigns.add(store.db, broadcast)
    listing = await comms.ask("/proximos")
    assert "Envío único: trato-digno" in listing.content  # the card's title
    assert "todos" in listing.content and "everyone" not in listing.content


async def test_every_time_zone_button_fits_a_phone_and_names_its_place(enroll) -> None:
    from bot.callbacks import LABEL_FIT

    user = await enroll()
    shown = await user.ask("/zona")
    assert all(len(label) <= LABEL_FIT for label in shown.button_texts)
    assert any(label.endswith("Baja California: Tijuana, Mexicali")
               for label in shown.button_texts)
