"""Campaign pages: preview a broadcast as Telegram shows it, create it, pause and cancel."""

from __future__ import annotations

import pytest

from bot.delivery import campaigns as lib
from tests.web_helpers import COMMS_ID, NOW, make_app, seeded_store, sign_in


@pytest.fixture
async def client(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    return await aiohttp_client(make_app(store, tmp_path))


def broadcast_form(csrf: str, action: str, **extra: str) -> dict[str, str]:
    form = {"csrf": csrf, "kind": "broadcast", "card": "trato-digno", "when": "now",
            "segment": "region=norte", "action": action}
    form.update(extra)
    return form


async def test_the_preview_shows_the_card_as_telegram_does_with_its_buttons(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    response = await client.post("/campaigns/new", data=broadcast_form(csrf, "preview"))
    assert response.status == 200
    html = await response.text()
    assert 'class="phone"' in html and 'class="bubble"' in html
    assert "<b>Dignified treatment at inspection</b>" in html  # the comms person reads English
    assert "<b>Greet</b>" in html and "<i>each step</i>" in html
    assert "Useful" in html and "Not useful" in html  # the card's feedback buttons
    assert "Recipients: <b>5</b>" in html
    assert not lib.list_summaries(store.db, now=NOW, default_tz="America/Mexico_City")


async def test_creating_a_broadcast_stores_it_and_shows_its_page(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    response = await client.post("/campaigns/new", data=broadcast_form(csrf, "create"),
                                 allow_redirects=False)
    assert response.status == 303
    (campaign,) = lib.list_summaries(store.db, now=NOW, default_tz="America/Mexico_City")
    assert response.headers["Location"] == f"/campaigns/{campaign['id']}"
    assert campaign["kind"] == "broadcast" and campaign["items"] == ["trato-digno"]
    assert campaign["created_by"] == COMMS_ID
    page = await client.get(response.headers["Location"])
    assert page.status == 200 and "Dignified treatment at inspection" in await page.text()
    listing = await (await client.get("/campaigns")).text()
    assert f'/campaigns/{campaign["id"]}' in listing


async def test_a_bad_campaign_shows_the_librarys_reason_and_stores_nothing(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    response = await client.post("/campaigns/new",
                                 data=broadcast_form(csrf, "create", segment="region=luna"))
    assert response.status == 400
    assert "no active officer matches" in await response.text()
    past = broadcast_form(csrf, "create", when="at", at="2020-01-01T09:00")
    response = await client.post("/campaigns/new", data=past)
    assert response.status == 400 and "in the past" in await response.text()
    assert not lib.list_summaries(store.db, now=NOW, default_tz="America/Mexico_City")


async def test_a_weekly_series_can_be_previewed_and_created(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    form = {"csrf": csrf, "kind": "series", "name": "Trato digno", "cards": "trato-digno, nna",
            "day": "mon", "time": "09:00", "mode": "drip", "segment": ""}
    preview = await client.post("/campaigns/new", data={**form, "action": "preview"})
    assert preview.status == 200 and 'class="bubble"' in await preview.text()
    created = await client.post("/campaigns/new", data={**form, "action": "create"},
                                allow_redirects=False)
    assert created.status == 303
    (campaign,) = lib.list_summaries(store.db, now=NOW, default_tz="America/Mexico_City")
    assert campaign["kind"] == "series" and campaign["items"] == ["trato-digno", "nna"]


async def test_a_campaign_can_be_paused_resumed_and_cancelled(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    created = await client.post("/campaigns/new", data=broadcast_form(
        csrf, "create", when="at", at="2026-03-20T09:00"), allow_redirects=False)
    page = created.headers["Location"]
    campaign_id = int(page.rsplit("/", 1)[1])
    for action, status in (("pause", "paused"), ("resume", "scheduled"), ("cancel", "cancelled")):
        response = await client.post(f"{page}/{action}", data={"csrf": csrf},
                                     allow_redirects=False)
        assert response.status == 303
        assert lib.get(store.db, campaign_id).status == status
    again = await client.post(f"{page}/pause", data={"csrf": csrf}, allow_redirects=False)
    assert again.status == 303 and lib.get(store.db, campaign_id).status == "cancelled"


async def test_a_missing_campaign_answers_404(client, store):
    await sign_in(client, store, COMMS_ID)
    assert (await client.get("/campaigns/999")).status == 404


async def test_editing_a_campaign_prefills_the_form_and_the_new_one_replaces_it(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    created = await client.post("/campaigns/new", data=broadcast_form(
        csrf, "create", when="at", at="2026-03-20T09:00"), allow_redirects=False)
    old_id = int(created.headers["Location"].rsplit("/", 1)[1])
    form_html = await (await client.get(f"/campaigns/new?edit={old_id}")).text()
    assert f'name="replaces" value="{old_id}"' in form_html
    assert 'value="2026-03-20T09:00"' in form_html and 'value="region=norte"' in form_html
    edited = await client.post("/campaigns/new", data=broadcast_form(
        csrf, "create", when="at", at="2026-03-21T10:00", replaces=str(old_id)),
        allow_redirects=False)
    assert edited.status == 303
    assert lib.get(store.db, old_id).status == "cancelled"
    new_id = int(edited.headers["Location"].rsplit("/", 1)[1])
    assert lib.get(store.db, new_id).send_at == "2026-03-21T16:00:00+00:00"


async def test_form_errors_speak_the_readers_language_and_name_the_forms_fields(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    await client.get("/campaigns/new?lang=es")
    cases = [
        (broadcast_form(csrf, "preview", when="at", at="2020-01-01T09:00"),
         "Envío &#39;2020-01-01T09:00&#39; ya pasó"),
        (broadcast_form(csrf, "preview", when="at", at="2030-02-30T09:00"),
         "ese día u hora no existe"),
        (broadcast_form(csrf, "preview", segment="region=luna"),
         "ningún agente activo coincide con los destinatarios"),
        (broadcast_form(csrf, "preview", card="nope"), "no existe la tarjeta &#39;nope&#39;"),
        ({"csrf": csrf, "kind": "series", "name": "x", "cards": "trato-digno", "day": "mon",
          "time": "09:00", "start": "2030-02-01", "end": "2030-01-01", "action": "preview"},
         "Fin 2030-01-01 es anterior a Inicio 2030-02-01"),
    ]
    for form, expected in cases:
        html = await (await client.post("/campaigns/new", data=form)).text()
        assert expected in html, expected
        assert "--at" not in html and "--end" not in html and "is in the past" not in html
    assert not lib.list_summaries(store.db, now=NOW, default_tz="America/Mexico_City")


async def test_the_preview_carries_the_header_line_officers_get_and_names_the_audience(
        client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    await client.get("/campaigns/new?lang=es")
    html = await (await client.post("/campaigns/new", data=broadcast_form(
        csrf, "preview", segment=""))).text()
    bubble = html.split('class="bubble"', 1)[1].split("</div>", 1)[0]
    assert "📣 <b>Aviso</b>" in bubble and "Trato digno en la revisión" in bubble
    assert "(<code>todos</code>)" in html and "everyone" not in html
    series = {"csrf": csrf, "kind": "series", "name": "Semanal", "cards": "trato-digno",
              "day": "mon", "time": "09:00", "action": "preview"}
    html = await (await client.post("/campaigns/new", data=series)).text()
    assert "Recordatorio semanal" in html.split('class="bubble"', 1)[1].split("</div>", 1)[0]


async def test_a_campaign_id_too_big_for_the_database_answers_404_not_500(client, store):
    csrf = await sign_in(client, store, COMMS_ID)
    huge = "1" + "0" * 30
    assert (await client.get(f"/campaigns/{huge}")).status == 404
    assert (await client.get(f"/campaigns/new?edit={huge}")).status == 404
    response = await client.post(f"/campaigns/{huge}/pause", data={"csrf": csrf},
                                 allow_redirects=False)
    assert response.status in (303, 404)
