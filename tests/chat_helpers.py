"""What the chat tests share: a small content folder (an SOP in both languages, a practice
with an image, a quiz, an SOP with a diagram), the events a store recorded, and tapping a
button that edits its message."""

from __future__ import annotations

from pathlib import Path

from bot.store import Store
from bot.testkit.emulator import Emulator
from tests.factories import PNG, QUIZ, write_cards

SOP = """---
title: Niñas y niños no acompañados
kind: sop
keywords: [NNA, menor no acompañado]
summary: Qué hacer primero.
version: "{version}"
---
1. **Protege** primero.
2. Avisa a la Procuraduría de Protección.
"""

SOP_EN = """---
title: Unaccompanied children
kind: sop
version: "{version}"
---
1. **Protect** first.
"""

PRACTICE = """---
title: Trato digno
kind: practice
keywords: [respeto, trato]
image: trato.png
---
Saluda, preséntate y explica cada paso.
"""

SOP_IMAGE = """---
title: Flujo de canalización
kind: sop
image: flujo.png
---
Sigue el diagrama.
"""

def write_content(folder: Path, version: str = "1") -> None:
    write_cards(folder, {
        "ninez/nna.es.md": SOP.format(version=version),
        "ninez/nna.en.md": SOP_EN.format(version=version),
        "derechos/trato.es.md": PRACTICE,
        "derechos/trato.png": PNG,
        "trata/quiz-trata.es.md": QUIZ,
        "materiales/flujo.es.md": SOP_IMAGE,
        "materiales/flujo.png": PNG,
    })


def events(store: Store, type_: str) -> list[dict]:
    return list(store.db.query("SELECT * FROM events WHERE type = ? ORDER BY id", [type_]))


async def tap_edit(user, emulator: Emulator, message, label: str):
    """Tap a button and wait until the tapped message is edited: (answer, edited message)."""
    before = emulator.message(user.id, message.message_id).edits
    answer = await user.tap(message, label)
    edited = await emulator.wait_for(
        lambda: (m := emulator.message(user.id, message.message_id)).edits > before and m)
    return answer, edited
