"""Search tables and SQL (bot/store/search.py): index, flags migration, plain baseline."""

from datetime import UTC, datetime

from bot.library import import_folder
from bot.store import migrations
from bot.store import search as search_store
from tests.factories import write_search_cards

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load(store, tmp_path):
    import_folder(store.db, write_search_cards(tmp_path / "messages"), NOW)
    return store.db


def test_each_rebuild_changes_the_index_id(store, tmp_path):
    before = search_store.index_id(store.db)
    db = load(store, tmp_path)
    after = search_store.index_id(db)
    assert after and after != before


def test_match_returns_positive_scores_best_first_and_solo_keeps_single_language_cards(
        store, tmp_path):
    db = load(store, tmp_path)
    found = search_store.match(db, "es", '"pasaport"', 10)
    assert found and all(m.score > 0 for m in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    solo = search_store.match(db, "es", '"tvr" OR "pasaport"', 10, solo=True)
    docs = search_store.docs(db, [m.doc_id for m in solo])
    assert {d["card_id"] for d in docs} <= {"tvr", "calor"}
    assert "tvr" in {d["card_id"] for d in docs}


def test_a_database_indexed_before_the_flags_migration_upgrades_in_place(store, tmp_path):
    db = load(store, tmp_path)
    for lang in ("es", "en"):  # back to the 0020 layout, as an older version left it
        db.execute(f"DROP TABLE search_fts_{lang}")
        db.execute(f"CREATE VIRTUAL TABLE search_fts_{lang} USING fts5("
                   "title, keywords, summary, body, tokenize='unicode61')")
    db.execute("DELETE FROM _migrations WHERE name = '0021_search_flags'")
    assert migrations.apply(db) == ["0021_search_flags"]
    solo = search_store.match(db, "es", '"tvr"', 5, solo=True)
    assert [d["card_id"] for d in search_store.docs(db, [m.doc_id for m in solo])] == ["tvr"]


def test_the_plain_baseline_matches_without_accents_and_joins_words(store, tmp_path):
    db = load(store, tmp_path)
    search_store.plain_build(db)
    assert search_store.plain_search(db, ["revision"], "es", 5)[0].card_id == "revision-pasaporte"
    assert search_store.plain_search(db, ["pasaporte", "zzz"], "es", 5, "AND") == []
    assert search_store.plain_search(db, [], "es", 5) == []
