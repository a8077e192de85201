"""`pregonero search`: JSON shape, readable output, `--`, and one-line errors."""

import json
from datetime import UTC, datetime

import pytest

from bot.library import import_folder
from bot.store import Store
from tests.factories import write_search_cards

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def loaded(db_path, tmp_path):
    with Store.open(db_path) as store:
        import_folder(store.db, write_search_cards(tmp_path / "messages"), NOW)
    return db_path


def test_json_lists_hits_best_first_with_id_title_and_score(loaded, cli):
    code, out, _ = cli("search", "--json", "pasaporte")
    assert code == 0
    hits = json.loads(out)
    assert hits[0]["id"] == "revision-pasaporte"
    for hit in hits:
        assert {"id", "title", "score", "lang", "topic", "other_language"} <= set(hit)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_json_is_an_empty_list_when_nothing_is_found(loaded, cli):
    code, out, _ = cli("search", "--json", "horario", "del", "comedor")
    assert (code, json.loads(out)) == (0, [])


def test_several_words_after_a_double_dash_are_one_query(loaded, cli):
    code, out, _ = cli("search", "--lang", "en", "--json", "--", "regional", "visitor",
                       "card")
    hits = json.loads(out)
    assert code == 0 and hits[0]["id"] == "tvr" and hits[0]["other_language"] is True


def test_a_query_that_looks_like_an_option_works_after_a_double_dash(loaded, cli):
    code, out, _ = cli("search", "--json", "--", "--refugio", '"*')
    assert code == 0 and json.loads(out)[0]["id"] == "solicitud-refugio"


def test_readable_output_numbers_titles_and_labels_the_other_language(loaded, cli):
    code, out, _ = cli("search", "--lang", "en", "regional visitor card")
    assert code == 0
    assert out.startswith("1. Tarjeta de Visitante Regional (TVR) (in Spanish)")


def test_readable_output_says_nothing_found_and_lists_the_topics(loaded, cli):
    code, out, _ = cli("search", "horario del comedor")
    assert code == 0
    assert "Nada encontrado" in out
    assert "Revisión documental" in out or "Revision documental" in out


def test_corrections_are_shown(loaded, cli):
    _, out, _ = cli("search", "--limit", "1", "refujio")
    assert "refujio → refugio" in out
    assert out.count("\n1. ") + out.startswith("1. ") == 1


def test_a_bad_language_is_a_one_line_usage_error(loaded, cli):
    code, out, err = cli("search", "--lang", "fr", "pasaporte")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--lang" in err


def test_a_missing_query_is_a_usage_error(loaded, cli):
    code, _, err = cli("search")
    assert code == 2 and "QUERY" in err


def test_content_gaps_suggest_proposes_glossary_entries_from_frequent_unknown_words(loaded,
                                                                                 cli):
    from bot.store import events
    with Store.open(loaded) as store:
        for text in ("troka con migrantes", "la troka del pollero", "troka abandonada",
                     "pasaporte de un marciano", "pasaporte marciano"):
            events.log_query(store.db, normalized=text, results=0, lang="es", region="norte",
                             at=NOW)
    code, out, _ = cli("content", "gaps")
    assert code == 0 and "troka con migrantes" not in out  # asked once: too few to list
    code, out, _ = cli("content", "gaps", "--suggest")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("- es:")]
    assert any(line.startswith("- es: [troka") and "3 searches" in line for line in lines)
    assert any(line.startswith("- es: [marciano]") and "add the card word" in line
               for line in lines)
    assert not any("pasaporte" in line.split("#")[0] for line in lines)  # known words
    code, out, _ = cli("content", "gaps", "--suggest", "--json", "--min-count", "3")
    assert [p["word"] for p in json.loads(out)] == ["troka"]
    with Store.open(loaded) as store:
        for _ in range(4):
            events.log_query(store.db, normalized="troka con migrantes", results=0, lang="es",
                             at=NOW)
    code, out, _ = cli("content", "gaps")
    assert code == 0 and "    5  troka con migrantes" in out  # five times: listed
