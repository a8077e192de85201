"""Overview: people, reach of the latest reminders, opens, useful share, read-and-understood
per SOP, knowledge checks, queries and the weekly trend, with filters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web
from sqlite_utils import Database

from bot.csvsafe import to_csv
from bot.i18n import N_, format_day, format_number
from bot.store import cards, stats
from bot.store import delivery as delivery_store
from bot.store.filters import Filters
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
        "titles": cards.card_titles(db, lang),
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


TREND_KEYS = ("queries", "opens", "reminders_delivered")


def trend_series(_: Any) -> list[tuple[str, str]]:
    return [("queries", _("Queries")), ("opens", _("Cards opened")),
            ("reminders_delivered", _("Reminders delivered"))]


def trend_words(weeks: list[dict], series: list[tuple[str, str]], labels: list[str], _: Any,
                lang: str) -> str:
    """The chart in one sentence, for screen readers: the span and the latest week's figures."""
    if not weeks:
        return _("No weeks with figures yet.")
    latest = "; ".join(f"{label}: {format_number(weeks[-1].get(key) or 0, lang)}"
                       for key, label in series)
    if len(weeks) == 1:
        return _("One week, from %(first)s. %(latest)s.") % {"first": labels[0],
                                                             "latest": latest}
    return _("%(n)s weeks, from %(first)s to %(last)s. Latest week: %(latest)s.") % {
        "n": len(weeks), "first": labels[0], "last": labels[-1], "latest": latest}


@auth.require(*auth.COMMS)
async def trend_csv(request: web.Request) -> web.Response:
    """The overview's trend as CSV (week, its Monday, one column per line of the chart), with
    the page's filters and its privacy rule: a group of 1-4 people gets the header only."""
    now = render.now(request)
    f, _chosen = parse_filters(request, now)
    store = render.store(request)
    rows = [] if await store.run(stats.small_group, f) else \
        (await store.run(stats.weekly, f, now=now))[-CHART_WEEKS:]
    text = to_csv([{"week": r["week"], "week_start": r["monday"],
                    **{k: r.get(k) or 0 for k in TREND_KEYS}} for r in rows],
                  ["week", "week_start", *TREND_KEYS])
    name = f"pregonero-trend-{now.date().isoformat()}.csv"
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})


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
    series = trend_series(_)
    weeks = data["weekly"]
    labels = [format_day(date.fromisoformat(r["monday"]), lang, "d MMM") for r in weeks]
    data["chart"] = charts.trend_svg(weeks, series, _("Weekly trend"), x_labels=labels,
                                     description=trend_words(weeks, series, labels, _, lang))
    data["legend"] = charts.legend(series)
    data["trend_rows"] = list(zip(labels, weeks, strict=True))
    data["trend_series"] = series
    data["trend_csv"] = str(request.app.router["trend_csv"].url_for()) + (
        f"?{request.query_string}" if request.query_string else "")
    data["chosen"] = chosen
    data["period_labels"] = PERIOD_LABELS
    return render.page(request, "overview.html", data)
