"""Shared set-up for the web app tests: a seeded store, the app, signing in as a role."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings
from bot.library import import_folder
from bot.store import Store
from bot.store import web as web_store
from bot.web.app import init_app
from tests.factories import write_cards
from tests.stats_seed import ADMIN_ID, COMMS_ID, NOW, seed

OFFICER_ID = 100  # an active officer in the seed (no web access)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

CARDS = {
    "trato/trato-digno.es.md": """---
title: Trato digno en la revisión
kind: practice
summary: Saluda, explica y escucha.
---
**Saluda** y explica _cada paso_ de la revisión.
""",
    "trato/trato-digno.en.md": """---
title: Dignified treatment at inspection
kind: practice
---
**Greet** and explain _each step_ of the inspection.
""",
    "ninez/nna.es.md": """---
title: Niñas, niños y adolescentes no acompañados
kind: sop
version: abc
---
1. Identifica.
2. Avisa a la autoridad de protección de la niñez.
""",
}


def write_content(folder: Path) -> Path:
    return write_cards(folder, CARDS)


def seeded_store(tmp_path: Path, store: Store) -> Store:
    seed(store.db)
    import_folder(store.db, write_content(tmp_path / "messages"), NOW)
    return store


def make_app(store: Store, tmp_path: Path, *, application: object = None,
             web_url: str = "", clock=lambda: NOW):
    settings = Settings(db=store.path, messages=tmp_path / "messages", web_url=web_url,
                        admins=(ADMIN_ID,))
    return init_app(settings, store, application, clock=clock)


async def sign_in(client, store: Store, officer_id: int) -> str:
    """Sign in through a one-time link; return the session's CSRF token."""
    token = web_store.create_login_token(store.db, officer_id, now=NOW)
    page = await client.get(f"/login/{token}")
    assert page.status == 200
    response = await client.post(f"/login/{token}", allow_redirects=False)
    assert response.status == 303, await response.text()
    overview = await client.get("/")
    assert overview.status == 200
    return CSRF.search(await overview.text()).group(1)


__all__ = ["ADMIN_ID", "COMMS_ID", "NOW", "OFFICER_ID", "make_app", "seeded_store", "sign_in"]
