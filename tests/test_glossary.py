"""The glossary as data: base file shipped in the package, content folder file, validation."""

from datetime import UTC, datetime
from pathlib import Path

from bot.library import import_folder
from bot.search import check_glossary, glossary, import_glossary, search
from bot.search.analyze import analyze
from bot.store import search as search_store
from tests.factories import write_search_cards


def test_the_base_glossary_loads_without_errors_and_covers_the_field():
    entries, errors = glossary.load_file(glossary.BASE_PATH)
    assert errors == []
    terms = {t.casefold() for e in entries for ts in e.terms.values() for t in ts}
    for term in ("nna", "fmm", "tvrf", "comar", "dif", "inm", "cndh", "pollero", "coyote",
                 "la migra", "asilo", "chavo", "morro", "chamaco", "escuincle", "lana", "varo",
                 "mordida", "papeles", "güero"):
        assert term in terms, term


def test_an_entry_gives_its_terms_analysed_per_language():
    entry = glossary.Entry(terms={"es": ("Niños no acompañados",), "en": ("unaccompanied",)})
    assert entry.phrases("es") == [tuple(analyze("niños no acompañados", "es"))]
    assert entry.phrases("en") == [("unaccompani",)]


def test_a_folder_without_glossary_has_no_problems(tmp_path: Path):
    assert check_glossary(tmp_path) == []


def test_a_valid_content_glossary_passes_the_check(tmp_path: Path):
    (tmp_path / "glossary.yml").write_text(
        "- es: [garita, cruce]\n  en: [border crossing]\n", encoding="utf-8")
    assert check_glossary(tmp_path) == []


def test_bad_yaml_is_reported_with_path_and_line(tmp_path: Path):
    (tmp_path / "glossary.yml").write_text("- es: [a, b\n- en: x\n", encoding="utf-8")
    errors = check_glossary(tmp_path)
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{tmp_path / 'glossary.yml'}:")
    assert "invalid YAML" in errors[0].message


def test_bad_entries_are_each_reported_on_their_own_line(tmp_path: Path):
    (tmp_path / "glossary.yml").write_text(
        "- es: [garita, cruce]\n"           # line 1: fine
        "- fr: [douane]\n"                  # line 2: unknown key
        "  es: [aduana, revisión]\n"
        "- es: [solo]\n"                    # line 4: a single term
        "- just a string\n"                 # line 5: not a mapping
        "- es: [el, aduana]\n",             # line 6: 'el' has no searchable word
        encoding="utf-8")
    lines = {(e.line, e.message.split(":")[0].split(" ")[0]) for e in check_glossary(tmp_path)}
    assert {line for line, _ in lines} == {2, 4, 5, 6}
    messages = " | ".join(str(e) for e in check_glossary(tmp_path))
    assert "unknown key 'fr'" in messages
    assert "at least two terms" in messages
    assert "has no searchable word" in messages


def test_a_glossary_that_is_not_a_list_is_refused(tmp_path: Path):
    (tmp_path / "glossary.yml").write_text("es: [a, b]\n", encoding="utf-8")
    [error] = check_glossary(tmp_path)
    assert error.line == 1 and "list of entries" in error.message


def test_importing_a_content_glossary_stores_it_and_an_invalid_one_is_refused(
        store, tmp_path: Path):
    (tmp_path / "glossary.yml").write_text("- es: [garita, cruce]\n", encoding="utf-8")
    assert import_glossary(store.db, tmp_path) == []
    assert search_store.glossary_rows(store.db) == [
        {"source": "glossary.yml", "line": 1, "terms": {"es": ["garita", "cruce"]}}]
    (tmp_path / "glossary.yml").write_text("- es: [garita\n", encoding="utf-8")
    assert import_glossary(store.db, tmp_path) != []
    assert len(search_store.glossary_rows(store.db)) == 1


def test_removing_the_content_glossary_forgets_its_entries(store, tmp_path: Path):
    (tmp_path / "glossary.yml").write_text("- es: [garita, cruce]\n", encoding="utf-8")
    import_glossary(store.db, tmp_path)
    (tmp_path / "glossary.yml").unlink()
    assert import_glossary(store.db, tmp_path) == []
    assert search_store.glossary_rows(store.db) == []


def test_a_content_glossary_entry_extends_search_without_code(store, tmp_path: Path):
    folder = write_search_cards(tmp_path / "messages")
    import_folder(store.db, folder, datetime(2026, 1, 1, tzinfo=UTC))
    assert not search(store.db, "chiringuito", "es").answered
    (folder / "glossary.yml").write_text("- es: [chiringuito, pasaporte]\n", encoding="utf-8")
    import_folder(store.db, folder, datetime(2026, 1, 1, tzinfo=UTC))
    assert search(store.db, "chiringuito", "es").hits[0].card_id == "revision-pasaporte"
