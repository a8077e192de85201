"""Overview: people, reach of the latest reminders, opens, useful share, read-and-understood
per SOP, knowledge checks, queries and the weekly trend, with filters."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlite_utils import Database

from bot.i18n import N_
from bot.store import delivery as delivery_store
from bot.store import stats
from bot.store.stats import Filters
from bot.web import auth, charts, keys, render
from bot.web.views.filters import PERIOD_LABELS, parse_filters, small_group_page

CHART_WEEKS = 26
CACHE_SECONDS = 60


def gather(db: Database, f: Filters, now: datetime, lang: str) -> dict:
    """Everything the overview shows, read in one go on the store's thread."""
    return {
        "totals": stats.totals(db, f),
        "reach": stats.reach(db, f.without_period(), limit=5),
        "acks": stats.acknowledgements(db, f),
        "weekly": stats.weekly(db, f, now=now)[-CHART_WEEKS:],
        "choices": stats.filter_choices(db),
        "titles": stats.card_titles(db, lang),
        "campaigns": {c.id: c for c in delivery_store.list_campaigns(db)},
    }


async def cached_gather(request: web.Request, f: Filters, now: datetime, lang: str) -> dict:
    """`gather`, kept for CACHE_SECONDS per filter and language: on a large events log the
    figures take a second or more to count, and people reload the overview often."""
    cache = request.app[keys.OVERVIEW_CACHE]
    key = (f.without_period(), chosen_period(request), lang)
    hit = cache.get(key)
    if hit is not None and 0 <= (now - hit[0]).total_seconds() < CACHE_SECONDS:
        return dict(hit[1])
    data = await render.store(request).run(gather, f, now, lang)
    if len(cache) > 64:
        cache.clear()
    cache[key] = (now, data)
    return dict(data)


def chosen_period(request: web.Request) -> str:
    return request.query.get("period", "")


@auth.require(*auth.COMMS)
async def overview(request: web.Request) -> web.Response:
    _ = render.gettext(request)
    now = render.now(request)
    f, chosen = parse_filters(request, now)
    hidden = await small_group_page(request, f, chosen, N_("Overview"))
    if hidden is not None:
        return hidden
    lang = render.request_lang(request)
    data = await cached_gather(request, f, now, lang)
    series = [("queries", _("Queries")), ("opens", _("Cards opened")),
              ("reminders_delivered", _("Reminders delivered"))]
    data["chart"] = charts.trend_svg(data["weekly"], series, _("Weekly trend"))
    data["legend"] = charts.legend(series)
    data["chosen"] = chosen
    data["period_labels"] = PERIOD_LABELS
    return render.page(request, "overview.html", data)
