"""The utility the decision to answer is fitted for (scripts/tune_search.py): answering well
counts always, abstention counts until it reaches its target. The everyday questions of
off_topic.yml hold the tuning sets' unanswerable ones, never the frozen set's."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from bot.search import semantic

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture(scope="module")
def tune():
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location("tune_search", SCRIPTS / "tune_search.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


def one_set(answered_right: int, abstained: int) -> tuple[list[dict], list[list[str]]]:
    """Ten answerable questions (answered_right of them with the right card first, the others
    with nothing) and ten unanswerable ones (abstained of them get nothing)."""
    rows = [{"set": "s", "relevant": {"a"}} for _ in range(10)]
    rows += [{"set": "s", "relevant": set()} for _ in range(10)]
    got = [["a"] if i < answered_right else [] for i in range(10)]
    got += [[] if i < abstained else ["a"] for i in range(10)]
    return rows, got


def test_abstention_counts_until_its_target_and_answers_always(tune, monkeypatch):
    monkeypatch.setattr(tune, "OBJECTIVE", "targets")
    assert tune.ABSTENTION == 0.80
    # MRR@5 0.8; abstention 0.9 and 1.0 are worth no more than 0.8
    assert tune.balanced(*one_set(8, 8)) == pytest.approx(0.8)
    assert tune.balanced(*one_set(8, 10)) == pytest.approx(0.8)
    # below its target, each point of abstention missing costs a point
    assert tune.balanced(*one_set(8, 6)) == pytest.approx(0.6)
    # one more question answered always counts
    assert tune.balanced(*one_set(9, 8)) == pytest.approx(0.9)


def test_the_earlier_utility_is_the_mean_of_mrr_and_abstention(tune, monkeypatch):
    monkeypatch.setattr(tune, "OBJECTIVE", "balanced")
    assert tune.balanced(*one_set(8, 10)) == pytest.approx(0.9)
    assert tune.balanced(*one_set(6, 6)) == pytest.approx(0.6)


def test_each_set_counts_the_same_however_many_questions_it_has(tune, monkeypatch):
    monkeypatch.setattr(tune, "OBJECTIVE", "targets")
    small, small_got = one_set(10, 10)
    big, big_got = one_set(5, 10)
    big, big_got = big * 3, big_got * 3
    for r in big:
        r["set"] = "big"
    assert tune.balanced(small + big, small_got + big_got) == pytest.approx(0.75)


def _asked() -> set[str]:
    return {semantic.same_question(q) for s in semantic.off_topic_subjects()
            for q in s.asked}


def test_the_tuning_sets_unanswerable_questions_are_among_the_everyday_ones(tune):
    evaluation = sys.modules["eval_search"]
    missing = [q["query"] for path in evaluation.TUNING for q in evaluation.load_queries(path)
               if not q["relevant"] and semantic.same_question(q["query"]) not in _asked()]
    assert not missing, "add them to bot/search/off_topic.yml, then --save-vectors and --tune"


def test_no_question_of_the_frozen_set_is_among_the_everyday_ones(tune):
    evaluation = sys.modules["eval_search"]
    frozen = {semantic.same_question(q["query"])
              for q in evaluation.load_queries(evaluation.FROZEN)}
    assert frozen and not frozen & _asked()


def test_the_subject_named_is_checked_against_the_one_off_topic_yml_lists(tune):
    evaluation = sys.modules["eval_search"]
    queries = [{"query": "¿cuándo pagan la quincena?", "lang": "es", "relevant": []},
               {"query": "horario del comedor", "lang": "es", "relevant": []},
               {"query": "una niña viaja sola", "lang": "es", "relevant": ["nna"]}]
    told = {("¿cuándo pagan la quincena?", "es"): "staff",  # right
            ("horario del comedor", "es"): "staff",          # facilities, wrong
            ("una niña viaja sola", "es"): "staff"}           # answerable: not counted
    assert evaluation._right_subject(queries, told) == 0.5
    assert evaluation._right_subject(queries, {}) is None
