"""Query and index analysis: folding, stop words, Snowball stems (bot/search/analyze.py)."""

from bot.search.analyze import analyze, content_words, fold, words


def test_folding_removes_case_and_accents_including_the_tilde_of_n():
    assert fold("NIÑO ¿Qué? Revisión") == "nino ¿que? revision"


def test_words_split_on_anything_that_is_not_a_letter_or_digit():
    assert words("¡Pasaporte-falso! (2 veces)") == ["pasaporte", "falso", "2", "veces"]


def test_spanish_stop_words_and_question_phrasing_are_dropped():
    assert content_words("¿Qué hago si un niño viaja solo?", "es") == ["nino", "viaja", "solo"]


def test_common_verb_forms_are_phrasing_not_words_to_correct():
    # "traía" is no typo of "trata": a story saying what someone carried is not about trafficking
    assert content_words("el señor traía los papeles y venía con ella", "es") == [
        "senor", "papeles"]


def test_english_stop_words_are_dropped():
    assert content_words("What do I do with the passport", "en") == ["passport"]


def test_spanish_plural_and_singular_share_a_stem():
    assert analyze("refugiados", "es") == analyze("refugio", "es")
    assert analyze("detenciones", "es") == analyze("Detención", "es")


def test_english_inflections_share_a_stem():
    assert analyze("fingerprints", "en") == analyze("fingerprint", "en")


def test_typed_without_accents_analyses_like_the_card_with_accents():
    assert analyze("revision migratoria", "es") == analyze("Revisión migratoria", "es")


def test_analysis_of_empty_or_symbol_only_text_is_empty():
    assert analyze("", "es") == []
    assert analyze("¿¡…!? 🙂 \"*", "en") == []
