"""The filters shared by the overview, content, gaps and export pages (query string)."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from bot.i18n import N_
from bot.store import stats
from bot.store.filters import Filters
from bot.web import render

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365, "all": None}
PERIOD_LABELS = {
    "7d": N_("Last 7 days"), "30d": N_("Last 30 days"), "90d": N_("Last 90 days"),
    "365d": N_("Last 12 months"), "all": N_("All time"),
}
DEFAULT_PERIOD = "all"


def parse_filters(request: web.Request, now: datetime) -> tuple[Filters, dict[str, str]]:
    """Filters from `?region=&port=&role=&lang_filter=&period=`; unknown values are ignored."""
    q = request.query
    period = q.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    days = PERIODS[period]
    since = now - timedelta(days=days) if days else None
    chosen = {
        "region": q.get("region", "").strip()[:64],
        "port": q.get("port", "").strip()[:64],
        "role": q.get("role", "") if q.get("role") in ("officer", "comms", "admin") else "",
        "lang_filter": q.get("lang_filter", "") if q.get("lang_filter") in ("es", "en") else "",
        "period": period,
    }
    filters = Filters(region=chosen["region"] or None, port=chosen["port"] or None,
                      role=chosen["role"] or None, lang=chosen["lang_filter"] or None,
                      since=since)
    return filters, chosen


async def small_group_page(request: web.Request, f: Filters, chosen: dict[str, str],
                           title: str) -> web.Response | None:
    """The page to show instead of figures when the filters single out fewer than 5 people
    (privacy: figures and searches of one or a few officers are not shown), else None."""
    store = render.store(request)
    if not await store.run(stats.small_group, f):
        return None
    choices = await store.run(stats.filter_choices)
    return render.page(request, "small_group.html",
                       {"chosen": chosen, "period_labels": PERIOD_LABELS, "choices": choices,
                        "page_title": title})
