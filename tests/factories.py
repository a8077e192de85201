"""Factories shared by the tests: card files in a content folder, enrolled officers, and the
result of a CLI run (the `cli` fixture in tests/conftest.py runs `pregonero` in this process).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.content.model import Card, Kind
from bot.library import import_folder
from bot.store import Store, officers

# A 1x1 PNG: an image a card can carry.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")

# A quiz card file: three options, the second right, an explanation with Markdown.
QUIZ = """---
title: ¿Trata o tráfico?
kind: quiz
question: Una persona pagó para cruzar y queda libre al llegar. ¿Qué es?
options: [Trata de personas, Tráfico de personas, Ninguno]
answer: 2
explanation: "El **tráfico** es un cruce pagado; en la trata hay explotación."
---
"""
STORED_AT = "2026-11-28T12:00:00+00:00"



def card_text(title: str = "Trato digno", body: str = "Texto.", *, kind: str = "practice",
              **front: Any) -> str:
    """A card file: front matter (`title`, `kind`, then `front` in order; a list is written as
    a YAML flow list, None is left out) and its body."""
    lines = [f"title: {title}", f"kind: {kind}"]
    for key, value in front.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        lines.append(f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n" + body.rstrip("\n") + "\n"


def write_card(folder: Path, name: str, text: str | bytes | None = None, **fields: Any) -> Path:
    """Write `folder/name` (for example `ninez/nna.es.md`), making its folders: `text` as it is
    (bytes too: an image, a broken file), or else `card_text(**fields)`."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = card_text(**fields)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# An SOP in Spanish and English (bold and italic in its body), as `ninez/nna.<lang>.md`.
NNA_TITLE = "Niñas, niños y adolescentes no acompañados"
NNA_CARDS = {
    "ninez/nna.es.md": card_text(
        NNA_TITLE, "Atiende **de inmediato** y avisa a la _Procuraduría de Protección_.",
        kind="sop", keywords=["NNA", "menor no acompañado", "DIF"],
        summary="Qué hacer en los primeros minutos."),
    "ninez/nna.en.md": card_text(
        "Unaccompanied children",
        "Attend to the child **at once** and notify the _Child Protection Office_.",
        kind="sop", keywords=["unaccompanied minor", "DIF"],
        summary="What to do in the first minutes."),
}


def write_cards(folder: Path, files: dict[str, str | bytes]) -> Path:
    """`write_card` for each name and text of `files`; returns `folder`."""
    for name, text in files.items():
        write_card(folder, name, text)
    return folder


def stored_card(kind: Kind = Kind.PRACTICE, **changes: Any) -> Card:
    """A `Card` as the store returns it (a practice card in Spanish with an English
    translation, its title with characters HTML escapes), with `changes` applied."""
    values: dict[str, Any] = dict(
        id="trato-digno", topic="derechos", kind=kind, version="v1", lang="es",
        requested_lang="es", langs=("es", "en"), title="Trato digno & <respeto>",
        summary="", keywords=(), body_md="", body_html="Saluda y <b>explica</b>.",
        body_text="", quiz=None, image=None, document=None, source="x.md", updated_at=STORED_AT,
    )
    values.update(changes)
    return Card(**values)


def add_officer(db: Any, *user_ids: int, now: datetime, language: str = "es",
                timezone: str = "America/Mexico_City", emulator: Any = None,
                **invite: Any) -> None:
    """Enroll `user_ids` through one new invite (`invite` goes to `create_invite`: `region`,
    `port`, `role`...). With `emulator`, each also exists there and has started the bot, so
    sends to them are delivered. Use `store.run(add_officer, ...)` from async code."""
    if isinstance(invite.get("role"), str):
        invite["role"] = officers.Role(invite["role"])
    created = officers.create_invite(db, now=now, **invite)
    for uid in user_ids:
        result, _ = officers.enroll(db, uid, created.code, language=language, timezone=timezone,
                                    now=now)
        assert result in (officers.EnrollResult.ENROLLED, officers.EnrollResult.REJOINED), result
        if emulator is not None:
            emulator.add_user(uid)
            emulator.bot.started.add(uid)


@dataclass
class CliResult:
    """What one `pregonero` run gave: its exit code and what it printed (`code, out, err =
    cli(...)` unpacks it)."""

    code: int
    out: str
    err: str

    def __iter__(self) -> Iterator[Any]:
        return iter((self.code, self.out, self.err))


# Cards for search tests: (title, kind, keywords, summary, body) by file name.
SEARCH_CARDS = {
    "ninez/nna-no-acompanados.es.md": (
        "Niñas, niños y adolescentes no acompañados", "sop", "[NNA, menor no acompañado, DIF]",
        "Qué hacer cuando una niña o niño viaja sin su madre, padre o tutor.",
        "Atiéndelo de inmediato. Avisa a la Procuraduría de Protección y al Sistema DIF."),
    "ninez/nna-no-acompanados.en.md": (
        "Unaccompanied children and adolescents", "sop", "[unaccompanied minor, NNA, DIF]",
        "What to do when a child travels without a parent or legal guardian.",
        "Attend to them at once. Notify the child protection office and the DIF system."),
    "refugio/solicitud-refugio.es.md": (
        "Cuando una persona pide refugio o asilo", "sop", "[refugio, asilo, COMAR]",
        "Nadie puede ser devuelto a un país donde corre peligro.",
        "Registra la solicitud y canaliza a la COMAR. No pidas pruebas."),
    "refugio/solicitud-refugio.en.md": (
        "When someone asks for asylum", "sop", "[asylum, refugee, COMAR]",
        "Nobody may be returned to a country where they are in danger.",
        "Record the request and refer the person to COMAR. Do not ask for evidence."),
    "revision-documental/tvr.es.md": (
        "Tarjeta de Visitante Regional (TVR)", "sop", "[TVR, frontera sur]",
        "Qué permite la TVR en la frontera sur.",
        "Permite a personas guatemaltecas y beliceñas visitar Chiapas y Tabasco."),
    "revision-documental/revision-pasaporte.es.md": (
        "Revisión de pasaporte paso a paso", "sop", "[pasaporte]",
        "Cómo revisar un pasaporte en el filtro.",
        "Revisa la fotografía, la vigencia y la zona de lectura mecánica."),
    "revision-documental/revision-pasaporte.en.md": (
        "Passport inspection step by step", "sop", "[passport]",
        "How to inspect a passport at the checkpoint.",
        "Check the photograph, the expiry date and the machine readable zone."),
    "salud/calor.es.md": (
        "Desmayo y golpe de calor en la fila", "practice", "",
        "Qué hacer si alguien se desmaya mientras espera.",
        "Lleva a la persona a la sombra. Si trae pasaporte, guárdalo con sus cosas."),
}


def write_search_cards(folder: Path) -> Path:
    """The search tests' cards, in `folder`."""
    for name, (title, kind, keywords, summary, body) in SEARCH_CARDS.items():
        write_card(folder, name, title=f'"{title}"', kind=kind, keywords=keywords or None,
                   summary=f'"{summary}"', body=body)
    return folder


def campaign_store(store: Store, folder: Path) -> Store:
    """A store for campaign tests: cards `trato-digno` and `nna` imported from `folder`, and
    officers 1 (norte) and 2 (sur) and a comms person 3 (norte), all in Tijuana's zone."""
    for card_id in ("trato-digno", "nna"):
        write_card(folder, f"practicas/{card_id}.es.md", title=card_id,
                   body=f"Texto de {card_id}.")
    now = datetime.now(UTC)
    import_folder(store.db, folder, now)
    for uid, region, role in ((1, "norte", "officer"), (2, "sur", "officer"),
                              (3, "norte", "comms")):
        add_officer(store.db, uid, now=now, timezone="America/Tijuana", region=region, role=role)
    return store
