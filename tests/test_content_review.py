"""SOPs carry their legal basis and review, shown under the card; the directory of whom to call.

`content check` warns on an SOP without `legal_basis:` or `reviewed:`, on a review older than a
year and on a contact whose `verify:` date has come; the footer ("Llama a", "Fundamento",
"Revisado") is rendered in the card's language; officers get the national contacts and their
own region's (`/directorio`), never another region's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.content.check import check_folder
from bot.content.contacts import directory_topics, select, visible_topic
from bot.library import import_folder
from bot.store import Store
from tests.factories import write_card as write
from tests.web_helpers import COMMS_ID, make_app, seeded_store, sign_in

TODAY = date(2026, 12, 10)

SOP_ES = """---
title: NNA no acompañados
kind: sop
contacts: [procuraduria, linea]
legal_basis: ["Ley de Migración, art. 52, fr. V", "Constitución, art. 1"]
reviewed: {date: 2026-06-01, by: unidad jurídica INM}
---
1. Protege primero.
"""
SOP_EN = """---
title: Unaccompanied children
kind: sop
contacts: [procuraduria, linea]
legal_basis: "Ley de Migración (Migration Law), art. 52, section V"
reviewed: {date: 2026-06-01, by: "pending: INM legal unit"}
---
1. Protect first.
"""
BARE_SOP = "---\ntitle: Uso de la fuerza\nkind: sop\n---\n1. Baja la tensión.\n"
CONTACT = """---
title: {title}
kind: contact
{info}
verify: {verify}
---
{body}
"""


def contact(title: str, info: str, verify: str = "2028-01-31", body: str = "Texto.") -> str:
    return CONTACT.format(title=title, info=info, verify=verify, body=body)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "messages"
    write(root, "ninez/nna.es.md", SOP_ES)
    write(root, "ninez/nna.en.md", SOP_EN)
    write(root, "directorio/linea.es.md",
          contact("Línea de la Vida", 'phone: "800 911 2000"'))
    write(root, "directorio/linea.en.md",
          contact("Línea de la Vida (mental health line)", 'phone: "800 911 2000"'))
    write(root, "directorio/procuraduria.es.md",
          contact("Procuraduría Federal de Protección de NNA",
                  'website: "https://www.gob.mx/difnacional"'))
    write(root, "directorio-sur/procuradurias-sur.es.md",
          contact("Procuradurías del sur", 'website: "https://www.gob.mx/difnacional"'))
    write(root, "directorio-norte/procuradurias-norte.es.md",
          contact("Procuradurías del norte", 'website: "https://www.gob.mx/difnacional"'))
    return root


def html_of(result, card_id: str, lang: str) -> str:
    card = next(c for c in result.cards if c.id == card_id)
    return card.translations[lang].body_html


def messages_of(result) -> list[str]:
    return [str(p) for p in result.problems]


def test_a_complete_sop_and_its_contacts_pass_without_warnings(folder):
    result = check_folder(folder, today=TODAY)
    assert result.problems == []


def test_an_sop_without_legal_basis_or_review_gets_a_warning_each(folder):
    write(folder, "uso-fuerza/uso.es.md", BARE_SOP)
    result = check_folder(folder, today=TODAY)
    assert result.ok  # warnings only: the card still imports
    found = messages_of(result)
    assert any("uso.es.md:3: warning: an SOP needs legal_basis:" in m for m in found)
    assert any("uso.es.md:3: warning: an SOP needs reviewed:" in m for m in found)
    assert len(found) == 2
    assert [(d.card_id, d.reason) for d in result.due if d.card_id == "uso"] == [
        ("uso", "missing")]


def test_a_practice_card_needs_neither(folder):
    write(folder, "derechos/trato.es.md", "---\ntitle: Trato\nkind: practice\n---\nRespeto.\n")
    assert check_folder(folder, today=TODAY).problems == []


def test_a_review_older_than_a_year_gets_a_warning_and_is_due(folder):
    fresh = check_folder(folder, today=date(2027, 6, 1))  # exactly 365 days
    assert fresh.problems == []
    stale = check_folder(folder, today=date(2027, 6, 2))
    found = messages_of(stale)
    assert any("nna.es.md:1: warning: the review of 2026-06-01 is 366 days old" in m
               for m in found)
    assert ("nna", "stale") in {(d.card_id, d.reason) for d in stale.due}


def test_a_pending_review_is_listed_as_due_but_is_no_warning(folder):
    write(folder, "ninez/nna.es.md", SOP_ES.replace("by: unidad jurídica INM",
                                                    'by: "pendiente: unidad jurídica INM"'))
    result = check_folder(folder, today=TODAY)
    assert result.problems == []
    due = [d for d in result.due if d.card_id == "nna"]
    assert [(d.reason, d.by, d.since) for d in due] == [
        ("pending", "unidad jurídica INM", date(2026, 6, 1))]


def test_malformed_review_and_legal_basis_are_errors(folder):
    write(folder, "ninez/nna.es.md", SOP_ES.replace(
        "reviewed: {date: 2026-06-01, by: unidad jurídica INM}", "reviewed: 2026-06-01"))
    write(folder, "ninez/nna.en.md", SOP_EN.replace(
        'legal_basis: "Ley de Migración (Migration Law), art. 52, section V"',
        "legal_basis: {ley: migración}"))
    found = messages_of(check_folder(folder, today=TODAY))
    assert any("nna.es.md:6: reviewed must be {date: YYYY-MM-DD, by: role}" in m for m in found)
    assert any("nna.en.md:5: legal_basis must be a text or a list of texts" in m for m in found)


def test_the_footer_names_whom_to_call_the_legal_basis_and_the_review_in_spanish(folder):
    html = html_of(check_folder(folder, today=TODAY), "nna", "es")
    assert html.startswith("1. Protege primero.\n\n")
    lines = html.split("\n\n", 1)[1].split("\n")
    assert lines == [
        '📞 <b>Llama a:</b> <a href="https://www.gob.mx/difnacional">Procuraduría Federal de '
        "Protección de NNA</a> · Línea de la Vida 800 911 2000 · en tu región: /directorio",
        "⚖️ <b>Fundamento:</b> Ley de Migración, art. 52, fr. V; Constitución, art. 1",
        "✅ <b>Revisado:</b> 2026-06-01, unidad jurídica INM",
    ]


def test_the_footer_in_english_says_a_pending_review_plainly(folder):
    html = html_of(check_folder(folder, today=TODAY), "nna", "en")
    lines = html.split("\n\n", 1)[1].split("\n")
    # the English card calls the Spanish-only contact by its Spanish title
    assert lines[0] == (
        '📞 <b>Call:</b> <a href="https://www.gob.mx/difnacional">Procuraduría Federal de '
        "Protección de NNA</a> · Línea de la Vida (mental health line) 800 911 2000 · in your "
        "region: /directory")
    assert lines[1] == ("⚖️ <b>Legal basis:</b> Ley de Migración (Migration Law), art. 52, "
                        "section V")
    assert lines[2] == ("⚠️ <b>Reviewed:</b> pending sign-off by INM legal unit (text of "
                        "2026-06-01). Until then, check with your supervisor before acting on it.")


def test_the_footer_is_not_indexed_for_search(folder):
    card = next(c for c in check_folder(folder, today=TODAY).cards if c.id == "nna")
    assert "Fundamento" not in card.translations["es"].body_text


def test_a_contact_card_shows_its_phone_and_a_call_to_an_unknown_contact_is_an_error(folder):
    result = check_folder(folder, today=TODAY)
    assert "☎️ <b>Teléfono:</b> 800 911 2000" in html_of(result, "linea", "es")
    write(folder, "ninez/nna.es.md", SOP_ES.replace("[procuraduria, linea]", "[comar, nna]"))
    found = messages_of(check_folder(folder, today=TODAY))
    assert any("contacts: no contact card 'comar' in the folder" in m for m in found)
    assert any("contacts: 'nna' is not a contact card (kind: contact)" in m for m in found)


def test_a_contact_whose_verify_date_has_come_gets_a_warning(folder):
    result = check_folder(folder, today=date(2028, 1, 31))
    found = messages_of(result)
    assert any("linea.es.md:1: warning: verify: 2028-01-31 has come" in m for m in found)
    assert ("linea", "verify") in {(d.card_id, d.reason) for d in result.due}


def test_a_contact_without_phone_website_or_verify_gets_warnings(folder):
    write(folder, "directorio/x.es.md", "---\ntitle: X\nkind: contact\n---\nAlgo.\n")
    write(folder, "directorio/y.es.md",
          contact("Y", 'phone: "llamar a Juan"').replace("verify: 2028-01-31\n", ""))
    found = messages_of(check_folder(folder, today=TODAY))
    assert any("x.es.md:3: warning: a contact needs a phone: or a website:" in m for m in found)
    assert any("x.es.md:3: warning: a contact needs verify:" in m for m in found)
    assert any("y.es.md:4: phone must be digits and spaces" in m for m in found)


def test_phone_and_verify_belong_to_contact_cards_only(folder):
    write(folder, "derechos/t.es.md", "---\ntitle: T\nkind: practice\nphone: \"911\"\n---\nx\n")
    found = messages_of(check_folder(folder, today=TODAY))
    assert any("t.es.md:4: phone: only contact cards (kind: contact) take" in m for m in found)


@dataclass
class Entry:
    id: str
    topic: str


def test_contacts_are_chosen_by_the_officers_region():
    entries = [Entry("sur", "directorio-sur"), Entry("comar", "directorio"),
               Entry("norte", "directorio-norte"), Entry("nna", "ninez"),
               Entry("linea", "directorio")]
    assert [e.id for e in select(entries, "sur")] == ["comar", "linea", "sur"]
    assert [e.id for e in select(entries, "Norte ")] == ["comar", "linea", "norte"]
    assert [e.id for e in select(entries, None)] == ["comar", "linea"]
    assert [e.id for e in select(entries, "centro")] == ["comar", "linea"]
    assert directory_topics("sur") == ["directorio", "directorio-sur"]
    assert visible_topic("directorio-sur", "sur") and not visible_topic("directorio-sur", "norte")
    assert visible_topic("directorio", None) and visible_topic("ninez", "norte")


async def test_an_officer_gets_the_national_and_their_regions_contacts(
        enroll, store: Store, folder) -> None:
    import_folder(store.db, folder, utcnow())
    south = await enroll(region="sur")
    listing = await south.ask("/directorio")
    assert "A quién llamar" in listing.text
    assert listing.button_texts == ["📞 Línea de la Vida", "📞 Procuraduría Federal de "
                                    "Protección de NNA", "📞 Procuradurías del sur"]
    await south.tap(listing, "📞 Procuradurías del sur")
    card = await south.next()
    assert card.text.startswith("Procuradurías del sur")
    topics = await south.ask("/temas")
    assert any("sur" in b.lower() for b in topics.button_texts)
    assert not any("norte" in b.lower() for b in topics.button_texts)
    nowhere = await enroll()
    listing = await nowhere.ask("/directory")
    assert listing.button_texts == ["📞 Línea de la Vida", "📞 Procuraduría Federal de "
                                    "Protección de NNA"]


async def test_the_content_page_lists_the_cards_due_for_review(aiohttp_client, store,
                                                               tmp_path) -> None:
    seeded_store(tmp_path, store)
    write(tmp_path / "messages", "uso/uso.es.md", BARE_SOP)
    write(tmp_path / "messages", "uso/pend.es.md", SOP_ES.replace(
        "by: unidad jurídica INM", 'by: "pendiente: unidad jurídica INM"').replace(
        "contacts: [procuraduria, linea]\n", "").replace("NNA no acompañados", "Pendiente X"))
    client = await aiohttp_client(make_app(store, tmp_path))
    await sign_in(client, store, COMMS_ID)
    html = await (await client.get("/content?lang=es")).text()
    assert "Por revisar" in html
    due = html.split('id="due"', 1)[1].split("</section>", 1)[0]
    assert "Uso de la fuerza" in due and "sin revisión registrada" in due
    assert "Pendiente X" in due and "pendiente de validación experta" in due
    assert due.index("Uso de la fuerza") < due.index("Pendiente X")  # most urgent first
    english = await (await client.get("/content?lang=en")).text()
    assert "Due for review" in english and "awaiting expert sign-off" in english
