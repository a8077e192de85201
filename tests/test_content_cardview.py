"""How a card looks to one officer: text, buttons, quiz results, read-and-understood state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.callbacks import LABEL_FIT, decode
from bot.content.cardview import (
    CAPTION_LIMIT,
    CardContext,
    feedback_marked,
    render_card,
    version_tag,
)
from bot.content.model import Ack, CardState, Kind, Material, Quiz, QuizAnswer
from bot.content.render import telegram_length
from bot.testkit.tghtml import parse_html
from tests.factories import stored_card as card

AT = "2026-11-28T12:00:00+00:00"


def actions(message) -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for row in message.keyboard.inline_keyboard:
        for b in row:
            cb = decode(b.callback_data)
            assert cb is not None, b.callback_data
            out.append((cb.action, cb.args))
    return out


def labels(message) -> list[str]:
    return [b.text for row in message.keyboard.inline_keyboard for b in row]


def test_a_card_shows_its_escaped_title_and_body_with_feedback_buttons() -> None:
    m = render_card(card(), "es")
    assert m.text_html == "<b>Trato digno &amp; &lt;respeto&gt;</b>\n\nSaluda y <b>explica</b>."
    assert actions(m) == [("fb", ("trato-digno", "y")), ("fb", ("trato-digno", "n")),
                          ("topic", ("derechos",))]
    assert labels(m)[:2] == ["👍 Útil", "👎 No útil"]


def test_the_back_button_follows_where_the_card_was_opened() -> None:
    assert ("res", ()) in actions(render_card(card(), "en", context=CardContext("results")))
    from_topic = render_card(card(), "en", context=CardContext("topic"))
    assert "📚 Back to topic" in labels(from_topic)
    assert CardContext.from_keyboard(from_topic.keyboard) == CardContext("topic")
    assert CardContext.from_keyboard(None) == CardContext("none")


def test_the_officers_feedback_is_ticked() -> None:
    m = render_card(card(), "en", officer_state=CardState(feedback="not_useful"))
    assert labels(m)[:2] == ["👍 Useful", "✓ 👎 Not useful"]
    again = feedback_marked(m.keyboard, "useful", "en")
    assert [b.text for b in again.inline_keyboard[0]] == ["✓ 👍 Useful", "👎 Not useful"]


QUIZ = Quiz(question="¿Qué se hace primero?", options=("Registrar", "Escuchar"), answer=2,
            explanation="Primero se escucha.")


def test_an_unanswered_quiz_shows_its_options_as_buttons() -> None:
    m = render_card(card(Kind.QUIZ, quiz=QUIZ), "es")
    assert "¿Qué se hace primero?" in m.text_html and "B) Escuchar" in m.text_html
    assert actions(m)[:2] == [("quiz", ("trato-digno", "1")), ("quiz", ("trato-digno", "2"))]
    assert "Primero se escucha" not in m.text_html


def test_an_answered_quiz_shows_the_result_and_the_explanation_without_options() -> None:
    wrong = render_card(card(Kind.QUIZ, quiz=QUIZ), "en",
                        officer_state=CardState(quiz=QuizAnswer(1, False, AT)))
    assert "❌" in wrong.text_html and "The right answer is B" in wrong.text_html
    assert "Primero se escucha." in wrong.text_html
    assert not any(a == "quiz" for a, _ in actions(wrong))
    right = render_card(card(Kind.QUIZ, quiz=QUIZ), "es",
                        officer_state=CardState(quiz=QuizAnswer(2, True, AT)))
    assert "✅" in right.text_html


def test_an_sop_asks_for_read_and_understood_until_the_current_version_is_confirmed() -> None:
    sop = card(Kind.SOP, version="2026-11")
    fresh = render_card(sop, "en")
    assert ("ack", ("trato-digno", version_tag("2026-11", "trato-digno"))) in actions(fresh)
    done = render_card(sop, "en", officer_state=CardState(ack=Ack("2026-11", AT)),
                       timezone="America/Tijuana")
    assert not any(a == "ack" for a, _ in actions(done))
    assert "✓ Read and understood (Nov 28, 2026)" in done.text_html
    changed = render_card(sop, "es", officer_state=CardState(ack=Ack("2026-01", AT)))
    assert any(a == "ack" for a, _ in actions(changed))
    assert "cambió" in changed.text_html


def test_every_button_of_a_card_with_the_longest_id_fits_telegrams_64_bytes() -> None:
    long_id = "a" * 48
    quiz = Quiz(question="Q", options=tuple("abcdefghij"), answer=1, explanation="x")
    for kind, extra in ((Kind.SOP, {}), (Kind.QUIZ, {"quiz": quiz})):
        m = render_card(card(kind, id=long_id, topic="t" * 48, **extra), "es")
        assert all(len(b.callback_data.encode()) <= 64
                   for row in m.keyboard.inline_keyboard for b in row)
    assert len(version_tag("v2", long_id)) == 8 and version_tag("v2") != version_tag("v3")


def test_a_card_shown_in_its_other_language_says_so() -> None:
    m = render_card(card(lang="es", requested_lang="en"), "en")
    assert "Available in Spanish only" in m.text_html


def test_a_status_too_long_for_the_message_goes_in_a_follow_up() -> None:
    long_quiz = Quiz(question="Q", options=("a", "b"), answer=1, explanation="x" * 4000)
    m = render_card(card(Kind.QUIZ, quiz=long_quiz, body_html="y" * 200), "en",
                    officer_state=CardState(quiz=QuizAnswer(1, True, AT)))
    assert m.followup_html is not None and "x" * 100 in m.followup_html
    assert all(telegram_length(t) <= 4096 for t in m.texts)


def test_materials_are_carried_with_their_hash() -> None:
    m = render_card(card(image=Material("/m/i.png", "ab" * 32, 10)), "es")
    assert (m.image_path, m.image_sha256, m.document_path) == ("/m/i.png", "ab" * 32, None)


def test_telegram_counts_code_points_after_parsing_entities() -> None:
    assert telegram_length("<b>a&amp;b</b> 😀") == 5
    assert CAPTION_LIMIT == 1024


def test_a_quiz_whose_intro_is_too_long_keeps_its_question_and_options() -> None:
    m = render_card(card(Kind.QUIZ, quiz=QUIZ, body_html="y" * 4000), "es")
    assert telegram_length(m.text_html) <= 4096 and "B) Escuchar" in m.text_html


@settings(max_examples=150, deadline=None)
@given(title=st.text(min_size=1, max_size=200), option=st.text(min_size=1, max_size=100),
       explanation=st.text(max_size=300))
def test_any_title_option_or_explanation_renders_html_telegram_accepts(
        title: str, option: str, explanation: str) -> None:
    quiz = Quiz(question=title, options=(option, "b"), answer=1, explanation=explanation)
    for state in (CardState(), CardState(quiz=QuizAnswer(1, True, AT))):
        m = render_card(card(Kind.QUIZ, title=title, quiz=quiz), "es", officer_state=state)
        for text in m.texts:
            plain, _entities = parse_html(text)
            assert title.strip()[:1] in plain or not title.strip()


def test_a_quiz_with_long_options_lists_them_in_the_text_and_offers_letter_buttons() -> None:
    options = ("Lo dejo seguir con su tío si el joven lo confirma",
               "Lo trato como NNA separado y aviso a la Procuraduría", "Lo mando a la fila general")
    m = render_card(card(Kind.QUIZ, quiz=Quiz(question="¿Qué haces?", options=options, answer=2,
                                              explanation="x")), "es")
    assert "B) Lo trato como NNA separado y aviso a la Procuraduría" in m.text_html
    first_row = m.keyboard.inline_keyboard[0]
    assert [b.text for b in first_row] == ["A", "B", "C"]
    assert [decode(b.callback_data).args for b in first_row] == [
        ("trato-digno", "1"), ("trato-digno", "2"), ("trato-digno", "3")]


def test_every_card_button_label_fits_a_phone() -> None:
    long = "palabra " * 30
    quiz = Quiz(question="Q", options=(long, "b"), answer=1, explanation="x")
    for kind, extra in ((Kind.SOP, {}), (Kind.QUIZ, {"quiz": quiz}), (Kind.PRACTICE, {})):
        for lang in ("es", "en"):
            m = render_card(card(kind, title=long, **extra), lang, context=CardContext("topic"))
            assert all(len(b.text) <= LABEL_FIT for row in m.keyboard.inline_keyboard
                       for b in row)


def test_ticking_feedback_keeps_the_cards_language_after_a_language_switch() -> None:
    spanish = render_card(card(), "es")
    ticked = feedback_marked(spanish.keyboard, "not_useful", "en")
    assert [b.text for b in ticked.inline_keyboard[0]] == ["👍 Útil", "✓ 👎 No útil"]
    again = feedback_marked(ticked, "useful", "en")
    assert [b.text for b in again.inline_keyboard[0]] == ["✓ 👍 Útil", "👎 No útil"]
