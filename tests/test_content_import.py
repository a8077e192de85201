"""Importing a content folder: idempotent, removes what is gone, refuses folders with errors."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.model import ContentInvalid
from bot.library import import_folder
from bot.store import cards
from tests.factories import card_text as card
from tests.factories import write_card as write

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "messages"
    write(root, "ninez/nna.es.md", card("NNA no acompañados", kind="sop", version=2))
    write(root, "ninez/nna.en.md", card("Unaccompanied children", kind="sop"))
    write(root, "refugio/temor.es.md", card("Expresiones de temor"))
    return root


def test_a_folder_is_imported_with_its_cards_and_translations(store, folder):
    report, _ = import_folder(store.db, folder, NOW)
    assert sorted(report.added) == ["nna", "temor"]
    assert cards.card_count(store.db) == 2
    nna = cards.get_card(store.db, "nna", "en")
    assert nna.title == "Unaccompanied children" and nna.version == "2"
    assert nna.updated_at == "2026-03-02T15:00:00+00:00"


def test_a_second_import_of_the_same_folder_changes_nothing(store, folder):
    import_folder(store.db, folder, NOW)
    report, _ = import_folder(store.db, folder, LATER)
    assert not report.changed
    assert report.unchanged == 2
    assert cards.get_card(store.db, "nna", "es").updated_at == "2026-03-02T15:00:00+00:00"


def test_an_edited_card_is_reported_as_updated_and_keeps_others_unchanged(store, folder):
    import_folder(store.db, folder, NOW)
    write(folder, "refugio/temor.es.md", card("Expresiones de temor", body="Otro texto."))
    report, _ = import_folder(store.db, folder, LATER)
    assert report.updated == ["temor"] and report.unchanged == 1
    assert cards.get_card(store.db, "temor", "es").body_text == "Otro texto."


def test_cards_whose_files_are_gone_are_removed(store, folder):
    import_folder(store.db, folder, NOW)
    (folder / "refugio/temor.es.md").unlink()
    report, _ = import_folder(store.db, folder, LATER)
    assert report.removed == ["temor"]
    assert cards.get_card(store.db, "temor", "es") is None
    assert cards.all_card_ids(store.db) == ["nna"]


def test_a_removed_translation_updates_the_card(store, folder):
    import_folder(store.db, folder, NOW)
    (folder / "ninez/nna.en.md").unlink()
    report, _ = import_folder(store.db, folder, LATER)
    assert report.updated == ["nna"]
    assert cards.get_card(store.db, "nna", "en").fallback


def test_a_folder_with_errors_is_refused_and_the_store_is_unchanged(store, folder):
    import_folder(store.db, folder, NOW)
    (folder / "refugio/temor.es.md").unlink()
    write(folder, "refugio/malo.es.md", card("Sin tipo", kind="memo"))
    with pytest.raises(ContentInvalid) as raised:
        import_folder(store.db, folder, LATER)
    errors = [p for p in raised.value.problems if p.level == "error"]
    assert "unknown kind 'memo'" in str(errors[0])
    assert cards.all_card_ids(store.db) == ["nna", "temor"]


def test_materials_are_stored_with_their_absolute_path_and_hash(store, folder):
    (folder / "ninez/flujo.png").write_bytes(b"\x89PNG fake but non-empty")
    write(folder, "ninez/nna.es.md", card("NNA", kind="sop", image="flujo.png"))
    import_folder(store.db, folder, NOW)
    image = cards.get_card(store.db, "nna", "en").image
    assert image.path == str((folder / "ninez/flujo.png").resolve())
    assert len(image.sha256) == 64 and image.size == 23
    (folder / "ninez/flujo.png").write_bytes(b"\x89PNG changed")
    report, _ = import_folder(store.db, folder, LATER)
    assert report.updated == ["nna"]
    assert cards.get_card(store.db, "nna", "es").image.sha256 != image.sha256


def test_the_starter_content_imports(store):
    report, result = import_folder(store.db, ROOT / "messages", NOW)
    assert result.ok and len(report.added) >= 16
    both = [c for c in result.cards if c.langs == ("es", "en")]
    assert len(both) >= 16


def test_the_evaluation_corpus_imports(store):
    report, _ = import_folder(store.db, DATA / "eval" / "corpus", NOW)
    assert len(report.added) == 56


def test_the_cli_imports_then_reports_no_changes(db_path, folder, cli):
    first = cli("content", "import", str(folder))
    assert first.code == 1  # no database yet, and no --init
    assert "--init" in first.err and not db_path.exists()
    created = cli("content", "import", "--init", str(folder))
    assert created.code == 0
    assert "2 added" in created.out
    again = cli("content", "import", "--json", str(folder))
    assert again.code == 0
    data = json.loads(again.out)
    assert data["changed"] is False and data["unchanged"] == 2


def test_the_cli_refuses_a_folder_with_errors_with_a_non_zero_exit(tmp_path, cli):
    root = tmp_path / "bad"
    write(root, "t/x.es.md", "---\nkind: sop\n---\nTexto\n")
    result = cli("content", "import", "--init", str(root))
    assert result.code == 1
    assert f"{root}/t/x.es.md:1: missing title" in result.out
    assert "store is unchanged" in result.err


def test_a_copy_of_the_corpus_without_one_topic_removes_its_cards(store, tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(DATA / "eval" / "corpus", copy)
    import_folder(store.db, copy, NOW)
    shutil.rmtree(copy / "salud")
    report, _ = import_folder(store.db, copy, LATER)
    assert report.removed and not report.added and not report.updated
    assert "salud" not in [t.slug for t in cards.list_topics(store.db, "es")]


def test_every_starter_card_is_in_both_languages_with_keywords_summary_and_phone_length():
    from bot.content.check import check_folder
    from bot.content.model import Kind

    result = check_folder(ROOT / "messages")
    kinds = [c.kind for c in result.cards]
    assert kinds.count(Kind.QUIZ) >= 4 and kinds.count(Kind.SOP) >= 4
    for parsed in result.cards:
        assert parsed.langs == ("es", "en"), parsed.id
        for t in parsed.translations.values():
            assert t.keywords and t.summary, t.source
            if parsed.kind == Kind.QUIZ:
                assert t.quiz is not None, t.source
            elif parsed.kind == Kind.CONTACT:  # an entry of the directory: short
                assert 25 <= len(t.body_text.split()) <= 200, t.source
                assert t.contact is not None and t.contact.verify, t.source
            else:
                assert 150 <= len(t.body_text.split()) <= 350, t.source
    sops = [c for c in result.cards if c.kind == Kind.SOP]
    assert all(c.primary.version for c in sops)
    assert any(c.primary.image for c in sops) and any(c.primary.document for c in sops)


def test_the_starter_materials_are_a_real_png_and_a_real_pdf():
    import struct

    for name in ("nna-flujo.png", "nna-flow.png"):
        data = (ROOT / "messages" / "ninez" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data.rstrip().endswith(b"IEND\xaeB`\x82")
        width, height = struct.unpack(">II", data[16:24])
        assert width == 780 and height < 20 * width and len(data) < 1_000_000
    for pdf in sorted((ROOT / "messages").rglob("*.pdf")):
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF"), pdf
