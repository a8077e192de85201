"""Content is untrusted input: a careless or malicious card file cannot stall the bot, fill
the memory, or make the bot send a server file to officers. Each test reproduces an attack
that worked before (issue: security and privacy sweep)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

from bot.chatkit.cards import CardSender, read_verified
from bot.content.cardview import render_card
from bot.content.model import Material
from bot.library import check_folder, import_folder
from bot.store import cards as card_store
from tests.factories import write_cards
from tests.web_helpers import ADMIN_ID, NOW, make_app, seeded_store, sign_in

LAUGHS = """---
title: Risas
kind: practice
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
keywords: [*g,*g,*g,*g,*g,*g,*g,*g,*g]
---
Cuerpo.
"""

GOOD = "---\ntitle: Trato digno\nkind: practice\n---\nSaluda y explica.\n"


def _folder(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    return write_cards(tmp_path / "messages", files)


def _peak(fn):  # type: ignore[no-untyped-def]
    """fn()'s result and the most memory Python allocated while it ran (bytes)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_billion_laughs_front_matter_is_one_short_error_in_little_memory(tmp_path):
    assert len(LAUGHS) < 800
    folder = _folder(tmp_path, {"t/risas.es.md": LAUGHS, "t/ok.es.md": GOOD})
    result, peak = _peak(lambda: check_folder(folder))
    assert peak < 20 * 1024 * 1024  # it was 350 MB
    (error,) = result.errors
    assert "anchors and aliases" in error.message and error.path.endswith("risas.es.md")
    assert sum(len(str(p)) for p in result.problems) < 1000  # it printed 226 MB
    assert [c.id for c in result.cards] == ["ok"]


def test_aliases_are_refused_in_topics_yml_too(tmp_path):
    folder = _folder(tmp_path, {"t/ok.es.md": GOOD,
                                "topics.yml": "a: &x {es: A, en: A}\nt: *x\n"})
    result = check_folder(folder)
    assert any("anchors and aliases" in p.message and p.path.endswith("topics.yml")
               for p in result.errors)


def test_a_huge_card_file_is_refused_in_one_line_without_being_read(tmp_path):
    folder = _folder(tmp_path, {"t/ok.es.md": GOOD})
    huge = folder / "t" / "enorme.es.md"
    with huge.open("wb") as fh:  # 200 MB, sparse: cheap to make
        fh.write(b"---\ntitle: x\nkind: sop\n---\n")
        fh.truncate(200 * 1024 * 1024)
    result, peak = _peak(lambda: check_folder(folder))
    assert peak < 5 * 1024 * 1024  # it was 1.2 GB
    (error,) = result.errors
    assert "at most 256 KB" in error.message and "\n" not in str(error)


def test_problems_quote_only_a_short_excerpt_and_a_few_per_file(tmp_path):
    long_key = "k" * 100_000
    many = "\n".join(f"x{i}: {i}" for i in range(500))
    folder = _folder(tmp_path, {
        "t/a.es.md": f"---\ntitle: A\nkind: practice\n{long_key}: 1\n---\nTexto.\n",
        "t/b.es.md": f"---\ntitle: B\nkind: nope{'z' * 50_000}\n---\nTexto.\n",
        "t/c.es.md": f"---\ntitle: C\nkind: practice\n{many}\n---\nTexto.\n",
        "t/d.es.md": "---\ntitle: D\nkind: practice\nkeywords: [" + ", ".join(
            ["[1]"] * 3000) + "]\n---\nTexto.\n",
    })
    result = check_folder(folder)
    assert result.problems
    assert max(len(str(p)) for p in result.problems) < 400
    per_file: dict[str, int] = {}
    for p in result.problems:
        per_file[p.path] = per_file.get(p.path, 0) + 1
    assert max(per_file.values()) <= 21  # 20 and "N more problems in this file"
    assert any("more problems in this file" in p.message for p in result.problems)


def test_a_card_file_that_links_outside_the_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere" / "secret.es.md"
    outside.parent.mkdir()
    outside.write_text("---\ntitle: Secreto\nkind: practice\n---\nroot:x:0:0\n", "utf-8")
    folder = _folder(tmp_path, {"t/ok.es.md": GOOD})
    (folder / "t" / "secreto.es.md").symlink_to(outside)
    (folder / "t" / "lazo.es.md").symlink_to(folder / "t" / "lazo.es.md")  # a loop: skipped
    result = check_folder(folder)
    refused = [p for p in result.errors if "outside the content folder" in p.message]
    assert {Path(p.path).name for p in refused} == {"secreto.es.md"}
    assert [c.id for c in result.cards] == ["ok"]
    (folder / "glossary.yml").symlink_to(outside)
    assert any(p.path.endswith("glossary.yml") and "outside" in p.message
               for p in check_folder(folder).errors)


def test_a_material_that_links_outside_the_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret")
    folder = _folder(tmp_path, {"t/doc.es.md": GOOD.replace("kind: practice",
                                                             "kind: practice\ndocument: d.pdf")})
    (folder / "t" / "d.pdf").symlink_to(secret)
    (error,) = check_folder(folder).errors
    assert "outside the content folder" in error.message


# --- attachments changed after the import ---------------------------------------------------

async def test_an_attachment_replaced_after_import_is_not_sent(bot, emulator, store, tmp_path):
    secret = tmp_path / "server-secret.txt"
    secret.write_bytes(b"DATABASE_PASSWORD=hunter2\n")
    folder = _folder(tmp_path, {"t/doc.es.md": GOOD.replace("kind: practice",
                                                             "kind: practice\ndocument: doc.pdf"),
                                "t/doc.pdf": b"%PDF-1.4 the real guide\n%%EOF\n"})
    import_folder(store.db, folder, NOW)
    card = card_store.get_card(store.db, "doc", "es")
    assert card is not None and card.document is not None
    # the attack: the file is swapped for a link to a server file after the import
    pdf = folder / "t" / "doc.pdf"
    pdf.unlink()
    pdf.symlink_to(secret)
    user = emulator.add_user(601)
    await emulator.send_text(user.id, "/start")
    ids = await CardSender(store).send(bot, user.id, render_card(card, "es"))
    assert len(ids) == 1  # the card's text only
    assert emulator.stats.uploads == 0
    assert all(not m.document for m in emulator.bot_messages(user.id))
    # swapped for other bytes in place: refused too
    pdf.unlink()
    pdf.write_bytes(b"%PDF-1.4 something else\n")
    assert len(await CardSender(store).send(bot, user.id, render_card(card, "es"))) == 1
    assert emulator.stats.uploads == 0
    # put back as imported: sent
    pdf.write_bytes(b"%PDF-1.4 the real guide\n%%EOF\n")
    assert len(await CardSender(store).send(bot, user.id, render_card(card, "es"))) == 1
    assert emulator.stats.uploads == 1


def test_read_verified_refuses_links_and_changed_bytes(tmp_path):
    data = b"guide"
    path = tmp_path / "g.pdf"
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert read_verified(str(path), sha) == data
    link = tmp_path / "l.pdf"
    os.symlink(path, link)
    for bad_path, bad_sha in ((str(link), sha), (str(path), "0" * 64), (str(path), None)):
        with pytest.raises(Exception, match=r"changed|open|hash"):
            read_verified(bad_path, bad_sha)
    assert Material  # the import records path, sha256 and size


# --- the web Content page ---------------------------------------------------------------------

async def test_the_content_page_stays_small_and_checks_once_per_folder_state(
        aiohttp_client, store, tmp_path, monkeypatch):
    from bot.web.views import content as view

    seeded_store(tmp_path, store)
    (tmp_path / "messages" / "trato" / "risas.es.md").write_text(LAUGHS, "utf-8")
    calls: list[Path] = []
    real = view.run_check

    def counted(folder, today=None):  # type: ignore[no-untyped-def]
        calls.append(folder)
        return real(folder, today)

    monkeypatch.setattr(view, "run_check", counted)
    client = await aiohttp_client(make_app(store, tmp_path))
    await sign_in(client, store, ADMIN_ID)
    page = await (await client.get("/content")).text()
    assert "anchors and aliases" in page or "anclas" in page
    assert len(page) < 100_000  # it was 570 MB
    await client.get("/content")
    await client.get("/content?lang=en")
    assert len(calls) == 1  # nothing changed: the cached result
    (tmp_path / "messages" / "trato" / "risas.es.md").unlink()
    await client.get("/content")
    assert len(calls) == 2
