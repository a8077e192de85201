"""Search end to end on a real store: language first, other-language fallback, abstention,
title and keyword weighting, glossary and typos, and safety on any text."""

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.library import import_folder
from bot.search import rebuild_index, search
from bot.store import search as search_store
from tests.factories import write_search_cards

NOW = datetime(2026, 1, 1, tzinfo=UTC)

@pytest.fixture
def db(store, tmp_path):
    import_folder(store.db, write_search_cards(tmp_path / "messages"), NOW)
    return store.db


def ids(outcome):
    return [h.card_id for h in outcome.hits]


def test_the_officers_language_comes_first(db):
    es = search(db, "pasaporte", "es")
    en = search(db, "passport", "en")
    assert es.hits[0].card_id == en.hits[0].card_id == "revision-pasaporte"
    assert es.hits[0].lang == "es" and en.hits[0].lang == "en"
    assert not es.hits[0].other_language and not en.hits[0].other_language


def test_an_english_question_finds_a_spanish_only_card_labelled_as_such(db):
    outcome = search(db, "regional visitor card", "en")
    assert outcome.answered
    hit = outcome.hits[0]
    assert (hit.card_id, hit.lang, hit.other_language) == ("tvr", "es", True)


def test_cards_in_the_other_language_are_offered_when_nothing_matches_in_mine(db):
    outcome = search(db, "frontera sur Chiapas", "en")
    assert ids(outcome) == ["tvr"]
    assert outcome.hits[0].other_language


def test_a_card_with_my_translation_is_shown_in_my_language(db):
    outcome = search(db, "unaccompanied", "en")
    assert outcome.hits[0].card_id == "nna-no-acompanados"
    assert outcome.hits[0].lang == "en" and outcome.hits[0].title.startswith("Unaccompanied")


def test_a_query_with_no_good_match_returns_nothing(db):
    for query in ("horario del comedor", "¿cuándo pagan la quincena?",
                  "who won the game last night", "contraseña del correo"):
        outcome = search(db, query, "es")
        assert not outcome.answered and outcome.hits == [], query


def test_a_title_match_ranks_above_a_body_match(db):
    # "pasaporte" is in the passport card's title and only in the heat card's body
    assert ids(search(db, "pasaporte", "es"))[0] == "revision-pasaporte"
    assert ids(search(db, "desmayo", "es"))[0] == "calor"


def test_glossary_slang_and_abbreviations_find_the_card(db):
    assert ids(search(db, "chamaco sin sus papás", "es"))[0] == "nna-no-acompanados"
    assert ids(search(db, "NNA", "es"))[0] == "nna-no-acompanados"
    assert ids(search(db, "quiere pedir asilo", "es"))[0] == "solicitud-refugio"
    assert ids(search(db, "refugee", "en"))[0] == "solicitud-refugio"


def test_typos_are_corrected_and_reported(db):
    outcome = search(db, "refujio", "es")
    assert outcome.corrections == {"refujio": "refugio"}
    assert ids(outcome)[0] == "solicitud-refugio"
    assert ids(search(db, "pasaprote", "es"))[0] == "revision-pasaporte"


def test_known_words_are_never_corrected(db):
    assert search(db, "pasaporte refugio", "es").corrections == {}


def test_the_normalised_query_is_folded_text_without_punctuation(db):
    assert search(db, "¿Qué hago con un NIÑO?", "es").normalized == "que hago con un nino"


def test_scores_are_floats_best_first_and_the_limit_is_respected(db):
    outcome = search(db, "pasaporte", "es", limit=1)
    assert len(outcome.hits) == 1
    scores = [h.score for h in search(db, "refugio pasaporte niño", "es").hits]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(s, float) for s in scores)


def test_hits_carry_topic_and_kind(db):
    hit = search(db, "pasaporte", "es").hits[0]
    assert (hit.topic, hit.kind) == ("revision-documental", "sop")


def test_an_unknown_language_is_treated_as_spanish(db):
    assert search(db, "pasaporte", "fr").hits[0].lang == "es"


def test_an_empty_store_finds_nothing(store):
    assert not search(store.db, "pasaporte", "es").answered


def test_rebuilding_the_index_reflects_removed_cards(db, tmp_path):
    (tmp_path / "messages/revision-documental/tvr.es.md").unlink()
    import_folder(db, tmp_path / "messages", NOW)
    assert not search(db, "TVR", "es").answered
    rebuild_index(db)
    assert not search(db, "TVR", "es").answered


def test_the_index_has_one_document_per_translation(db):
    vocabulary = search_store.vocabulary(db)
    assert vocabulary.docs == {"es": 5, "en": 3}
    assert vocabulary.terms and vocabulary.words


@pytest.mark.parametrize("query", [
    "", "   ", '"', '"unbalanced', "NEAR(a b)", "a OR b AND NOT c", "title:pasaporte", "*",
    "pasa*", "^x", "(", ")", "'; DROP TABLE search_docs; --", "🙂🙂 pasaporte 🚀", "\x00\x07",
    "a" * 4000, "pasaporte " * 400, "ñ" * 50, "𝔭𝔞𝔰𝔞𝔭𝔬𝔯𝔱𝔢", "١٢٣", "\u200b\u202e",
])
def test_fts_syntax_quotes_emoji_and_huge_messages_never_raise(db, query):
    outcome = search(db, query, "es")
    assert isinstance(outcome.answered, bool)
    assert len(outcome.normalized) <= 200


@settings(max_examples=150, deadline=2000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=4000), lang=st.sampled_from(["es", "en", "xx"]))
def test_any_unicode_text_gives_an_outcome_and_never_an_exception(db, text, lang):
    outcome = search(db, text, lang)
    assert outcome.answered == bool(outcome.hits)
    assert all(h.score >= 0 for h in outcome.hits)


def test_an_age_typed_as_a_number_stands_for_a_minor_or_an_older_person():
    from bot.search.analyze import words
    from bot.search.situations import ages as _ages
    assert _ages(words("un niño de 7 años viene solo")) == ["un", "nino", "de", "menor", "viene",
                                                            "solo"]
    assert _ages(words("una señora de 75 años")) == ["una", "senora", "de", "adulto", "mayor"]
    assert _ages(words("a 15 year old girl")) == ["a", "menor", "old", "girl"]
    # a document's validity or a time span is not an age; nor is an adult's age a topic
    assert _ages(words("visa de 10 años")) == ["visa", "de", "10", "anos"]
    assert _ages(words("hace 2 años que trabajo")) == ["hace", "2", "anos", "que", "trabajo"]
    assert _ages(words("un hombre de 35 años")) == ["un", "hombre", "de"]


def test_an_age_written_in_words_counts_as_one_typed_as_a_number():
    from bot.search.analyze import words
    from bot.search.situations import ages as _ages
    assert _ages(words("un chavo como de quince años")) == ["un", "chavo", "como", "de", "menor"]
    assert _ages(words("tiene setenta y cinco años")) == ["tiene", "adulto", "mayor"]
    assert _ages(words("a seventy two year old man")) == ["a", "adulto", "mayor", "old", "man"]
    assert _ages(words("hace dos años")) == ["hace", "dos", "anos"]
    assert _ages(words("visa de diez años")) == ["visa", "de", "diez", "anos"]


def test_a_large_count_of_people_stands_for_a_large_group():
    from bot.search.analyze import words
    from bot.search.situations import crowds as _crowds
    assert _crowds(words("llegaron como 300 personas")) == ["llegaron", "como", "grupo",
                                                            "numeroso"]
    assert _crowds(words("ya se juntaron como quinientos en la garita"))[3:6] == [
        "como", "grupo", "numeroso"]
    assert _crowds(words("un grupo de 80 hondureños"))[3:5] == ["grupo", "numeroso"]
    assert _crowds(words("there were 300 at the gate"))[2:4] == ["grupo", "numeroso"]
    # money, a small group, or a count of nothing said is not a crowd
    assert _crowds(words("me pidió quinientos pesos")) == ["me", "pidio", "quinientos", "pesos"]
    assert _crowds(words("son 500 pesos")) == ["son", "500", "pesos"]
    assert _crowds(words("veinte personas deshidratadas")) == ["veinte", "personas",
                                                               "deshidratadas"]


def test_a_child_said_to_be_with_an_adult_is_an_accompanied_child():
    from bot.search.analyze import words
    from bot.search.situations import ages as _ages
    from bot.search.situations import company as _company
    assert _company(_ages(words("un niño de 10 años viene con su tía"))) == [
        "un", "nino", "de", "menor", "viene", "con", "acompanado", "vinculo", "su", "tia"]
    assert "vinculo" in _company(words("una señora con su bebé de meses"))
    assert "vinculo" in _company(words("a kid traveling with his grandma"))
    # no child in the question, a child alone, or "with" something else: nothing added
    assert _company(words("la señora viene con su pareja")) == words(
        "la señora viene con su pareja")
    assert _company(words("un chavo viene solito")) == words("un chavo viene solito")
    assert _company(words("el niño con el papel")) == words("el niño con el papel")


def test_someone_holding_a_persons_papers_or_speaking_for_them_is_a_sign_of_trafficking():
    from bot.search.analyze import words
    from bot.search.situations import control as _control
    signs = ["senales", "trata"]
    assert _control(words("el señor le quitó su pasaporte"))[4:6] == signs
    assert _control(words("no la dejaba hablar"))[3:5] == signs
    assert _control(words("él contestaba todo"))[2:4] == signs
    assert _control(words("trae los papeles de ella"))[1:3] == signs
    assert _control(words("he answers for her"))[2:4] == signs
    assert _control(words("he holds her passport"))[2:4] == signs
    # one's own documents, a parent with the children's, or an officer not let to speak, are
    # not signs
    for text in ("trae su pasaporte vencido", "no me deja hablar con mi cónsul",
                 "ya le quitaron su papel de la comar", "la mamá trae los papeles de los niños",
                 "he has his passport"):
        assert _control(words(text)) == words(text)


def test_a_crowd_told_in_a_story_is_understood_as_the_glossary_caravan_entry(db):
    from bot.search.context import context
    from bot.search.query import parse
    concepts, _n, _c = parse(context(db), "se juntaron como quinientos en el puente", "es")
    crowd = next(c for c in concepts if c.typed == ("grupo", "numeroso"))
    assert crowd.domain and crowd.entries  # a term of the glossary (caravana, large group)


def test_words_describing_a_subject_the_cards_do_not_cover_are_evidence_against_answering(db):
    from bot.search import engine, semantic
    from bot.search.analyze import stem
    from bot.search.context import context
    from bot.search.query import parse
    assert {stem("impresora", "es"), stem("quincena", "es")} <= semantic.subject_stems("es")
    assert stem("luggage", "en") in semantic.subject_stems("en")
    ctx = context(db)

    def off_words(text: str) -> float:
        concepts, normalized, corrections = parse(ctx, text, "es")
        return engine._off_words(engine.Pending(
            ctx=ctx, text=text, lang="es", limit=5, concepts=concepts, normalized=normalized,
            corrections=corrections, lexical={}, lexical_hits=[]))

    assert off_words("la impresora no imprime y mi quincena no llegó") >= 0.4
    assert off_words("menor no acompañado en la garita") == 0.0


def test_a_diminutive_the_cards_do_not_use_is_read_as_its_word(db):
    from bot.search.context import context
    from bot.search.query import parse
    ctx = context(db)
    concepts, _n, corrections = parse(ctx, "pasaportito vencidito", "es")
    assert [c.typed for c in concepts] == [("pasaporte",), ("vencido",)]
    assert corrections == {}  # not a correction: the officer's own word
    # a word that only looks like one is left alone
    concepts, _n, _c = parse(ctx, "cita", "es")
    assert concepts[0].typed == ("cita",)


def test_a_typed_word_that_is_a_glossary_term_means_its_entry_not_one_sharing_its_stem(db):
    from bot.search.context import context
    from bot.search.query import parse
    ctx = context(db)
    (senor,), _n, _c = parse(ctx, "señor", "es")
    (senora,), _n, _c = parse(ctx, "señora", "es")
    terms = [ctx.lexicon.entries[e].terms["es"] for e in senor.entries]
    assert all("señor" in t and "señora" not in t for t in terms)
    assert senor.entries != senora.entries


def test_the_situation_rules_take_any_sequence_of_their_own_words():
    import random

    from bot.search import situations
    vocab = [*situations.NUMBERS, *situations.TENS, "y", "de", "con", "su", "tia", "nino",
             "personas", "quito", "pasaporte", "ella", "deja", "no", "la", "hablar", "todo",
             "contesta", "por", "anos", "123456", "99999", "grupo"]
    rng = random.Random(7)
    for _ in range(2000):
        folded = [rng.choice(vocab) for _ in range(rng.randint(0, 12))]
        out = situations.read(folded)
        # words are only replaced (ages, counts) or added (the cards' words), never lost
        assert len(out) >= len([w for w in folded if w not in situations.NUMBERS
                                and w not in situations.TENS and not w.isdigit()
                                and w not in situations.AGE_WORDS])
    assert situations.read([]) == []
    assert len(situations.read(["con", "su"] * 3000)) == 6000  # no child: nothing added
