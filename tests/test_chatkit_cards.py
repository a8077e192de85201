"""Sending a rendered card through the emulator, outside any handler: materials first, each
file uploaded once and then sent by file_id, Telegram's errors passed to the caller."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.chatkit.cards import CardSender
from bot.content.cardview import render_card
from bot.content.model import Kind, Material
from tests.factories import PNG
from tests.factories import stored_card as card


async def started(emulator, user_id: int):
    """A user who has opened the chat (Telegram refuses messages to anyone else)."""
    user = emulator.add_user(user_id)
    await emulator.send_text(user_id, "/start")
    return user


def material(path: Path, data: bytes = b"") -> Material:
    if data:
        path.write_bytes(data)
    return Material(str(path), hashlib.sha256(data).hexdigest(), len(data))


def _files(tmp_path):
    return (material(tmp_path / "flujo.png", PNG),
            material(tmp_path / "sop.pdf", b"%PDF-1.4\n%%EOF\n"))


async def test_send_card_uploads_each_file_once_and_reuses_its_file_id(
        bot, emulator, store, tmp_path) -> None:
    image, document = _files(tmp_path)
    user, other = await started(emulator, 501), await started(emulator, 511)
    m = render_card(card(Kind.SOP, image=image, document=document), "es")
    cards = CardSender(store)
    first = await cards.send(bot, user.id, m)
    second = await cards.send(bot, other.id, m)  # another chat: no flood wait
    assert len(first) == len(second) == 2
    sent = emulator.bot_messages(user.id)
    assert sent[0].photo and sent[0].caption is None
    assert sent[1].document and sent[1].caption.startswith("Trato digno")
    assert sent[1].button_texts[0] == "✅ Leído y entendido"
    assert emulator.stats.uploads == 2 and emulator.stats.file_id_reuses == 2
    assert store.db["media_files"].count == 2


async def test_a_text_too_long_for_a_caption_follows_the_media_with_the_buttons(
        bot, emulator, store, tmp_path) -> None:
    image, _document = _files(tmp_path)
    user = await started(emulator, 502)
    m = render_card(card(image=image, body_html="x" * 1500), "en")
    ids = await CardSender(store).send(bot, user.id, m)
    photo, text = emulator.bot_messages(user.id)
    assert [photo.message_id, text.message_id] == ids
    assert photo.caption is None and photo.buttons == []
    assert text.text.startswith("Trato digno") and "👍 Useful" in text.button_texts


async def test_a_file_id_telegram_no_longer_knows_is_uploaded_again(
        bot, emulator, store, tmp_path) -> None:
    image, _document = _files(tmp_path)
    user = await started(emulator, 503)
    m = render_card(card(image=image), "es")
    await CardSender(store).send(bot, user.id, m)
    emulator.files.clear()  # Telegram forgot the file
    await CardSender(store).send(bot, user.id, m)
    assert emulator.stats.uploads == 2
    assert len(emulator.bot_messages(user.id)) == 2


async def test_a_missing_material_file_sends_the_card_as_text(bot, emulator, store) -> None:
    user = await started(emulator, 504)
    m = render_card(card(image=material(Path("/nonexistent/flujo.png"))), "es")
    assert len(await CardSender(store).send(bot, user.id, m)) == 1
    assert emulator.bot_messages(user.id)[0].text.startswith("Trato digno")


async def test_telegram_errors_reach_the_caller(bot, emulator, store) -> None:
    from telegram.error import Forbidden

    user = await started(emulator, 505)
    emulator.block(user.id)
    with pytest.raises(Forbidden):
        await CardSender(store).send(bot, user.id, render_card(card(), "es"))
