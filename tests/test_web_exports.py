"""CSV export (admin): weekly indicators per region, the same as `pregonero stats --csv`."""

from __future__ import annotations

import csv
import io

import pytest

from bot.store import stats
from tests.web_helpers import ADMIN_ID, NOW, make_app, seeded_store, sign_in


@pytest.fixture
async def client(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    return await aiohttp_client(make_app(store, tmp_path))


async def test_the_csv_download_has_weekly_rows_per_region_with_suppression(client, store):
    await sign_in(client, store, ADMIN_ID)
    response = await client.get("/exports/weekly.csv")
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert list(rows[0]) == stats.WEEKLY_COLUMNS
    assert {r["officers_enrolled"] for r in rows if r["region"] == "sur"} == {"<5"}
    expected = stats.weekly_report(store.db, stats.Filters(), now=NOW)
    assert len(rows) == len(expected)


async def test_the_csv_follows_the_filters(client, store):
    await sign_in(client, store, ADMIN_ID)
    text = await (await client.get("/exports/weekly.csv?region=norte")).text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["region"] for r in rows} == {"norte"}


async def test_the_exports_page_links_the_csv_and_shows_the_latest_weeks(client, store):
    await sign_in(client, store, ADMIN_ID)
    html = await (await client.get("/exports?region=norte")).text()
    assert 'href="/exports/weekly.csv?region=norte"' in html
    assert "2026-W12" in html and "&lt;5" not in html


async def test_the_exports_page_heads_its_columns_in_the_readers_language(client, store):
    await sign_in(client, store, ADMIN_ID)
    spanish = await (await client.get("/exports?lang=es")).text()
    assert ">Inscritos<" in spanish and ">Recordatorios entregados<" in spanish
    assert "<code>officers_<wbr>enrolled</code>" in spanish  # the CSV's own name (may break)
    assert '<th class="n">officers_enrolled</th>' not in spanish
    english = await (await client.get("/exports?lang=en")).text()
    assert ">Week<" in english and ">Read and understood<" in english
