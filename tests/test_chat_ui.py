"""Presentation helpers of the chat: button labels that fit a phone, topic rows."""

from __future__ import annotations

from bot.callbacks import HALF_FIT, LABEL_FIT
from bot.chat.topics import topic_rows
from bot.chatkit.ui import short_label
from bot.store.cards import Topic


def test_a_short_label_is_left_as_it_is() -> None:
    assert short_label("👍 Útil") == "👍 Útil"


def test_a_long_label_is_cut_at_a_whole_word_with_an_ellipsis() -> None:
    label = short_label("📋 Si alguien dice que tiene miedo de regresar: canaliza a la COMAR")
    assert label == "📋 Si alguien dice que tiene miedo de…"
    assert len(label) <= LABEL_FIT


def test_a_long_label_drops_its_trailing_parenthesis_first() -> None:
    label = short_label("20:39 · Baja California: Tijuana, Mexicali "
                        "(horario de verano de EE. UU.)")
    assert label == "20:39 · Baja California: Tijuana, Mexicali"


def test_short_topics_share_a_row_and_long_ones_get_their_own() -> None:
    topics = [Topic("a", "Refugio y asilo", 3), Topic("b", "Uso de la fuerza", 2),
              Topic("c", "Personas en situación de vulnerabilidad", 2),
              Topic("d", "Género", 1)]
    rows = topic_rows(topics)
    assert [[label for label, _data in row] for row in rows] == [
        ["Refugio y asilo (3)", "Uso de la fuerza (2)"],
        ["Personas en situación de vulnerabilidad (2)"],
        ["Género (1)"],
    ]
    assert all(len(label) <= HALF_FIT for row in rows if len(row) == 2 for label, _ in row)
