"""The cards store: import, look-ups with language fallback, topics."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.content.model import Kind, ParsedCard, ParsedTranslation, Quiz, TopicName
from bot.store import cards
from bot.store.migrations import applied

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def translation(card_id: str, lang: str, title: str, *, topic: str = "ninez",
                kind: Kind = Kind.PRACTICE, quiz: Quiz | None = None) -> ParsedTranslation:
    return ParsedTranslation(
        card_id=card_id, lang=lang, topic=topic, kind=kind, title=title, summary="s",
        keywords=("NNA", "DIF"), body_md="**x**", body_html="<b>x</b>", body_text="x",
        source=f"messages/{topic}/{card_id}.{lang}.md", quiz=quiz)


def card(card_id: str, *langs_titles: tuple[str, str], topic: str = "ninez",
         kind: Kind = Kind.PRACTICE) -> ParsedCard:
    return ParsedCard(card_id, topic, kind, {
        lang: translation(card_id, lang, title, topic=topic, kind=kind)
        for lang, title in langs_titles})


def test_the_cards_migration_is_applied_when_the_store_opens(store):
    assert "0010_cards" in applied(store.db)
    assert {"cards", "card_translations", "card_topics"} <= set(store.db.table_names())


def test_a_card_is_returned_in_the_language_asked_for(store):
    cards.import_cards(store.db, [card("a", ("es", "Hola"), ("en", "Hello"))], NOW)
    got = cards.get_card(store.db, "a", "en")
    assert (got.title, got.lang, got.fallback, got.langs) == ("Hello", "en", False, ("es", "en"))
    assert got.keywords == ("NNA", "DIF") and got.kind == Kind.PRACTICE
    assert got.body_html == "<b>x</b>"


def test_a_card_missing_the_language_asked_for_falls_back_and_says_so(store):
    cards.import_cards(store.db, [card("a", ("es", "Hola"))], NOW)
    got = cards.get_card(store.db, "a", "en")
    assert (got.title, got.lang, got.requested_lang, got.fallback) == ("Hola", "es", "en", True)


def test_an_unknown_card_is_none(store):
    assert cards.get_card(store.db, "nada", "es") is None


def test_several_cards_come_back_in_the_order_asked_skipping_unknown_ids(store):
    cards.import_cards(store.db, [card("a", ("es", "A")), card("b", ("es", "B"))], NOW)
    assert [c.id for c in cards.get_cards(store.db, ["b", "x", "a"], "es")] == ["b", "a"]


def test_a_quiz_keeps_its_options_answer_and_explanation(store):
    quiz = Quiz("¿Qué?", ("Uno", "Dos"), 2, "Porque sí.", "¿Qué?", "Porque sí.")
    parsed = ParsedCard("q", "ninez", Kind.QUIZ, {
        "es": translation("q", "es", "Quiz", kind=Kind.QUIZ, quiz=quiz)})
    cards.import_cards(store.db, [parsed], NOW)
    assert cards.get_card(store.db, "q", "es").quiz == quiz


def test_the_version_is_stored_with_the_card(store):
    parsed = card("a", ("es", "Hola"))
    cards.import_cards(store.db, [parsed], NOW)
    assert cards.get_card(store.db, "a", "es").version == parsed.version


def test_topics_list_their_display_names_and_counts_sorted_by_name(store):
    cards.import_cards(
        store.db,
        [card("a", ("es", "A")), card("b", ("es", "B")),
         card("c", ("es", "C"), topic="derechos-humanos"), card("d", ("es", "D"), topic="zeta")],
        NOW, [TopicName("ninez", {"es": "Niñez", "en": "Children"}),
              TopicName("derechos-humanos", {"es": "Derechos humanos", "en": "Human rights"})])
    assert cards.list_topics(store.db, "en") == [
        cards.Topic("ninez", "Children", 2), cards.Topic("derechos-humanos", "Human rights", 1),
        cards.Topic("zeta", "Zeta", 1)]
    assert [t.title for t in cards.list_topics(store.db, "es")] == [
        "Derechos humanos", "Niñez", "Zeta"]
    assert cards.topic_name(store.db, "ninez", "en") == "Children"
    assert cards.topic_name(store.db, "zeta", "en") == "Zeta"


def test_a_topics_cards_come_sops_first_then_by_title(store):
    cards.import_cards(store.db, [
        card("p", ("es", "Árbol")), card("s", ("es", "Zorro"), kind=Kind.SOP),
        card("r", ("es", "Burro"))], NOW)
    assert [c.id for c in cards.cards_in_topic(store.db, "ninez", "es")] == ["s", "p", "r"]


def test_ids_and_counts_follow_what_was_imported(store):
    cards.import_cards(store.db, [card("b", ("es", "B")), card("a", ("es", "A"))], NOW)
    assert cards.all_card_ids(store.db) == ["a", "b"] and cards.card_count(store.db) == 2
    report = cards.import_cards(store.db, [card("a", ("es", "A"))], NOW)
    assert report.removed == ["b"] and cards.card_count(store.db) == 1


def test_every_translation_is_listed_for_the_search_index(store):
    cards.import_cards(store.db, [card("a", ("es", "Hola"), ("en", "Hello"))], NOW)
    rows = cards.all_translations(store.db)
    assert [(r["card_id"], r["lang"], r["topic"], r["kind"]) for r in rows] == [
        ("a", "en", "ninez", "practice"), ("a", "es", "ninez", "practice")]
