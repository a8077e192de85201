"""The generated materials follow their cards: every SOP has its PDF in each language, the
infographics show the card's steps, and `messages/materials.json` proves each file was made from
the card as it is now (scripts/make_materials.py; no browser is needed to check)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from bot.content.check import check_folder
from bot.content.materials import sections, steps
from bot.content.model import Kind

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "messages"


def _script():
    spec = importlib.util.spec_from_file_location("make_materials",
                                                  ROOT / "scripts" / "make_materials.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_material_was_made_from_its_card_as_it_is_now():
    assert _script().stale(MESSAGES) == [], "run .venv/bin/python scripts/make_materials.py"


def test_every_sop_sends_its_own_pdf_in_each_language():
    for card in check_folder(MESSAGES).cards:
        if card.kind != Kind.SOP:
            continue
        for lang, t in card.translations.items():
            assert t.document is not None, t.source
            assert Path(t.document.path).name == f"{card.id}.{lang}.pdf", t.source


def test_a_card_edited_after_its_materials_is_reported(tmp_path):
    copy = tmp_path / "messages"
    shutil.copytree(MESSAGES, copy)
    card = copy / "ninez" / "nna-no-acompanados.es.md"
    card.write_text(card.read_text(encoding="utf-8").replace(
        "**Registra todo**", "**Registra todo y avisa a tu superior**"), encoding="utf-8")
    (copy / "uso-fuerza" / "uso-fuerza.en.pdf").write_bytes(b"%PDF-1.4\nedited\n%%EOF\n")
    assert sorted(_script().stale(copy)) == [
        "ninez/nna-flujo.png: its card changed",
        "ninez/nna-no-acompanados.es.pdf: its card changed",
        "uso-fuerza/uso-fuerza.en.pdf: the file was edited by hand",
    ]


def test_the_steps_are_read_from_the_cards_numbered_lists():
    body = ("Intro.\n\n**Pasos**\n1. **Atiéndelo de inmediato.** Nunca en la fila.\n"
            "2. **Si dudas de su edad**, trátalo como menor.\n3. Registra todo:\n"
            "   - la hora;\n\n**Después**\n1. **Informa** a tu superior.\n")
    found = sections(body)
    assert [s.heading for s in found] == ["Pasos", "Después"]
    first = steps(body)
    assert [(s.number, s.lead, s.detail, s.conditional) for s in first] == [
        (1, "Atiéndelo de inmediato.", "Nunca en la fila.", False),
        (2, "Si dudas de su edad", "trátalo como menor.", True),
        (3, "", "Registra todo:", False),
    ]


def test_the_nna_infographic_has_every_step_of_its_card():
    card = next(c for c in check_folder(MESSAGES).cards if c.id == "nna-no-acompanados")
    html = _script().infographic_html(card.translations["es"], {})
    for step in steps(card.translations["es"].body_md):
        assert f'<div class="num">{step.number}</div>' in html
        assert step.lead in html
    assert len(steps(card.translations["es"].body_md)) == 8
