"""The admin and comms web app: `init_app(settings, store, application)` builds it.

Server-rendered pages (Jinja2, one environment per language with our gettext catalogs),
a local stylesheet, server-made SVG charts. State hangs off the app through typed `AppKey`s;
views call the store through `await store.run(...)` and never hold SQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import utcnow
from bot.config import Settings
from bot.store import Store
from bot.web import keys, render
from bot.web.middlewares import error_middleware
from bot.web.security import same_origin_middleware, security_headers
from bot.web.views import (
    campaigns,
    content,
    exports,
    gaps,
    health,
    invites,
    officers,
    overview,
    session,
)

STATIC = Path(__file__).parent / "static"


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/", overview.overview, name="overview"),
        web.get("/trend.csv", overview.trend_csv, name="trend_csv"),
        web.get("/signin", session.how_to_sign_in, name="signin"),
        web.get("/login/{token}", session.login_page, name="login"),
        web.post("/login/{token}", session.login, name="login_post"),
        web.post("/logout", session.logout, name="logout"),
        web.get("/campaigns", campaigns.list_campaigns, name="campaigns"),
        web.get("/campaigns/new", campaigns.new_campaign, name="campaign_new"),
        web.post("/campaigns/new", campaigns.create_campaign, name="campaign_create"),
        web.get("/campaigns/{id:\\d{1,18}}", campaigns.show_campaign, name="campaign"),
        web.get("/campaigns/{id:\\d{1,18}}/progress.json", campaigns.campaign_progress,
                name="campaign_progress"),
        web.get("/campaigns/{id:\\d{1,18}}/delivery.csv", campaigns.delivery_csv,
                name="campaign_delivery_csv"),
        # Ids fit SQLite's 64-bit integers: longer ones are not campaigns (404, not a 500).
        web.post("/campaigns/{id:\\d{1,18}}/{action:pause|resume|cancel}",
                 campaigns.change_campaign, name="campaign_change"),
        web.get("/content", content.content, name="content"),
        web.get("/gaps", gaps.gaps, name="gaps"),
        web.get("/officers", officers.officers, name="officers"),
        web.get("/invites", invites.list_invites, name="invites"),
        web.post("/invites", invites.create_invite, name="invite_create"),
        web.post("/invites/{code}/revoke", invites.revoke_invite, name="invite_revoke"),
        web.get("/invites/{code}/qr.svg", invites.invite_qr, name="invite_qr"),
        web.get("/exports", exports.exports, name="exports"),
        web.get("/exports/weekly.csv", exports.weekly_csv, name="weekly_csv"),
        web.get("/healthz", health.healthz, name="healthz"),
        web.get("/metrics", health.prometheus, name="metrics"),
        web.static("/static", STATIC, name="static"),
    ]


async def _purge_expired(app: web.Application) -> AsyncIterator[None]:
    """On start, forget sign-in tokens and sessions that have expired."""
    from bot.store import web as web_store

    store = app[keys.STORE]
    await store.run(web_store.purge_expired, now=app[keys.CLOCK]())
    yield


def init_app(settings: Settings, store: Store, application: Any = None, *,
             clock: Callable[[], datetime] = utcnow) -> web.Application:
    """Build the web app; the runtime serves it on `settings.web` beside the bot."""
    app = web.Application(middlewares=[error_middleware, same_origin_middleware])
    app.on_response_prepare.append(security_headers)
    app[keys.SETTINGS] = settings
    app[keys.STORE] = store
    app[keys.APPLICATION] = application
    app[keys.CLOCK] = clock
    app[keys.OVERVIEW_CACHE] = {}
    app[keys.CONTENT_CHECK] = content.CheckCache()
    render.setup(app)
    app.add_routes(routes())
    app.cleanup_ctx.append(_purge_expired)
    return app
