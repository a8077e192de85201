"""`pregonero content check`: every problem as `path:line: message`, non-zero exit on errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.content.check import check_folder
from tests.factories import write_card as write

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOOD = "---\ntitle: Trato digno\nkind: practice\n---\nTrata a todas las personas con respeto.\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "m"
    write(root, "derechos/trato.es.md", GOOD)
    write(root, "derechos/trato.en.md", GOOD.replace("Trato digno", "Dignified treatment"))
    return root


def check_output(folder: Path, cli) -> tuple[int, list[str], str]:
    result = cli("content", "check", str(folder))
    return result.code, result.out.splitlines(), result.err


CASES = [
    ("bad YAML gives the YAML line", "derechos/a.es.md",
     "---\ntitle: x\nkind: [sop\n---\nt\n", 3, "bad YAML in the front matter"),
    ("a missing title", "derechos/a.es.md", "---\nkind: sop\n---\nt\n", 1, "missing title"),
    ("an empty title at its line", "derechos/a.es.md", "---\nkind: sop\ntitle:\n---\nt\n", 3,
     "missing title"),
    ("an unknown kind at its line", "derechos/a.es.md", "---\ntitle: x\nkind: memo\n---\nt\n",
     3, "unknown kind 'memo'"),
    ("an unknown language suffix", "derechos/a.fr.md", GOOD, 1, "unknown language 'fr'"),
    ("no language suffix", "derechos/a.md", GOOD, 1, "no language in the file name"),
    ("a bad card id", "derechos/Mi Tarjeta.es.md", GOOD, 1, "bad card id 'Mi Tarjeta'"),
    ("a file that is not UTF-8", "derechos/a.es.md", "---\ntitle: ni\xf1o\n".encode("latin-1"),
     2, "not UTF-8"),
    ("no front matter", "derechos/a.es.md", "# Solo texto\n", 1, "missing front matter"),
    ("an unclosed front matter", "derechos/a.es.md", "---\ntitle: x\nkind: sop\n", 1,
     "not closed"),
    ("an empty body for an sop", "derechos/a.es.md", "---\ntitle: x\nkind: sop\n---\n\n", 5,
     "empty body"),
    ("keywords that are not a list", "derechos/a.es.md",
     "---\ntitle: x\nkind: sop\nkeywords: NNA\n---\nt\n", 4, "keywords must be a list"),
    ("a keyword that is not text", "derechos/a.es.md",
     "---\ntitle: x\nkind: sop\nkeywords: [NNA, no]\n---\nt\n", 4, "item 2 (False) is not text"),
    ("a body over 4096 characters", "derechos/a.es.md",
     "---\ntitle: x\nkind: sop\n---\n" + "palabra " * 600 + "\n", 5, "too long"),
    ("quiz fields on an sop", "derechos/a.es.md",
     "---\ntitle: x\nkind: sop\nanswer: 1\n---\nt\n", 4, "only quiz cards"),
    ("a quiz with one option", "derechos/a.es.md",
     "---\ntitle: x\nkind: quiz\nquestion: q\noptions: [a]\nanswer: 1\nexplanation: e\n---\n",
     5, "2-6 options"),
    ("a quiz answer out of range", "derechos/a.es.md",
     "---\ntitle: x\nkind: quiz\nquestion: q\noptions: [a, b]\nanswer: 3\nexplanation: e\n---\n",
     6, "answer 3 is not an option number (1-2)"),
    ("a quiz option too long for a button", "derechos/a.es.md",
     "---\ntitle: x\nkind: quiz\nquestion: q\noptions: [a, " + "b" * 101 + "]\nanswer: 1\n"
     "explanation: e\n---\n", 5, "option 2 is 101 characters long"),
    ("a quiz without explanation", "derechos/a.es.md",
     "---\ntitle: x\nkind: quiz\nquestion: q\noptions: [a, b]\nanswer: 1\n---\n", 1,
     "missing explanation"),
    ("a missing image", "derechos/a.es.md",
     "---\ntitle: x\nkind: sop\nimage: nada.png\n---\nt\n", 4, "image 'nada.png' not found"),
    ("a card outside a topic folder", "a.es.md", GOOD, 1, "no topic"),
    ("a material outside the content folder", "derechos/a.es.md",
     "---\ntitle: x\nkind: sop\ndocument: ../../etc/passwd\n---\nt\n", 4,
     "document '../../etc/passwd' is outside the content folder"),
]


@pytest.mark.parametrize(("rel", "text", "line", "message"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_is_reported_with_path_line_and_message_and_fails(
        folder, cli, rel, text, line, message):
    write(folder, rel, text)
    code, out, err = check_output(folder, cli)
    assert code == 1
    expected = f"{folder / rel}:{line}: "
    assert any(row.startswith(expected) and message in row for row in out), out
    assert "1 error" in err


def test_the_same_id_and_language_in_two_topics_is_a_duplicate(folder, cli):
    write(folder, "otro/trato.es.md", GOOD)
    code, out, _ = check_output(folder, cli)
    assert code == 1
    assert f"{folder}/otro/trato.es.md:1: duplicate card id 'trato' in es" in out[0]


def test_the_same_id_in_another_topic_and_language_is_a_duplicate(folder, cli):
    write(folder, "otro/solo.es.md", GOOD)
    write(folder, "tercero/solo.en.md", GOOD)
    code, out, _ = check_output(folder, cli)
    assert code == 1 and "also used in" in out[0] and "tercero/solo.en.md:1:" in out[0]


def test_translations_that_disagree_on_kind_are_an_error(folder, cli):
    write(folder, "derechos/trato.en.md", GOOD.replace("practice", "sop"))
    code, out, _ = check_output(folder, cli)
    assert code == 1 and any("kind 'sop' differs from the es translation" in line for line in out)


def test_quiz_translations_must_agree_on_the_answer(folder, cli):
    quiz = ("---\ntitle: q\nkind: quiz\nquestion: q\noptions: [a, b]\nanswer: {}\n"
            "explanation: e\n---\n")
    write(folder, "derechos/q.es.md", quiz.format(1))
    write(folder, "derechos/q.en.md", quiz.format(2))
    code, out, _ = check_output(folder, cli)
    assert code == 1 and "quiz differs" in out[0]


def test_an_oversized_image_and_a_non_image_file_are_refused(folder, cli):
    with (folder / "derechos" / "big.png").open("wb") as fh:
        fh.truncate(10 * 1024 * 1024 + 1)
    write(folder, "derechos/doc.txt", "x")
    write(folder, "derechos/a.es.md", "---\ntitle: x\nkind: sop\nimage: big.png\n---\nt\n")
    write(folder, "derechos/b.es.md", "---\ntitle: x\nkind: sop\nimage: doc.txt\n---\nt\n")
    code, out, _ = check_output(folder, cli)
    assert code == 1
    assert any("a.es.md:4: image 'big.png' is 10.0 MB" in row for row in out)
    assert any("b.es.md:4: image 'doc.txt' must be" in row for row in out)


def test_unknown_front_matter_keys_are_warnings_that_do_not_fail(folder, cli):
    write(folder, "derechos/trato.es.md", GOOD.replace("kind:", "autor: Ana\nkind:"))
    code, out, err = check_output(folder, cli)
    assert code == 0
    assert out == [f"{folder}/derechos/trato.es.md:3: warning: unknown front-matter key "
                   "'autor' is ignored (known: title, kind, keywords, summary, topic, image, "
                   "document, version, question, options, answer, explanation, legal_basis, "
                   "reviewed, contacts, phone, website, verify)"]
    assert err.strip() == "1 card, 2 files, 0 errors, 1 warning"


def test_a_clean_folder_passes_with_a_one_line_summary(folder, cli):
    code, out, err = check_output(folder, cli)
    assert (code, out, err) == (0, [], "1 card, 2 files, 0 errors\n")


def test_json_lists_the_errors_as_objects(folder, cli):
    write(folder, "derechos/a.es.md", "---\ntitle: x\nkind: memo\n---\nt\n")
    result = cli("content", "check", "--json", str(folder))
    code, data = result.code, json.loads(result.out)
    assert code == 1 and data["ok"] is False
    assert data["errors"] == [{"path": f"{folder}/derechos/a.es.md", "line": 3,
                               "message": "unknown kind 'memo': use sop, practice, quiz or contact",
                               "level": "error"}]


def test_a_missing_folder_is_a_one_line_error(tmp_path, cli):
    result = cli("content", "check", str(tmp_path / "nada"))
    assert result.code == 1
    assert result.err.startswith("pregonero: no content folder at")


def test_an_empty_folder_is_an_error_so_an_import_cannot_wipe_the_store(tmp_path):
    assert not check_folder(tmp_path).ok


def test_topic_names_come_from_topics_yml_or_from_the_folder_name(folder):
    write(folder, "trata-trafico/x.es.md", GOOD)
    write(folder, "topics.yml", "derechos: {es: Derechos humanos, en: Human rights}\n")
    topics = {t.slug: t.titles for t in check_folder(folder).topics}
    assert topics == {"derechos": {"es": "Derechos humanos", "en": "Human rights"},
                      "trata-trafico": {"es": "Trata trafico", "en": "Trata trafico"}}


def test_a_bad_topic_name_in_topics_yml_is_reported_at_its_line(folder, cli):
    write(folder, "topics.yml", "derechos: Derechos\nsolo: [uno, dos]\n")
    code, out, _ = check_output(folder, cli)
    assert code == 1
    assert out == [f"{folder}/topics.yml:2: topic 'solo': give a name or {{es: ..., en: ...}}"]


def test_problems_in_the_folders_glossary_fail_the_check(folder, cli):
    write(folder, "glossary.yml", "foo: 3\n")
    code, out, _ = check_output(folder, cli)
    assert code == 1 and out[0].startswith(f"{folder}/glossary.yml:1: ")


def test_readme_hidden_and_underscore_files_are_not_cards(folder):
    write(folder, "README.md", "# notes")
    write(folder, ".drafts/x.es.md", "nada")
    write(folder, "derechos/_borrador.es.md", "nada")
    assert check_folder(folder).ok


def test_the_starter_content_passes_check_without_warnings():
    # judged on a fixed day: reviews and contacts age with the calendar (their warnings have
    # their own tests), and `pregonero content check` judges them on the real date
    result = check_folder(ROOT / "messages", today=date(2026, 12, 10))
    assert result.problems == []
    assert len(result.cards) >= 16 and result.files >= 32


def test_the_evaluation_corpus_passes_check():
    result = check_folder(DATA / "eval" / "corpus")
    assert result.ok and len(result.cards) == 56 and result.files == 100


def test_problems_and_the_summary_can_be_shown_in_spanish_for_the_web_app(folder):
    write(folder, "derechos/a.es.md", "---\ntitle: x\nkind: memo\n---\nt\n")
    result = check_folder(folder)
    assert result.errors[0].localized("es") == (
        f"{folder}/derechos/a.es.md:3: kind desconocido 'memo': usa sop, practice, quiz o contact")
    assert result.errors[0].localized("en") == str(result.errors[0])
    assert result.summary("es") == "Tarjetas: 1 · archivos: 3 · errores: 1"


def test_the_problems_of_one_file_are_listed_from_top_to_bottom(folder: Path, cli) -> None:
    write(folder, "nuevo/larga.es.md", "---\ntitle: Larga\nkind: practice\nimage: falta.png\n"
          "---\n" + "palabra " * 700)
    result = cli("content", "check", str(folder))
    assert result.code == 1
    lines = [ln for ln in result.out.splitlines() if "larga.es.md" in ln]
    numbers = [int(ln.split("larga.es.md:")[1].split(":")[0]) for ln in lines]
    assert len(numbers) == 2 and numbers == sorted(numbers)


def test_one_card_is_one_card_not_one_cards(tmp_path, cli):
    write(tmp_path / "m", "derechos/trato.es.md", GOOD)
    code, _out, err = check_output(tmp_path / "m", cli)
    assert (code, err) == (0, "1 card, 1 file, 0 errors\n")


@pytest.mark.parametrize(("front", "line", "words"), [
    ('title: "Trato digno\nkind: sop', 2, "a quote is not closed"),
    ("title: Trato\nkind: 'sop", 3, "a quote is not closed"),
    ("title: x\nkind: sop\nkeywords: [NNA, menor", 4, "is not closed with ] or }"),
    ("title: Nota: importante\nkind: sop", 2, "put a value that has ': ' in quotes"),
])
def test_yaml_mistakes_are_explained_in_plain_words_at_their_line(folder, cli, front,
                                                                  line, words):
    write(folder, "derechos/a.es.md", f"---\n{front}\n---\nTexto.\n")
    code, out, _err = check_output(folder, cli)
    assert code == 1
    row = next(r for r in out if "/a.es.md:" in r)
    assert row.startswith(f"{folder / 'derechos/a.es.md'}:{line}: "), row
    assert words in row, row
    assert "unexpected end of stream" not in row and "scanning" not in row


def test_a_quiz_reports_every_problem_in_one_run(folder, cli):
    write(folder, "derechos/q.es.md",
          "---\ntitle: x\nkind: quiz\nquestion: q\noptions: [a, a, '']\nanswer: 7\n"
          "explanation: e\n---\n")
    code, out, err = check_output(folder, cli)
    text = "\n".join(out)
    assert code == 1
    assert "option 2 repeats option 1" in text
    assert "option 3 is empty" in text
    assert "answer 7 is not an option number (1-3)" in text
    assert "3 errors" in err


def test_an_empty_body_is_reported_on_a_line_the_file_has(folder, cli):
    text = "---\ntitle: x\nkind: sop\nsummary: s\nversion: 2\n---\n"  # six lines
    write(folder, "derechos/a.es.md", text)
    code, out, _err = check_output(folder, cli)
    assert code == 1
    assert f"{folder / 'derechos/a.es.md'}:6: empty body" in "\n".join(out), out
