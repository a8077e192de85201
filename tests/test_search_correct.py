"""Typo correction against the index vocabulary (bot/search/correct.py)."""

from bot.search.correct import Corrector, sound_key

VOCAB = [("refugio", 5), ("pasaporte", 9), ("embarazada", 2), ("desmayo", 2),
         ("discapacidad", 3), ("revision", 8), ("falso", 4), ("nino", 6), ("quintana", 1)]


def corrector() -> Corrector:
    return Corrector(VOCAB, sounds=True)


def test_spanish_sound_alikes_share_a_key():
    assert sound_key("refujio") == sound_key("refugio")
    assert sound_key("desmallo") == sound_key("desmayo")
    assert sound_key("enbarasada") == sound_key("embarazada")
    assert sound_key("revicion") == sound_key("revision")


def test_unknown_words_are_corrected_by_sound_or_by_edit_distance():
    c = corrector()
    assert c.correct("refujio") == "refugio"
    assert c.correct("discapasidad") == "discapacidad"
    assert c.correct("pasaprote") == "pasaporte"   # a transposition is one edit
    assert c.correct("faslo") == "falso"


def test_a_known_word_is_never_changed():
    c = corrector()
    for word, _ in VOCAB:
        assert c.correct(word) is None


def test_far_or_short_words_are_not_corrected():
    c = corrector()
    assert c.correct("quincena") is None      # two edits away but also another word
    assert c.correct("xyz") is None
    assert c.correct("contraseña") is None
    assert c.correct("1234") is None


def test_closest_reports_how_many_edits_the_correction_took():
    c = corrector()
    assert c.closest("refujio") == ("refugio", 0)
    assert c.closest("pasaprote") == ("pasaporte", 1)


def test_between_equally_close_words_a_transposition_wins():
    c = Corrector([("fallo", 9), ("falso", 1)], sounds=True)
    assert c.correct("faslo") == "falso"
