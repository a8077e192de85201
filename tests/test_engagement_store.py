"""Feedback, quiz answers, read-and-understood acks and the media cache, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import iso
from bot.store import Store, engagement, officers
from tests.factories import add_officer

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
LATER = datetime(2026, 12, 5, 12, tzinfo=UTC)


def _officer(store: Store, user: int = 10, region: str = "norte") -> None:
    add_officer(store.db, user, now=NOW, timezone="America/Tijuana", region=region,
                port="tijuana")


def test_feedback_keeps_the_latest_opinion_per_officer_and_card(store: Store) -> None:
    _officer(store)
    engagement.set_feedback(store.db, 10, "nna", "useful", at=NOW)
    engagement.set_feedback(store.db, 10, "nna", "not_useful", at=LATER)
    assert engagement.card_state(store.db, 10, "nna").feedback == "not_useful"
    assert store.db["feedback"].count == 1


def test_only_the_first_quiz_answer_counts(store: Store) -> None:
    _officer(store)
    first, new = engagement.answer_quiz(store.db, 10, "q1", 2, False, at=NOW)
    assert new and first == engagement.QuizAnswer(2, False, iso(NOW))
    again, new = engagement.answer_quiz(store.db, 10, "q1", 1, True, at=LATER)
    assert not new and again == first


def test_acks_are_tied_to_a_version_and_the_latest_is_shown(store: Store) -> None:
    _officer(store)
    _officer(store, 11, region="sur")
    engagement.acknowledge(store.db, 10, "sop", "v1", at=NOW)
    assert engagement.acknowledge(store.db, 10, "sop", "v1", at=LATER).at == iso(NOW)
    engagement.acknowledge(store.db, 10, "sop", "v2", at=LATER)
    engagement.acknowledge(store.db, 11, "sop", "v2", at=LATER)
    assert engagement.latest_ack(store.db, 10, "sop") == engagement.Ack("v2", iso(LATER))
    assert engagement.acked_officer_ids(store.db, "sop", "v1") == {10}
    assert engagement.acked_officer_ids(store.db, "sop", "v2") == {10, 11}


def test_the_card_state_of_an_untouched_card_is_empty(store: Store) -> None:
    assert engagement.card_state(store.db, 1, "x") == engagement.CardState()


def test_forgetting_an_officer_erases_their_engagement_rows(store: Store) -> None:
    _officer(store)
    engagement.set_feedback(store.db, 10, "nna", "useful", at=NOW)
    engagement.answer_quiz(store.db, 10, "q1", 0, True, at=NOW)
    engagement.acknowledge(store.db, 10, "sop", "v1", at=NOW)
    officers.forget(store.db, 10)
    for table in ("feedback", "quiz_answers", "acks"):
        assert store.db[table].count == 0


def test_the_media_cache_maps_a_file_hash_to_telegrams_file_id(store: Store) -> None:
    assert engagement.cached_file_id(store.db, "ab" * 32) is None
    engagement.cache_file_id(store.db, "ab" * 32, "photo", "F1", at=NOW)
    engagement.cache_file_id(store.db, "ab" * 32, "photo", "F2", at=LATER)
    assert engagement.cached_file_id(store.db, "ab" * 32) == "F2"
    engagement.drop_file_id(store.db, "ab" * 32)
    assert engagement.cached_file_id(store.db, "ab" * 32) is None
