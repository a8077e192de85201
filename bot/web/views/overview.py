"""Overview: people, reach of the latest reminders, opens, useful share, read-and-understood
per SOP, knowledge checks, queries and the weekly trend, with filters."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlite_utils import Database

from bot.store import stats
from bot.store.stats import Filters
from bot.web import auth, charts, render
from bot.web.views.filters import PERIOD_LABELS, parse_filters

CHART_WEEKS = 26


def gather(db: Database, f: Filters, now: datetime, lang: str) -> dict:
    """Everything the overview shows, read in one go on the store's thread."""
    return {
        "totals": stats.totals(db, f),
        "reach": stats.reach(db, f.without_period(), limit=5),
        "acks": stats.acknowledgements(db, f),
        "weekly": stats.weekly(db, f, now=now)[-CHART_WEEKS:],
        "choices": stats.filter_choices(db),
        "titles": stats.card_titles(db, lang),
    }


@auth.require(*auth.COMMS)
async def overview(request: web.Request) -> web.Response:
    _ = render.gettext(request)
    now = render.now(request)
    f, chosen = parse_filters(request, now)
    lang = render.request_lang(request)
    data = await render.store(request).run(gather, f, now, lang)
    series = [("queries", _("Queries")), ("opens", _("Cards opened")),
              ("reminders_delivered", _("Reminders delivered"))]
    data["chart"] = charts.trend_svg(data["weekly"], series, _("Weekly trend"))
    data["legend"] = charts.legend(series)
    data["chosen"] = chosen
    data["period_labels"] = PERIOD_LABELS
    return render.page(request, "overview.html", data)
