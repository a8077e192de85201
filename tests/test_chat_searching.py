"""Questions in chat: results by title with buttons, pages, back to results, nothing found
with topics, and every query logged without its author."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.chat.searching import PAGE_SIZE, Result, Results, nothing_found_text, results_view
from bot.clock import utcnow
from bot.library import import_folder
from bot.store import Store
from bot.testkit.emulator import Emulator
from tests.chat_helpers import events, tap_edit, write_content
from tests.factories import write_card


@pytest.fixture
def content(store: Store, tmp_path: Path) -> Path:
    folder = tmp_path / "messages"
    write_content(folder)
    for i in range(7):
        write_card(folder, f"frontera/garita-{i}.es.md", title=f"Revisión en garita {i}",
                   keywords=["garita"], body=f"Paso {i} de la revisión en garita.")
    import_folder(store.db, folder, utcnow())
    return folder


def _results(n: int) -> Results:
    return Results(tuple(Result(f"c{i}", f"Card <{i}>", "sop", i == 0) for i in range(n)))


def test_a_card_in_the_other_language_is_labelled_with_its_language() -> None:
    results = Results((Result("a", "Asylum", "sop", True, "en"),
                       Result("b", "Asilo", "sop", True, "es")))
    text, _rows = results_view(results, 0, "es")
    assert "1. 📋 Asylum (en inglés)" in text
    assert "2. 📋 Asilo (en español)" in text


def test_a_results_page_names_each_card_with_one_button_to_open_it() -> None:
    text, rows = results_view(_results(2), 0, "en")
    assert text.splitlines() == ["<b>I found 2 guides:</b>",
                                 "1. 📋 Card &lt;0&gt; (in Spanish)", "2. 📋 Card &lt;1&gt;",
                                 "Tap a guide to open it."]
    assert [r[0][1] for r in rows if r] == ["v1:open:c0", "v1:open:c1"]
    assert rows[-1] == []  # no page buttons


def test_long_results_are_paged() -> None:
    results = _results(PAGE_SIZE + 2)
    _text, first = results_view(results, 0, "es")
    assert [label for label, _data in first[-1]] == ["Más ▶"]
    text, last = results_view(results, 1, "es")
    assert "6. 📋 Card &lt;5&gt;" in text
    assert [data for _label, data in last[-1]] == ["v1:page:0"]


def test_a_question_on_a_subject_the_guides_do_not_cover_is_told_where_to_ask() -> None:
    es = nothing_found_text("es", "staff")
    en = nothing_found_text("en", "staff")
    assert es.startswith("Eso parece un trámite del personal") and "Recursos Humanos" in es
    assert en.startswith("That sounds like a staff matter") and "Human Resources" in en
    assert es.endswith(nothing_found_text("es"))  # then the usual words and the topics
    assert nothing_found_text("es", "no-such-topic") == nothing_found_text("es")
    for topic in ("staff", "career", "facilities", "customs", "travel-services", "small-talk"):
        assert nothing_found_text("es", topic) != nothing_found_text("es")
        assert nothing_found_text("es", topic) != nothing_found_text("en", topic)


def test_corrected_words_are_shown() -> None:
    text, _rows = results_view(Results(_results(1).items, corrected=("asilo",)), 0, "es")
    assert text.startswith("<i>Busqué: asilo</i>")


async def test_plain_text_is_a_question_answered_with_card_titles_and_buttons(
        enroll, content, store: Store) -> None:
    user = await enroll()
    reply = await user.ask("¿qué hago con un menor no acompañado?")
    assert "Encontré una guía:" in reply.text and "Niñas y niños no acompañados" in reply.text
    assert reply.button_texts == ["📋 Niñas y niños no acompañados"]
    assert [e["count"] for e in events(store, "query")] == [1]
    logged = list(store.db.query("SELECT * FROM query_texts"))
    assert [(q["asked"], q["zero"], q["lang"]) for q in logged] == [(1, 0, "es")]
    assert "menor" in logged[0]["normalized"]
    assert set(logged[0]) == {"day", "lang", "normalized", "asked", "zero"}  # nobody, no time
    assert [e["officer_id"] for e in events(store, "query")] == [None]


async def test_search_command_takes_words_or_asks_for_them(enroll, content) -> None:
    user = await enroll(language_code="en")
    assert "What are you looking for?" in (await user.ask("/search")).text
    assert "I found one guide:" in (await user.ask("/buscar trafficking smuggling tráfico")).text


async def test_a_card_opened_from_results_leads_back_to_them(
        enroll, content, emulator: Emulator) -> None:
    user = await enroll()
    results = await user.ask("garita")
    assert "Encontré 7 guías:" in results.text and len(results.button_texts) == PAGE_SIZE + 1
    _answer, page2 = await tap_edit(user, emulator, results, "Más ▶")
    assert "6. 💡 Revisión en garita" in page2.text
    await user.tap(page2, page2.button_texts[0])
    card = await user.next()
    assert card.text.startswith("Revisión en garita")
    await user.tap(card, "◀ Volver a resultados")
    assert "Encontré 7 guías:" in (await user.next()).text


@pytest.mark.parametrize("text", [
    "zzzzqqq", '"AND OR* NEAR(', "😀😀😀", "x" * 4000, "'; DROP TABLE officers; --", "*", "NOT",
])
async def test_anything_typed_gets_results_or_a_polite_nothing_found_with_topics(
        enroll, content, store: Store, text: str) -> None:
    user = await enroll()
    reply = await user.ask(text)
    assert reply.text.startswith("No encontré nada con eso.")
    assert "Ninez (1)" in reply.button_texts
    assert [e["count"] for e in events(store, "query")] == [0]
    assert [(q["asked"], q["zero"]) for q in store.db.query("SELECT * FROM query_texts")] == [
        (1, 1)]


async def test_back_to_results_after_a_restart_says_the_button_expired(
        enroll, content, emulator: Emulator) -> None:
    user = await enroll()
    help_msg = await user.ask("/ayuda")
    emulator.message(user.id, help_msg.message_id).reply_markup = {
        "inline_keyboard": [[{"text": "back", "callback_data": "v1:res"}]]}
    assert "ya no es válido" in (await user.tap(help_msg, "back"))["text"]


async def test_an_english_question_finds_a_spanish_only_card_labelled_as_such(
        enroll, content) -> None:
    user = await enroll(language_code="en")
    reply = await user.ask("respeto trato digno")
    assert "Trato digno (in Spanish)" in reply.text
    await user.tap(reply, "Trato digno")
    card = await user.next()
    assert "Available in Spanish only" in card.content


def test_a_bare_greeting_or_thanks_is_small_talk_and_a_question_is_not() -> None:
    from bot.chat.searching import small_talk

    assert small_talk("¡Buenos días!") == "greeting" and small_talk("Hi") == "greeting"
    assert small_talk("Muchas gracias 🙏") == "thanks"
    assert small_talk("hola, un menor viene solo") is None and small_talk("asilo") is None


async def test_hola_gets_a_friendly_hint_and_no_content_gap_is_logged(
        enroll, content, store: Store) -> None:
    user = await enroll()
    reply = await user.ask("Hola")
    assert reply.text == ("¡Hola! Escribe tu pregunta con tus palabras, por ejemplo: solicitud "
                          "de asilo. O explora las guías con /temas.")
    assert (await user.ask("gracias!")).text.startswith("¡Con gusto!")
    assert store.db["query_texts"].count == 0


def test_page_buttons_belong_to_the_results_their_message_shows() -> None:
    from bot.callbacks import keyboard
    from bot.chat.searching import shows_page_of

    results = _results(PAGE_SIZE + 2)
    _text, second = results_view(results, 1, "es")
    assert shows_page_of(keyboard(second), results)
    assert not shows_page_of(keyboard(second), _results(PAGE_SIZE - 1))


async def test_more_on_an_older_search_says_it_expired_instead_of_showing_the_newer_one(
        enroll, content: Path, store: Store, emulator: Emulator) -> None:
    for i in range(6):
        (content / "frontera" / f"aduana-{i}.es.md").write_text(
            f"---\ntitle: Control en aduana {i}\nkind: practice\nkeywords: [aduana]\n---\n"
            f"Paso {i} del control en aduana.\n", encoding="utf-8")
    import_folder(store.db, content, utcnow())
    user = await enroll()
    older = await user.ask("garita")
    await user.ask("aduana")
    answer = await user.tap(older, "Más ▶")
    assert answer["text"].startswith("Este botón ya no es válido")
    assert "garita" in emulator.message(user.id, older.message_id).text
    assert emulator.message(user.id, older.message_id).edits == 0


async def test_a_command_name_typed_without_its_slash_runs_that_command(enroll, content) -> None:
    user = await enroll()
    assert "Cómo usar Pregonero" in (await user.ask("Ayuda")).text
    assert "Cómo usar Pregonero" in (await user.ask("menú")).text
    assert "Elige un tema:" in (await user.ask("temas")).text


def test_the_searched_for_line_names_at_most_five_corrected_words() -> None:
    words = tuple(f"palabra{i}" for i in range(12))
    text, _rows = results_view(Results(_results(1).items, corrected=words), 0, "es")
    assert text.splitlines()[0] == ("<i>Busqué: palabra0, palabra1, palabra2, palabra3, "
                                    "palabra4…</i>")
