"""Parsing one card file: front matter, body, quiz, version and materials."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.model import Kind, Level, ParsedCard
from bot.content.parse import parse_file, parse_name, split_front_matter
from tests.factories import QUIZ


def parse(tmp_path: Path, text: str, name: str = "nna.es.md", topic: str | None = "ninez"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_file(path, topic, name)


SOP = """---
title: "Niñas y niños no acompañados"
kind: sop
keywords: [NNA, menor solo, DIF]
summary: Qué hacer primero.
legal_basis: "Ley de Migración, art. 52, fr. V"
reviewed: {date: 2026-12-03, by: "pendiente: unidad jurídica INM"}
version: 3
---
1. **Protege** primero.
2. Avisa a la Procuraduría.
"""

def test_a_card_file_name_gives_its_id_and_language():
    name, why = parse_name("nna-no-acompanados.en.md")
    assert (name.card_id, name.lang, why) == ("nna-no-acompanados", "en", None)


def why(name: str) -> str:
    msgid, params = parse_name(name)[1]
    return msgid % params


def test_file_names_without_a_known_language_or_with_a_bad_id_are_explained():
    assert why("nna.md") == "no language in the file name: call it nna.es.md or nna.en.md"
    assert "unknown language 'fr'" in why("nna.fr.md")
    assert "bad card id 'NNA Solo'" in why("NNA Solo.es.md")
    assert "bad card id" in why(("x" * 49) + ".es.md")


def test_the_front_matter_is_split_from_the_body_with_the_body_line():
    meta, body, line = split_front_matter("---\ntitle: x\n---\nbody\n")
    assert (meta, body, line) == ("title: x", "body\n", 4)


def test_a_full_sop_is_parsed_with_its_fields_rendered_and_its_version(tmp_path):
    t, problems = parse(tmp_path, SOP)
    assert problems == []
    assert (t.card_id, t.lang, t.topic, t.kind) == ("nna", "es", "ninez", Kind.SOP)
    assert t.title == "Niñas y niños no acompañados"
    assert t.keywords == ("NNA", "menor solo", "DIF")
    assert t.summary == "Qué hacer primero."
    assert t.version == "3"
    assert t.body_html == "1. <b>Protege</b> primero.\n2. Avisa a la Procuraduría."
    assert t.body_text == "1. Protege primero.\n2. Avisa a la Procuraduría."


def test_a_topic_in_the_front_matter_overrides_the_folder(tmp_path):
    t, _ = parse(tmp_path, "---\ntitle: x\nkind: practice\ntopic: refugio\n---\ntexto")
    assert t.topic == "refugio"


def test_windows_line_endings_and_a_byte_order_mark_are_accepted(tmp_path):
    t, problems = parse(tmp_path, "\ufeff---\r\ntitle: x\r\nkind: practice\r\n---\r\nhola\r\n")
    assert problems == [] and t.body_md == "hola"


def test_a_quiz_is_parsed_with_its_options_answer_and_explanation(tmp_path):
    t, problems = parse(tmp_path, QUIZ, "trata-quiz.es.md")
    assert problems == []
    assert t.quiz.options == ("Trata de personas", "Tráfico de personas", "Ninguno")
    assert t.quiz.answer == 2
    assert t.quiz.explanation_html == (
        "El <b>tráfico</b> es un cruce pagado; en la trata hay explotación.")
    assert t.quiz.explanation == "El tráfico es un cruce pagado; en la trata hay explotación."


def test_a_quiz_whose_questions_are_in_its_body_is_accepted_with_a_warning(tmp_path):
    t, problems = parse(tmp_path, "---\ntitle: Quiz\nkind: quiz\n---\n1. ¿Sí?\n")
    assert t.quiz is None
    assert [(p.line, p.level) for p in problems] == [(3, Level.WARNING)]


def test_the_version_is_the_front_matter_one_else_a_hash_of_the_spanish_text(tmp_path):
    es, _ = parse(tmp_path, SOP)
    assert ParsedCard("nna", "ninez", Kind.SOP, {"es": es}).version == "3"
    plain, _ = parse(tmp_path, SOP.replace("version: 3\n", ""))
    version = ParsedCard("nna", "ninez", Kind.SOP, {"es": plain}).version
    assert len(version) == 12 and int(version, 16) >= 0
    edited, _ = parse(tmp_path, SOP.replace("version: 3\n", "").replace("primero", "antes"))
    assert ParsedCard("nna", "ninez", Kind.SOP, {"es": edited}).version != version
    en, _ = parse(tmp_path, SOP.replace("version: 3\n", "").replace("primero", "first"),
                  "nna.en.md")
    assert ParsedCard("nna", "ninez", Kind.SOP, {"es": plain, "en": en}).version == version


def test_materials_resolve_next_to_the_file_with_hash_and_size(tmp_path):
    (tmp_path / "flujo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "sop.pdf").write_bytes(b"%PDF-1.4\n")
    t, problems = parse(tmp_path, SOP.replace("version: 3\n",
                                              "image: flujo.png\ndocument: sop.pdf\n"))
    assert problems == []
    assert t.image.path == str((tmp_path / "flujo.png").resolve()) and t.image.size == 8
    assert t.document.name == "sop.pdf" and len(t.document.sha256) == 64


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.binary(max_size=200),
    st.lists(st.sampled_from(["---\n", "title: x\n", "kind: quiz\n", "kind: sop\n", "options:",
                              " [a, b]\n", "answer: 9\n", "- x\n", "question: ¿q?\n", ": :\n",
                              "image: ../x.png\n", "keywords: [no, 1]\n", "\t", "'", "\"",
                              "{", "[", "&", "*a", "!!python/object:os.system\n", "\n"]),
             max_size=30).map(lambda parts: "".join(parts).encode()),
))
def test_any_file_content_gives_problems_never_an_exception(tmp_path, data):
    path = tmp_path / "x.es.md"
    path.write_bytes(data)
    translation, problems = parse_file(path, "t", "x.es.md")
    assert translation is not None or problems
    assert all(p.line >= 1 for p in problems)


def test_a_quiz_whose_body_and_question_do_not_fit_one_message_gets_a_warning(tmp_path):
    long_quiz = QUIZ + ("palabra " * 500) + "\n"
    t, problems = parse(tmp_path, long_quiz, "q.es.md")
    assert t is not None
    assert [(p.line, p.level) for p in problems] == [(9, Level.WARNING)]
    assert "the body will be left out" in problems[0].message
