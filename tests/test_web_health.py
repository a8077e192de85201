"""/healthz and /metrics: open to monitoring, no personal data."""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta

import pytest

from bot import metrics
from bot.chat.panel import LAST_UPDATE_KEY
from bot.store import Store
from tests.web_helpers import NOW, make_app, seeded_store


class FakeUpdater:
    running = True


class FakeApplication:
    running = True
    updater = FakeUpdater()

    def __init__(self) -> None:
        self.bot_data = {LAST_UPDATE_KEY: NOW - timedelta(seconds=30)}


@pytest.fixture
async def client(aiohttp_client, store, tmp_path):
    seeded_store(tmp_path, store)
    return await aiohttp_client(make_app(store, tmp_path))


async def test_healthz_says_the_database_is_reachable(client):
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["ok"] is True and body["database"] is True
    assert body["updates"] == {"attached": False}


async def test_healthz_reports_updates_flowing_and_scheduler_lag(aiohttp_client, store,
                                                                tmp_path):
    seeded_store(tmp_path, store)
    metrics.SCHEDULER_LAG.set(2.5)
    client = await aiohttp_client(make_app(store, tmp_path, application=FakeApplication()))
    body = await (await client.get("/healthz")).json()
    assert body["updates"]["polling"] is True
    assert body["updates"]["seconds_since_last_update"] == 30.0
    assert body["scheduler_lag_seconds"] == 2.5


async def test_healthz_answers_503_when_the_database_is_gone(client, store):
    store.db.conn.close()
    response = await client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["database"] is False


async def test_healthz_says_when_the_database_file_is_deleted(client, db_path):
    assert (await client.get("/healthz")).status == 200
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{db_path}{suffix}")
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 503 and body["database"] is False
    assert "deleted" in body["database_problem"]


async def test_healthz_says_when_the_database_file_is_replaced(client, db_path, tmp_path):
    other = tmp_path / "other.db"
    Store.open(other).close()
    os.replace(other, db_path)
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 503 and "replaced" in body["database_problem"]


async def test_metrics_are_in_prometheus_text_format(client):
    metrics.MESSAGES_SENT.labels("test").inc()
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    for name in ("pregonero_updates_handled", "pregonero_messages_sent_total",
                 "pregonero_outbox_depth", "pregonero_scheduler_lag_seconds",
                 "pregonero_search_seconds_bucket"):
        assert name in text
