"""The officer's conversation end to end: the real Application against the Bot API emulator
over HTTP, with a real SQLite store and a small imported content folder."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import iso, utcnow
from bot.library import import_folder
from bot.store import Store, cards, engagement, officers
from bot.testkit.emulator import Emulator
from tests.chat_helpers import events, tap_edit, write_content


@pytest.fixture
def content(store: Store, tmp_path: Path) -> Path:
    folder = tmp_path / "messages"
    write_content(folder)
    import_folder(store.db, folder, utcnow())
    return folder


async def test_an_invite_link_enrolls_a_new_user_in_one_message_in_their_language(
        enroll, store: Store) -> None:
    user = await enroll(language_code="en-US")
    assert "Welcome to Pregonero! You are now enrolled." in user.welcome.text
    assert user.welcome.button_texts == ["📚 Topics", "❓ Help"]
    officer = officers.get_officer(store.db, user.id)
    assert officer is not None and officer.language == "en"
    assert [e["officer_id"] for e in events(store, "enrolled")] == [user.id]


async def test_a_spanish_speaker_is_welcomed_in_spanish_and_start_again_shows_the_menu(
        enroll) -> None:
    user = await enroll(language_code="es-MX")
    assert "¡Te damos la bienvenida a Pregonero!" in user.welcome.text
    again = await user.ask("/start")
    assert "¡Hola de nuevo!" in again.text and "/temas" in again.text


async def test_unknown_expired_and_used_up_codes_get_a_clear_bilingual_answer(
        bot_runtime, chat_user, store: Store) -> None:
    expired = officers.create_invite(store.db, expires_at=datetime(2020, 1, 1, tzinfo=UTC),
                                     now=datetime(2019, 12, 1, tzinfo=UTC))
    once = officers.create_invite(store.db, max_uses=1, now=utcnow())
    first, second, third = chat_user(), chat_user(), chat_user()
    await first.ask(f"/start {once.code}")
    unknown = await second.ask("/start nope")
    assert "no es válido" in unknown.text and "not valid" in unknown.text
    assert "venció" in (await second.ask(f"/start {expired.code}")).text
    assert "used as many times" in (await third.ask(f"/start {once.code}")).text
    assert officers.get_officer(store.db, second.id) is None


async def test_someone_not_enrolled_gets_a_refusal_and_no_content_whatever_they_send(
        bot_runtime, chat_user, content) -> None:
    stranger = chat_user(language_code="en")
    for text in ("hola", "/temas", "/start", "/ayuda", "/buscar asilo"):
        reply = await stranger.ask(text)
        assert reply.text.startswith("Este bot es solo para personal inscrito.")
        assert "This bot is only for enrolled staff." in reply.text
        assert reply.buttons == []


async def test_a_configured_admin_is_an_admin_from_the_first_message(
        bot_runtime, chat_user, emulator: Emulator, store: Store) -> None:
    admin = chat_user(999)
    reply = await admin.ask("/ayuda")
    assert "/proximos" in reply.text and "/panel" in reply.text
    assert officers.get_officer(store.db, 999).role == officers.Role.ADMIN
    assert "proximos" in [c["command"] for c in emulator.commands_for(999, "es")]


async def test_the_menus_list_spanish_and_english_command_names(
        bot_runtime, emulator: Emulator) -> None:
    es = [c["command"] for c in emulator.commands_for(1, "es")]
    en = [c["command"] for c in emulator.commands_for(1, "en")]
    assert es[:3] == ["ayuda", "buscar", "temas"] and "baja" in es
    assert en[:3] == ["help", "search", "topics"] and "stop" in en
    assert "proximos" not in es


async def test_english_command_names_work_in_spanish_and_back(enroll) -> None:
    user = await enroll(language_code="es")
    assert "Cómo usar Pregonero" in (await user.ask("/help")).text
    assert "¿Qué buscas?" in (await user.ask("/search")).text
    assert "No conozco ese comando" in (await user.ask("/nada")).text


async def test_topics_lead_to_cards_and_a_card_carries_feedback_and_back_buttons(
        enroll, content, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    topics = await user.ask("/temas")
    assert "Niñas, niños" not in topics.text  # no topics.yml: names come from the folders
    _answer, listing = await tap_edit(user, emulator, topics, "Ninez")
    assert "Niñas y niños no acompañados" in " ".join(listing.button_texts)
    await user.tap(listing, "Niñas y niños")
    card = await user.next()
    assert card.text.startswith("Niñas y niños no acompañados")
    assert card.button_texts == ["✅ Leído y entendido", "👍 Útil", "👎 No útil",
                                 "📚 Volver al tema"]
    assert [e["card_id"] for e in events(store, "card_opened")] == ["nna"]
    await user.tap(card, "📚 Volver al tema")
    assert "Elige una guía" in (await user.next()).text


async def test_feedback_is_logged_and_ticked_on_the_card(
        enroll, content, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    topics = await user.ask("/temas")
    _answer, listing = await tap_edit(user, emulator, topics, "Trata")
    await user.tap(listing, "¿Trata o tráfico?")
    card = await user.next()
    answer, shown = await tap_edit(user, emulator, card, "👎 No útil")
    assert answer["text"].startswith("¡Gracias!")
    assert "✓ 👎 No útil" in shown.button_texts
    await tap_edit(user, emulator, card, "👍 Útil")
    assert [e["value"] for e in events(store, "feedback")] == ["not_useful", "useful"]
    assert engagement.card_state(store.db, user.id, "quiz-trata").feedback == "useful"


async def test_a_card_with_an_image_is_uploaded_once_and_then_sent_by_file_id(
        enroll, content, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    for _ in range(2):
        topics = await user.ask("/temas")
        _answer, listing = await tap_edit(user, emulator, topics, "Derechos")
        await user.tap(listing, "Trato digno")
        card = await user.next()
        assert card.photo and card.caption.startswith("Trato digno")
        assert "👍 Útil" in card.button_texts
    assert emulator.stats.uploads == 1 and emulator.stats.file_id_reuses == 1
    assert store.db["media_files"].count == 1


async def test_a_forged_or_stale_button_gets_a_polite_answer(
        enroll, content, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    help_msg = await user.ask("/ayuda")
    forged = emulator.message(user.id, help_msg.message_id)
    forged.reply_markup = {"inline_keyboard": [
        [{"text": "forged", "callback_data": "v1:open:../../etc"}],
        [{"text": "old", "callback_data": "v0:open:nna"}],
        [{"text": "gone", "callback_data": "v1:open:no-such-card"}],
        [{"text": "page", "callback_data": "v1:page:3"}],
    ]}
    for label in ("forged", "old", "page"):
        assert "ya no es válido" in (await user.tap(forged, label))["text"]
    assert "ya no está disponible" in (await user.tap(forged, "gone"))["text"]
    assert events(store, "card_opened") == []


async def _open_quiz(user, emulator: Emulator):
    topics = await user.ask("/temas")
    _answer, listing = await tap_edit(user, emulator, topics, "Trata")
    await user.tap(listing, "¿Trata o tráfico?")
    return await user.next()


async def test_a_quiz_answer_gets_immediate_feedback_and_only_the_first_one_counts(
        enroll, content, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    first = await _open_quiz(user, emulator)
    second = await _open_quiz(user, emulator)
    assert first.button_texts[:3] == ["A) Trata de personas", "B) Tráfico de personas",
                                      "C) Ninguno"]
    answer, shown = await tap_edit(user, emulator, first, "A) Trata de personas")
    assert answer["text"].startswith("❌")
    assert "La respuesta correcta es B" in shown.text and "cruce pagado" in shown.text
    assert not any(t.startswith("A)") for t in shown.button_texts)
    again, shown = await tap_edit(user, emulator, second, "B) Tráfico de personas")
    assert "cuenta tu primera respuesta" in again["text"]
    assert "La respuesta correcta es B" in shown.text
    assert [e["value"] for e in events(store, "quiz_answer")] == ["wrong"]
    assert engagement.quiz_answer(store.db, user.id, "quiz-trata").choice == 1


async def _open_sop(user, emulator: Emulator):
    topics = await user.ask("/temas")
    _answer, listing = await tap_edit(user, emulator, topics, "Ninez")
    await user.tap(listing, "Niñas y niños")
    return await user.next()


async def test_an_sop_is_acknowledged_and_asked_again_after_its_version_changes(
        enroll, content: Path, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    card = await _open_sop(user, emulator)
    answer, shown = await tap_edit(user, emulator, card, "✅ Leído y entendido")
    assert answer["text"].startswith("✓ Registrado")
    assert "✓ Leído y entendido (" in shown.text
    assert "✅ Leído y entendido" not in shown.button_texts
    assert [e["value"] for e in events(store, "ack")] == ["1"]

    before_change = await _open_sop(user, emulator)
    assert "✅ Leído y entendido" not in before_change.button_texts
    write_content(content, version="2")
    import_folder(store.db, content, utcnow())
    updated = await _open_sop(user, emulator)
    assert "cambió después de que lo confirmaste" in updated.text
    assert "✅ Leído y entendido" in updated.button_texts
    await tap_edit(user, emulator, updated, "✅ Leído y entendido")
    assert [e["value"] for e in events(store, "ack")] == ["1", "2"]
    assert engagement.acked_officer_ids(store.db, "nna", "2") == {user.id}


async def test_a_read_and_understood_button_of_an_old_version_shows_the_new_one(
        enroll, content: Path, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    old = await _open_sop(user, emulator)
    write_content(content, version="2")
    import_folder(store.db, content, utcnow())
    answer = await user.tap(old, "✅ Leído y entendido")
    assert "se actualizó" in answer["text"] and answer["show_alert"]
    fresh = await user.next()
    assert fresh.text.startswith("Niñas y niños") and "✅ Leído y entendido" in fresh.button_texts
    assert events(store, "ack") == []


async def test_changing_language_changes_the_replies_and_the_command_menu(
        enroll, emulator: Emulator, store: Store) -> None:
    user = await enroll(language_code="es")
    choice = await user.ask("/idioma")
    assert "Elige tu idioma:" in choice.text and "Choose your language:" in choice.text
    _answer, shown = await tap_edit(user, emulator, choice, "English")
    assert shown.text == "Done: I will write to you in English."
    assert officers.get_officer(store.db, user.id).language == "en"
    menu = [c["command"] for c in emulator.commands_for(user.id, "es")]
    assert menu[:3] == ["help", "search", "topics"]
    assert "How to use Pregonero" in (await user.ask("/ayuda")).text
    assert [e["value"] for e in events(store, "language")] == ["en"]


async def test_leaving_and_keeping_history_stops_all_content(
        enroll, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    ask = await user.ask("/baja")
    assert ask.button_texts == ["🚪 Baja, conservar mi historial", "🗑 Baja y borrar mis datos",
                                "↩️ Cancelar, me quedo"]
    _answer, shown = await tap_edit(user, emulator, ask, "Cancelar")
    assert "te quedas" in shown.text
    ask = await user.ask("/stop")
    _answer, shown = await tap_edit(user, emulator, ask, "conservar")
    assert "Te diste de baja" in shown.text
    assert officers.get_officer(store.db, user.id).status == officers.Status.LEFT
    assert [e["officer_id"] for e in events(store, "left")] == [user.id]
    assert (await user.ask("hola")).text.startswith("Este bot es solo")


async def test_leaving_and_erasing_data_forgets_the_person(
        enroll, content, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    card = await _open_quiz(user, emulator)
    await tap_edit(user, emulator, card, "👍 Útil")
    ask = await user.ask("/baja")
    _answer, confirm = await tap_edit(user, emulator, ask, "borrar")
    assert "no se puede deshacer" in confirm.text  # one tap does not erase anything yet
    assert officers.get_officer(store.db, user.id) is not None
    assert confirm.button_texts == ["🗑 Sí, borrar mis datos", "↩️ Cancelar, me quedo"]
    _answer, shown = await tap_edit(user, emulator, confirm, "Sí, borrar")
    assert "tus datos personales se borraron" in shown.text
    assert officers.get_officer(store.db, user.id) is None
    assert store.db["feedback"].count == 0
    assert store.db["events"].count_where("officer_id = ?", [user.id]) == 0
    assert len(events(store, "forgotten")) == 1


async def test_erasing_can_be_cancelled_at_the_confirmation(
        enroll, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    ask = await user.ask("/baja")
    _answer, confirm = await tap_edit(user, emulator, ask, "borrar")
    _answer, shown = await tap_edit(user, emulator, confirm, "Cancelar")
    assert "te quedas" in shown.text
    assert officers.get_officer(store.db, user.id).active


async def test_a_photo_or_sticker_gets_a_short_hint(enroll, emulator: Emulator) -> None:
    user = await enroll()
    emulator.skip_bot_messages(user.id)
    emulator._push_update(emulator.bot, "message", {  # the kit sends text only: a sticker
        "message_id": 10_000, "date": 0, "chat": emulator.users[user.id].chat(),
        "from": emulator.users[user.id].to_api(),
        "sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                    "is_animated": False, "is_video": False, "type": "regular"},
    })
    assert "Solo puedo leer texto" in (await user.next()).text


async def test_an_error_is_logged_without_the_message_and_the_officer_gets_an_apology(
        enroll, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    user = await enroll(language_code="en")
    store.db.execute("DROP TABLE card_topics")
    with caplog.at_level(logging.ERROR, logger="bot.chat.errors"):
        reply = await user.ask("/topics secreto-123")
    assert reply.text == "Sorry, something went wrong on my side. Please try again in a moment."
    assert any(r.exc_info for r in caplog.records if r.name == "bot.chat.errors")
    assert "secreto-123" not in caplog.text


async def test_an_officer_who_blocks_the_bot_is_marked_blocked_until_they_write_again(
        enroll, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    user.block()  # Telegram sends the bot a my_chat_member update
    assert await _wait_status(store, user.id, officers.Status.BLOCKED) == officers.Status.BLOCKED
    reply = await user.ask("/ayuda")  # Telegram's "restart" unblocks first
    assert "Cómo usar Pregonero" in reply.text
    assert officers.get_officer(store.db, user.id).status == officers.Status.ACTIVE


async def _wait_status(store: Store, user_id: int, wanted: officers.Status) -> officers.Status:
    """Read the status through the store's worker thread until it is reached (at most 5 s)."""
    async with asyncio.timeout(5):
        while (officer := await store.run(officers.get_officer, user_id)).status != wanted:
            pass
    return officer.status


async def test_the_welcome_buttons_open_the_topics_and_the_help(enroll, content) -> None:
    user = await enroll()
    await user.tap(user.welcome, "Temas")
    assert "Elige un tema:" in (await user.next()).text
    await user.tap(user.welcome, "❓ Ayuda")
    assert "Cómo usar Pregonero" in (await user.next()).text


async def test_the_welcome_offers_three_example_questions_from_the_most_useful_cards(
        enroll, content, store: Store) -> None:
    first = await enroll()
    examples = [b for b in first.welcome.button_texts if b.startswith("🔎 ")]
    assert len(examples) == 3
    assert "Prueba una de estas" in first.welcome.text
    # the cards people rate useful come first
    card = cards.get_card(store.db, "trato", "es")  # last by id: first once rated useful
    for pid in (1, 2):
        store.db["events"].insert({"type": "feedback", "at": iso(utcnow()), "officer_id": pid,
                                   "card_id": card.id, "value": "useful"})
    second = await enroll()
    assert next(b for b in second.welcome.button_texts if b.startswith("🔎 ")) == (
        "🔎 " + card.title)
    await second.tap(second.welcome, "🔎 " + card.title)
    assert card.title in (await second.next()).content


async def test_help_says_what_the_bot_does_in_four_lines_and_lists_commands_on_a_tap(
        enroll, emulator: Emulator) -> None:
    user = await enroll()
    shown = await user.ask("/ayuda")
    lines = shown.text.splitlines()
    assert lines[0] == "Cómo usar Pregonero" and len(lines) == 5, lines
    assert "/temas" in shown.text and "/baja" in shown.text and "/zona" in shown.text
    await user.tap(shown, "Todos los comandos")
    listing = await user.next()
    assert "/recordatorios — " in listing.text and "/idioma — " in listing.text


async def test_a_comms_person_gets_their_own_menu_with_the_staff_commands(
        enroll, emulator: Emulator) -> None:
    user = await enroll(role="comms", language_code="en")
    menu = [c["command"] for c in emulator.commands_for(user.id, "en")]
    assert "upcoming" in menu and "panel" in menu and menu[-1] == "stop"


async def test_someone_who_left_comes_back_with_a_new_invitation(
        enroll, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    ask = await user.ask("/baja")
    await tap_edit(user, emulator, ask, "conservar")
    invite = officers.create_invite(store.db, now=utcnow())
    back = await user.ask(f"/start {invite.code}")
    assert "¡Te damos la bienvenida a Pregonero!" in back.text
    assert officers.get_officer(store.db, user.id).status == officers.Status.ACTIVE
    assert [e["value"] for e in events(store, "enrolled")] == ["enrolled", "rejoined"]


def test_the_file_url_sits_beside_the_bot_api_url() -> None:
    from bot.chat.app import file_base_url

    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot{token}") == (
        "http://127.0.0.1:8081/file/bot{token}")


async def test_every_update_is_counted_by_kind(enroll) -> None:
    from bot.metrics import REGISTRY

    def count(kind: str) -> float:
        return REGISTRY.get_sample_value("pregonero_updates_handled_total", {"kind": kind}) or 0

    user = await enroll()
    before = count("message"), count("command")
    await user.ask("hola")
    await user.ask("/ayuda")
    assert (count("message"), count("command")) == (before[0] + 1, before[1] + 1)


async def test_a_button_tapped_by_someone_not_enrolled_gets_the_refusal_as_its_answer(
        enroll, chat_user, emulator: Emulator) -> None:
    officer = await enroll()
    stranger = chat_user()
    # the stranger taps a button of a message shown in their own chat (e.g. after leaving)
    await stranger.ask("hola")
    refusal = stranger.last_bot_message()
    refusal.reply_markup = officer.welcome.reply_markup
    answer = await stranger.tap(refusal, "Temas")
    assert answer["show_alert"] and "Only for enrolled staff" in answer["text"]
    assert len(answer["text"]) <= 200


async def test_confirming_an_sop_sent_with_an_image_updates_its_buttons_and_says_so(
        enroll, content, emulator: Emulator, store: Store) -> None:
    user = await enroll()
    topics = await user.ask("/temas")
    _answer, listing = await tap_edit(user, emulator, topics, "Materiales")
    await user.tap(listing, "Flujo de canalización")
    card = await user.next()
    assert card.photo and card.caption.startswith("Flujo de canalización")
    _answer, shown = await tap_edit(user, emulator, card, "✅ Leído y entendido")
    assert "✅ Leído y entendido" not in shown.button_texts and "👍 Útil" in shown.button_texts
    assert (await user.next()).text.startswith("✓ Leído y entendido (")


async def test_an_error_after_a_tap_was_answered_still_gets_the_apology(
        enroll, content, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    user = await enroll()
    results = await user.ask("NNA")
    store.db.execute("DROP TABLE feedback")  # opening a card answers the tap, then fails
    with caplog.at_level(logging.ERROR, logger="bot.chat.errors"):
        await user.tap(results, "Niñas y niños no acompañados")
        apology = await user.next()
    assert apology.text == ("Perdón, algo falló de mi lado. Intenta de nuevo en un momento.")
    assert any(r.exc_info for r in caplog.records if r.name == "bot.chat.errors")


def _user_update(emulator: Emulator, user, kind: str = "message", **fields) -> None:
    """Something the kit's users cannot send as text: a photo, a file, an edited message."""
    emulator.skip_bot_messages(user.id)
    emulator._push_update(emulator.bot, kind, {
        "message_id": 10_000, "date": 0, "chat": emulator.users[user.id].chat(),
        "from": emulator.users[user.id].to_api(), **fields,
    })


async def test_a_photo_with_a_caption_is_answered_as_a_question(
        enroll, content, emulator: Emulator) -> None:
    user = await enroll()
    _user_update(emulator, user, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1,
                                         "height": 1}], caption="¿qué hago con un NNA?")
    reply = await user.next()
    assert "Niñas y niños no acompañados" in reply.text
    _user_update(emulator, user, document={"file_id": "d", "file_unique_id": "d"})
    assert "Solo puedo leer texto" in (await user.next()).text


async def test_an_edited_question_gets_the_new_answer(
        enroll, content, emulator: Emulator) -> None:
    user = await enroll()
    first = await user.ask("menor sin papas")
    _user_update(emulator, user, "edited_message", text="NNA", edit_date=1,
                 message_id=first.message_id - 1)
    reply = await user.next()
    assert "Niñas y niños no acompañados" in reply.text


async def test_a_mistyped_command_gets_the_command_it_probably_meant(enroll) -> None:
    user = await enroll()
    assert (await user.ask("/idiomas")).text == (
        "No conozco ese comando. ¿Quisiste decir /idioma?")
    assert "/ayuda" in (await user.ask("/xyz")).text


async def test_an_invitation_link_pasted_into_the_chat_enrolls_like_opening_it(
        bot_runtime, chat_user, store: Store) -> None:
    invite = officers.create_invite(store.db, now=utcnow())
    user = chat_user()
    reply = await user.ask(f"https://t.me/PregoneroTestBot?start={invite.code}")
    assert "¡Te damos la bienvenida a Pregonero!" in reply.text
    assert officers.get_officer(store.db, user.id).status == officers.Status.ACTIVE
    again = await user.ask(f"https://t.me/PregoneroTestBot?start={invite.code}")
    assert "¡Hola de nuevo!" in again.text
    stranger = chat_user()
    refused = await stranger.ask("https://t.me/PregoneroTestBot?start=NOPE")
    assert refused.text.startswith("Este código de invitación no es válido.")


async def test_a_configured_admins_first_start_is_a_welcome_not_a_hello_again(
        bot_runtime, chat_user) -> None:
    admin = chat_user(999)
    assert "¡Te damos la bienvenida a Pregonero!" in (await admin.ask("/start")).text
    assert "¡Hola de nuevo!" in (await admin.ask("/start")).text


async def test_a_reply_refused_because_the_officer_just_blocked_the_bot_marks_them_blocked(
        enroll, content, emulator: Emulator, store: Store,
        caplog: pytest.LogCaptureFixture) -> None:
    user = await enroll()
    emulator.bot.blocked.add(user.id)  # blocked while the question was on its way (403)
    with caplog.at_level(logging.INFO, logger="bot.chat.errors"):
        _user_update(emulator, user, text="NNA")
        assert await _wait_status(store, user.id, officers.Status.BLOCKED) == (
            officers.Status.BLOCKED)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_topic_word_typed_as_a_command_is_searched(enroll, content) -> None:
    user = await enroll()
    assert "Niñas y niños no acompañados" in (await user.ask("/nna")).text
    assert (await user.ask("/xyzzy")).text.startswith("No conozco ese comando. Envía /ayuda")


def test_every_command_of_the_table_is_answered_by_exactly_one_area(settings, store) -> None:
    from telegram.ext import CommandHandler

    from bot.chat.app import build_application
    from bot.chatkit.commands import COMMANDS
    from bot.runtime import chat_areas

    application = build_application(settings, store, areas=chat_areas())
    answered = [name for handler in application.handlers[0]
                if isinstance(handler, CommandHandler) for name in handler.commands]
    assert sorted(answered) == sorted(n for c in COMMANDS for n in c.names)
