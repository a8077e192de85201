"""What the generated materials (an SOP's printable PDF, a card's infographic) are made of, and
a fingerprint of it, so a test can tell when a card changed and its materials were not made
again (`scripts/make_materials.py` writes them and `messages/materials.json`). Pure.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.content.model import ParsedTranslation

MANIFEST = "materials.json"
_ITEM = re.compile(r"^(\d+)\.\s+(.*)$")
_HEADING = re.compile(r"^\*\*([^*]+)\*\*\s*$")
_LEAD = re.compile(r"^\*\*(.+?)\*\*\s*(.*)$")


@dataclass(frozen=True)
class Step:
    number: int
    lead: str  # the bold start of the step ("Atiéndelo de inmediato.")
    detail: str  # the rest, Markdown markers removed

    @property
    def conditional(self) -> bool:
        """A step that applies only sometimes ("Si dudas de su edad", "If they express fear")."""
        return bool(re.match(r"^(si|if)\b", self.lead, re.IGNORECASE))


@dataclass(frozen=True)
class Section:
    heading: str
    steps: tuple[Step, ...]


def _plain(markdown: str) -> str:
    return re.sub(r"\*\*|__|(?<!\w)_(?!\w)", "", markdown).strip()


def sections(body_md: str) -> list[Section]:
    """The numbered lists of a card, each under the bold line above it ("**Pasos**")."""
    found: list[Section] = []
    heading = ""
    current: list[Step] = []
    for raw in body_md.splitlines():
        line = raw.rstrip()
        item = _ITEM.match(line)
        if item:
            text = item.group(2)
            lead = _LEAD.match(text)
            step = (Step(int(item.group(1)), _plain(lead.group(1)),
                         _plain(lead.group(2)).lstrip(",:;. "))
                    if lead else Step(int(item.group(1)), "", _plain(text)))
            current.append(step)
            continue
        if raw.startswith((" ", "\t")) and current:
            continue  # a nested line of the step above
        if current:
            found.append(Section(heading, tuple(current)))
            current = []
        title = _HEADING.match(line)
        if title:
            heading = title.group(1).strip().rstrip(":")
    if current:
        found.append(Section(heading, tuple(current)))
    return found


def steps(body_md: str) -> tuple[Step, ...]:
    """The procedure's main steps: the first numbered list."""
    found = sections(body_md)
    return found[0].steps if found else ()


def fingerprint(t: ParsedTranslation, directory: Mapping[str, ParsedTranslation]) -> str:
    """sha256 of everything a material shows: title, version, body, legal basis, review and
    the contacts (title, phone, website). `directory`: contact id -> its card in t's language."""
    contacts = []
    for call in t.calls:
        c = directory.get(call)
        if c is not None:
            info = c.contact
            contacts.append([c.title, info.phone if info else "", info.website if info else ""])
    review = t.reviewed
    data = {"title": t.title, "version": t.version, "body": t.body_md,
            "legal_basis": list(t.legal_basis),
            "reviewed": [review.on.isoformat(), review.by] if review else None,
            "contacts": contacts}
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()
