"""What the pages show: overview figures and chart, content, gaps, officers, both languages."""

from __future__ import annotations

import re

import pytest

from tests.web_helpers import ADMIN_ID, COMMS_ID, make_app, seeded_store, sign_in


@pytest.fixture
async def client(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    return await aiohttp_client(make_app(store, tmp_path))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_overview_shows_people_reach_and_shares_in_spanish_by_default(client, store):
    await sign_in(client, store, ADMIN_ID)
    html = await (await client.get("/")).text()
    assert '<html lang="es">' in html
    text = text_of(html)
    assert "14 Inscritos" in text and "13 Activos" in text and "1 Dados de baja" in text
    assert "50%" in text  # useful share, es_MX percent format
    assert "Alcance de los últimos recordatorios" in text
    assert "Dignified treatment" not in text and "Trato digno en la revisión" in text
    assert "<svg" in html and "Tendencia semanal" in html


async def test_the_overview_shows_read_and_understood_per_sop_with_pending_per_region(
        client, store):
    await sign_in(client, store, COMMS_ID)
    text = text_of(await (await client.get("/?lang=es")).text())
    assert "Niñas, niños y adolescentes no acompañados" in text
    assert "31%" in text  # 4 of 13 active people
    assert "norte: 2" in text and "centro: 5" in text


async def test_the_language_switch_is_kept_in_the_session(client, store):
    await sign_in(client, store, ADMIN_ID)
    english = await (await client.get("/?lang=en")).text()
    assert '<html lang="en">' in english and "Weekly trend" in english
    assert "50%" in text_of(english)
    again = await (await client.get("/content")).text()
    assert '<html lang="en">' in again and "Cards and their use" in again


async def test_filters_narrow_the_figures(client, store):
    await sign_in(client, store, ADMIN_ID)
    text = text_of(await (await client.get("/?region=centro&period=all")).text())
    assert "5 Inscritos" in text
    assert 'value="centro"' not in text  # the form keeps the choice as a selected option
    html = await (await client.get("/?region=centro")).text()
    assert "<option selected>centro</option>" in html


@pytest.mark.parametrize("path", ["/", "/gaps", "/content"])
@pytest.mark.parametrize("query", ["region=sur", "region=norte&lang_filter=en", "role=admin"])
async def test_filters_that_single_out_fewer_than_five_people_show_no_figures_or_searches(
        client, store, path, query):
    await sign_in(client, store, ADMIN_ID)
    response = await client.get(f"{path}?{query}&lang=es")
    assert response.status == 200
    html = await response.text()
    assert "Menos de 5 agentes coinciden con estos filtros" in html
    assert "Inscritos" not in text_of(html) and "visa humanitaria" not in html.lower()
    assert 'class="filters"' in html  # the filters stay, to widen them
    wide = await (await client.get(f"{path}?region=norte&lang=es")).text()
    assert "Menos de 5 agentes" not in wide


async def test_unknown_filter_values_are_ignored(client, store):
    await sign_in(client, store, ADMIN_ID)
    response = await client.get("/?role=king&period=forever&lang_filter=fr")
    assert response.status == 200


async def test_the_content_page_lists_cards_with_usage_and_a_clean_check(client, store):
    await sign_in(client, store, COMMS_ID)
    text = text_of(await (await client.get("/content?lang=es")).text())
    assert "Trato digno en la revisión" in text and "Sin errores" in text
    assert "15" in text  # opens of trato-digno


async def test_the_content_page_shows_content_check_errors(client, store, tmp_path):
    (tmp_path / "messages" / "trato" / "roto.es.md").write_text("---\nkind: sop\n---\nx\n")
    await sign_in(client, store, COMMS_ID)
    html = await (await client.get("/content")).text()
    assert "roto.es.md:" in html and 'class="alert"' in html


async def test_the_gaps_page_groups_queries_with_no_result_and_lists_not_useful_cards(
        client, store):
    from datetime import UTC, datetime

    from bot.store import events
    from bot.store.events import Event, EventType

    await sign_in(client, store, COMMS_ID)
    text = text_of(await (await client.get("/gaps")).text())
    assert "visa humanitaria" in text.lower()  # 5 times with no result
    assert "comar cita" not in text  # once: too few to show
    assert "Niñas, niños y adolescentes no acompañados" not in text  # one person's ratings
    for pid in (102, 103, 104, 200):
        events.record(store.db, Event(EventType.FEEDBACK, datetime(2026, 3, 17, 10, tzinfo=UTC),
                                      officer_id=pid, card_id="nna", value="not_useful"))
    text = text_of(await (await client.get("/gaps")).text())
    assert "Niñas, niños y adolescentes no acompañados" in text  # five people rated it


async def test_the_officers_page_shows_counts_and_never_person_ids(client, store):
    await sign_in(client, store, ADMIN_ID)
    html = await (await client.get("/officers")).text()
    text = text_of(html)
    assert "norte" in text and "tijuana" in text and "Por rol" in text
    for person_id in ("100", "101", "200", "900", "901"):
        assert f">{person_id}<" not in html


async def test_pages_are_readable_on_a_phone_with_the_local_stylesheet(client, store):
    await sign_in(client, store, ADMIN_ID)
    html = await (await client.get("/")).text()
    assert 'name="viewport"' in html and 'href="/static/style.css"' in html
    assert "http" not in re.sub(r'https?://(127\.0\.0\.1|t\.me)[^"]*', "", html.split("<body>")[0])
    css = await client.get("/static/style.css")
    assert css.status == 200 and "@media" in await css.text()


async def test_the_error_pages_are_translated(client, store):
    english = await (await client.get("/gaps?lang=en")).text()
    assert "Sign in first" in english
    spanish = await (await client.get("/gaps?lang=es")).text()
    assert "Primero inicia sesión" in spanish


async def test_the_overview_figures_are_kept_for_a_minute_then_counted_again(
        aiohttp_client, store, tmp_path):
    from datetime import timedelta

    from bot.store import events
    from bot.store.events import Event, EventType
    from tests.web_helpers import NOW

    seeded_store(tmp_path, store)
    clock = [NOW]
    client = await aiohttp_client(make_app(store, tmp_path, clock=lambda: clock[0]))
    await sign_in(client, store, ADMIN_ID)
    assert "22 Consultas" in text_of(await (await client.get("/?lang=es")).text())
    events.record(store.db, Event(EventType.QUERY, NOW, count=1))
    clock[0] = NOW + timedelta(seconds=30)
    assert "22 Consultas" in text_of(await (await client.get("/?lang=es")).text())
    clock[0] = NOW + timedelta(seconds=61)
    assert "23 Consultas" in text_of(await (await client.get("/?lang=es")).text())


async def test_the_content_page_names_topics_as_topics_yml_does(client, store, tmp_path):
    from bot.library import import_folder
    from tests.web_helpers import NOW

    (tmp_path / "messages" / "topics.yml").write_text(
        "ninez: {es: Niñez y adolescencia, en: Children}\n", "utf-8")
    import_folder(store.db, tmp_path / "messages", NOW)
    await sign_in(client, store, COMMS_ID)
    spanish = text_of(await (await client.get("/content?lang=es")).text())
    assert "Niñez y adolescencia" in spanish and " ninez " not in spanish
    assert "Children" in text_of(await (await client.get("/content?lang=en")).text())


async def test_campaigns_are_called_by_name_and_broadcasts_by_their_cards_title(
        client, store):
    from datetime import timedelta

    from bot.delivery import campaigns as lib
    from tests.web_helpers import NOW

    broadcast = lib.add(store.db, lib.new_broadcast(
        store.db, "trato-digno", at=NOW + timedelta(days=1), segment="", now=NOW))
    lib.add(store.db, lib.new_series(
        store.db, name="Buenas prácticas norte", card_ids=["trato-digno"], day="mon",
        time="09:00", segment="region=norte", start="2026-03-23", now=NOW))
    await sign_in(client, store, COMMS_ID)
    listing = text_of(await (await client.get("/campaigns?lang=es")).text())
    assert "Envío único: Trato digno en la revisión" in listing
    assert "Buenas prácticas norte" in listing
    assert "broadcast trato-digno" not in listing and "everyone" not in listing
    assert "todos" in listing
    page = text_of(await (await client.get(f"/campaigns/{broadcast.id}?lang=en")).text())
    assert "Broadcast: Dignified treatment at inspection" in page and "everyone" in page
    series = text_of(await (await client.get(f"/campaigns/{broadcast.id + 1}?lang=es")).text())
    assert "23 mar 2026" in series and "2026-03-23" not in series  # dates per locale
    assert ":00:00" not in series  # no seconds in send times


async def test_the_overview_links_each_reach_row_to_its_campaign_by_name(client, store):
    from bot.delivery import campaigns as lib
    from tests.web_helpers import NOW

    # The seed's deliveries belong to campaign 1: store a series with that id.
    lib.add(store.db, lib.new_series(
        store.db, name="Serie de trato digno", card_ids=["trato-digno"], day="mon",
        time="09:00", segment="", now=NOW))
    await sign_in(client, store, ADMIN_ID)
    html = await (await client.get("/?lang=es")).text()
    assert '<a href="/campaigns/1">Serie de trato digno</a>' in html
    assert ">#1<" not in html


async def test_content_check_problems_are_shown_in_the_readers_language(client, store,
                                                                        tmp_path):
    (tmp_path / "messages" / "trato" / "roto.es.md").write_text("---\nkind: memo\n---\nx\n")
    await sign_in(client, store, COMMS_ID)
    spanish = await (await client.get("/content?lang=es")).text()
    assert "roto.es.md:" in spanish
    assert "missing title" not in spanish and "unknown kind" not in spanish
    assert "kind desconocido" in spanish
    english = await (await client.get("/content?lang=en")).text()
    assert "missing title" in english


@pytest.mark.parametrize("path", ["/", "/gaps", "/content"])
async def test_with_four_people_enrolled_no_page_shows_figures_filtered_or_not(
        aiohttp_client, store, tmp_path, path):
    """One rule for every page and every filter: 1-4 people show no figures and no searches."""
    seeded_store(tmp_path, store)
    store.db.execute("DELETE FROM officers WHERE id NOT IN (900, 901, 100, 101)")
    client = await aiohttp_client(make_app(store, tmp_path))
    await sign_in(client, store, ADMIN_ID)
    for query in ("", "?role=officer", "?region=centro"):
        html = await (await client.get(f"{path}{query}")).text()
        assert "visa humanitaria" not in html.lower(), (path, query)
        assert "Inscritos" not in text_of(html), (path, query)
        assert "menos de 5" in html.lower(), (path, query)
    officers = text_of(await (await client.get("/officers")).text())
    assert "administración 1" not in officers and "administración &lt;5" in officers


async def test_the_trend_has_a_text_alternative_and_a_csv_download(client, store):
    await sign_in(client, store, ADMIN_ID)
    html = await (await client.get("/?lang=es")).text()
    assert "<desc>" in html and "semanas, del" in html
    assert "Las cifras de la gráfica en una tabla" in html
    assert 'href="/trend.csv?lang=es"' in html and "Descargar CSV" in html
    filtered = await (await client.get("/?region=norte&lang=es")).text()
    assert 'href="/trend.csv?region=norte&amp;lang=es"' in filtered
    response = await client.get("/trend.csv?region=norte")
    assert response.status == 200 and response.content_type == "text/csv"
    lines = (await response.text()).splitlines()
    assert lines[0] == "week,week_start,queries,opens,reminders_delivered"
    assert any(line.startswith("2026-W10,2026-03-02,") for line in lines)
    small = (await (await client.get("/trend.csv?region=sur")).text()).splitlines()
    assert small == [lines[0]]  # 3 people: no figures, as on the page
