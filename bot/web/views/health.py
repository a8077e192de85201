"""Health for machines: `/healthz` (JSON) and `/metrics` (Prometheus text format).

Both are open without sign-in (monitoring scrapes them) and show no personal data.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from bot.clock import iso
from bot.store import ping
from bot.web import keys

LAST_UPDATE_KEY = "pregonero.last_update_at"  # set by bot.chat.panel's update tracker
POLLER_KEY = "pregonero.inbox_poller"  # bot.chat.inbox.POLLER_KEY


def _updates(application: object, now: datetime) -> dict:
    if application is None:
        return {"attached": False}
    updater = getattr(application, "updater", None)
    poller = getattr(application, "bot_data", {}).get(POLLER_KEY)
    last = getattr(application, "bot_data", {}).get(LAST_UPDATE_KEY)
    return {
        "attached": True,
        "running": bool(getattr(application, "running", False)),
        "polling": bool((updater is not None and updater.running)
                        or (poller is not None and poller.running)),
        "durable": poller.durable if poller is not None else None,
        "polling_error": poller.error if poller is not None else None,
        "last_update_at": iso(last) if last else None,
        "seconds_since_last_update": round((now - last).total_seconds(), 1) if last else None,
    }


async def healthz(request: web.Request) -> web.Response:
    now = request.app[keys.CLOCK]()
    store = request.app[keys.STORE]
    try:
        db_ok = await store.run(ping)
    except Exception:  # any failure to read the database is "not reachable"
        db_ok = False
    problem = await store.problem() if db_ok else "the database does not answer"
    db_ok = db_ok and problem is None
    body = {
        "ok": db_ok,
        "database": db_ok,
        "database_problem": problem,
        "updates": _updates(request.app[keys.APPLICATION], now),
        "scheduler_lag_seconds": metrics.REGISTRY.get_sample_value(
            "pregonero_scheduler_lag_seconds"),
        "outbox_depth": metrics.REGISTRY.get_sample_value("pregonero_outbox_depth"),
        "time": iso(now),
    }
    return web.json_response(body, status=200 if db_ok else 503,
                             headers={"Cache-Control": "no-store"})


async def prometheus(request: web.Request) -> web.Response:
    body = generate_latest(metrics.REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
